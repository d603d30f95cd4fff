/**
 * Splits Docker's multiplexed attach stream (no TTY) into stdout and stderr chunks.
 * Each frame is an 8-byte header (stream type, 3 zero bytes, big-endian payload length) and the payload.
 */

export type OutputStream = 'stdout' | 'stderr';

const HEADER_BYTES = 8;
const STREAM_TYPES: Record<number, OutputStream> = { 1: 'stdout', 2: 'stderr' };

export class DockerStreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onChunk: (stream: OutputStream, chunk: Buffer) => void) {}

  push(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    while (this.pending.length >= HEADER_BYTES) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER_BYTES + size) break;
      const stream = STREAM_TYPES[this.pending[0]!];
      const payload = this.pending.subarray(HEADER_BYTES, HEADER_BYTES + size);
      this.pending = this.pending.subarray(HEADER_BYTES + size);
      // Type 0 (stdin echo) never comes without a TTY; anything else is not ours to interpret.
      if (stream && payload.length > 0) this.onChunk(stream, payload);
    }
  }
}
