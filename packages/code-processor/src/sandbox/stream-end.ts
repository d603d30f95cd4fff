/**
 * Whether a stream's bytes so far end with a given mark (the supervisor's end mark, supervisor-script.ts),
 * however the stream was cut into chunks. Keeps only the last mark-length bytes. Pure logic.
 */
export class StreamEnd {
  private tail: Buffer = Buffer.alloc(0);

  constructor(private readonly mark: Buffer) {}

  push(chunk: Buffer): void {
    if (chunk.length >= this.mark.length) {
      this.tail = chunk.subarray(chunk.length - this.mark.length);
      return;
    }
    const joined = Buffer.concat([this.tail, chunk]);
    this.tail = joined.subarray(Math.max(0, joined.length - this.mark.length));
  }

  get ended(): boolean {
    return this.tail.equals(this.mark);
  }
}
