/**
 * The host's side of the judge mode's per-test frames (see supervisor-script.ts): after the prelude the
 * container's stdout is nothing but frames, `\x1etest <index> <status> <timeMs> <timedOut> <cpuMs>
 * <memoryKb> <oom> <outTotal> <outKept> <errTotal> <errKept>\n` followed by the kept bytes, and last the end
 * mark. Pure logic.
 */
import { TEST_FRAME_MARK } from './supervisor-script.js';

/** What the supervisor reported of one test's run. */
export interface TestFrame {
  index: number;
  /** Raw wait status (exit code << 8 | signal). */
  waitStatus: number;
  timeMs: number;
  /** 1: the run's own time limit; 2: the task's total time ran out; 0: neither. */
  timedOut: 0 | 1 | 2;
  cpuMs: number;
  memoryKb: number;
  oomKilled: boolean;
  stdout: string;
  stderr: string;
  /** Either stream went past the output limit (the supervisor stopped the program, or it ended). */
  outputLimited: boolean;
}

const HEADER = /^(\d+) (\d+) (\d+) ([012]) (\d+) (\d+) ([01]) (\d+) (\d+) (\d+) (\d+)$/;
const MAX_HEADER_BYTES = 200;

export class TestFrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private header: number[] | null = null;
  private ended = false;

  constructor(
    private readonly limitBytes: number,
    private readonly endMark: Buffer,
  ) {}

  /** Feeds stdout bytes; returns the frames they completed. Throws on anything that is not a frame. */
  push(chunk: Buffer): TestFrame[] {
    if (this.ended) throw new Error('sandbox protocol: output after the end mark');
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: TestFrame[] = [];
    for (;;) {
      if (!this.header) {
        const newline = this.pending.indexOf(0x0a);
        if (newline < 0) {
          if (this.pending.length > MAX_HEADER_BYTES) throw new Error('sandbox protocol: no test frame header');
          return frames;
        }
        if (this.pending.subarray(0, newline + 1).equals(this.endMark)) {
          if (this.pending.length > newline + 1) throw new Error('sandbox protocol: output after the end mark');
          this.ended = true;
          this.pending = Buffer.alloc(0);
          return frames;
        }
        const line = this.pending.subarray(0, newline).toString('latin1');
        const match = line.startsWith(TEST_FRAME_MARK) ? HEADER.exec(line.slice(TEST_FRAME_MARK.length)) : null;
        if (!match) throw new Error(`sandbox protocol: not a test frame: ${JSON.stringify(line.slice(0, 100))}`);
        this.header = match.slice(1).map(Number);
        const [, , , , , , , , outKept = 0, , errKept = 0] = this.header;
        if (outKept > this.limitBytes || errKept > this.limitBytes) {
          throw new Error('sandbox protocol: a test frame keeps more than the output limit');
        }
        this.pending = this.pending.subarray(newline + 1);
      }
      const [index, waitStatus, timeMs, timedOut, cpuMs, memoryKb, oom, outTotal, outKept, errTotal, errKept] = this
        .header as [number, number, number, number, number, number, number, number, number, number, number];
      if (this.pending.length < outKept + errKept) return frames;
      frames.push({
        index,
        waitStatus,
        timeMs,
        timedOut: timedOut as 0 | 1 | 2,
        cpuMs,
        memoryKb,
        oomKilled: oom === 1,
        stdout: this.pending.subarray(0, outKept).toString('utf8'),
        stderr: this.pending.subarray(outKept, outKept + errKept).toString('utf8'),
        outputLimited: outTotal > this.limitBytes || errTotal > this.limitBytes,
      });
      this.pending = this.pending.subarray(outKept + errKept);
      this.header = null;
    }
  }
}
