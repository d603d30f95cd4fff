/**
 * The host's side of the supervisor protocol (see supervisor-script.ts): reads the compile prelude, keeps
 * the first bytes of the program's stdout and stderr, notices when either goes past the limit, sees the end
 * mark close both streams, and finds the exit-status trailer just before stdout's end mark. Pure logic: it
 * sees bytes, never a container.
 */

import type { OutputStream } from './docker-stream-demuxer.js';
import { StreamEnd } from './stream-end.js';
import { PRELUDE_MARK, TRAILER_BYTES, TRAILER_PREFIX } from './supervisor-script.js';
import { type TestFrame, TestFrameReader } from './test-frames.js';

export interface CompileReport {
  /** Raw wait status of the compiler (exit code << 8 | signal). */
  waitStatus: number;
  stdout: string;
  stderr: string;
  truncated: boolean;
  /** The compile's wall time as the supervisor measured it. */
  timeMs: number;
  /** The supervisor stopped the compiler at the compile time limit. */
  timedOut: boolean;
}

export interface Prelude {
  /** Null when the translator does not compile. */
  compile: CompileReport | null;
}

export type OutputEvent = 'prelude' | 'over_limit';

export interface ProgramOutput {
  stdout: string;
  stderr: string;
  /** True when either stream went past the limit and was cut. */
  truncated: boolean;
  /** Raw wait status of the program, or null when the supervisor did not get to report it. */
  waitStatus: number | null;
  /** The program's wall time as the supervisor measured it; null without a report. */
  timeMs: number | null;
  /** The supervisor stopped the program at the run time limit (or the task's total time). */
  timedOut: boolean;
  /** The kernel's accounting of the program (see supervisor-script.ts); null without a report. */
  cpuMs: number | null;
  memoryKb: number | null;
  /** The container's cgroup counted an OOM kill during the run. */
  oomKilled: boolean;
}

const PRELUDE_HEADER = /^(\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) ([01])$/;
const TRAILER_BODY = /^(\d{10}) (\d{10}) ([012]) (\d{10}) (\d{10}) ([01])$/;
const MAX_PRELUDE_HEADER = 400;

interface PendingPrelude {
  compiled: boolean;
  waitStatus: number;
  outTotal: number;
  outKept: number;
  errTotal: number;
  errKept: number;
  timeMs: number;
  timedOut: boolean;
}

export class SandboxOutput {
  private preludeBytes: Buffer = Buffer.alloc(0);
  private header: PendingPrelude | null = null;
  private preludeResult: Prelude | null = null;
  private readonly stdoutChunks: Buffer[] = [];
  private stdoutBytes = 0;
  private readonly stderrChunks: Buffer[] = [];
  private stderrBytes = 0;
  private overLimit = false;
  /** Judge mode: after the prelude, stdout is the supervisor's per-test frames (test-frames.ts). */
  private readonly frames: TestFrameReader | null;
  private readonly framesSeen: TestFrame[] = [];
  private readonly ends: Record<OutputStream, StreamEnd>;

  /** `endMark`: the task's end mark (the plan's, endMark() of a fresh nonce). */
  constructor(
    private readonly limitBytes: number,
    private readonly endMark: Buffer,
    mode: 'stream' | 'judge' = 'stream',
  ) {
    this.frames = mode === 'judge' ? new TestFrameReader(limitBytes, endMark) : null;
    this.ends = { stdout: new StreamEnd(endMark), stderr: new StreamEnd(endMark) };
  }

  /**
   * Both streams ended with the end mark: the supervisor wrote its last word after every other process was
   * gone, so the output is whole, whether or not the engine has reported the container stopped yet.
   */
  get complete(): boolean {
    return this.ends.stdout.ended && this.ends.stderr.ended;
  }

  /** Judge mode: the tests reported so far, in order. */
  get testFrames(): readonly TestFrame[] {
    return this.framesSeen;
  }

  get prelude(): Prelude | null {
    return this.preludeResult;
  }

  /** Feeds one chunk; returns what happened because of it, if anything the host must act on. */
  push(stream: OutputStream, chunk: Buffer): OutputEvent | null {
    this.ends[stream].push(chunk);
    // stderr is the program's alone; it may even arrive before the prelude (Docker does not order the streams).
    if (!this.preludeResult && stream === 'stdout') {
      const rest = this.readPrelude(chunk);
      if (!this.preludeResult) return null;
      if (rest.length > 0) this.keepStdout(rest);
      return this.overLimit ? 'over_limit' : 'prelude';
    }
    if (stream === 'stdout') {
      const wasOver = this.overLimit;
      this.keepStdout(chunk);
      return this.overLimit && !wasOver ? 'over_limit' : null;
    }
    const wasOver = this.overLimit;
    this.keep(stream, chunk);
    return this.overLimit && !wasOver ? 'over_limit' : null;
  }

  /** What the program printed and how it ended, once the container has stopped. */
  finish(): ProgramOutput {
    let stdout = Buffer.concat(this.stdoutChunks);
    let stderr = Buffer.concat(this.stderrChunks);
    let report: Pick<ProgramOutput, 'waitStatus' | 'timeMs' | 'timedOut' | 'cpuMs' | 'memoryKb' | 'oomKilled'> | null =
      null;
    // Only the end mark makes the bytes before it the supervisor's: a trailer the program printed itself (and
    // then was killed) is the program's output.
    // (A stream cut at its room lost its mark; so did one whose end the host cut short.)
    const stdoutEnded = this.ends.stdout.ended && stdout.length === this.stdoutBytes;
    if (stdoutEnded) stdout = stdout.subarray(0, stdout.length - this.endMark.length);
    if (this.ends.stderr.ended && stderr.length === this.stderrBytes) {
      stderr = stderr.subarray(0, stderr.length - this.endMark.length);
    }
    if (stdoutEnded && !this.overLimit && stdout.length >= TRAILER_BYTES) {
      const trailer = stdout.subarray(stdout.length - TRAILER_BYTES).toString('latin1');
      const body = TRAILER_BODY.exec(trailer.slice(TRAILER_PREFIX.length, -1));
      if (trailer.startsWith(TRAILER_PREFIX) && trailer.endsWith('\n') && body) {
        report = {
          waitStatus: Number(body[1]),
          timeMs: Number(body[2]),
          timedOut: body[3] !== '0',
          cpuMs: Number(body[4]),
          memoryKb: Number(body[5]),
          oomKilled: body[6] === '1',
        };
        stdout = stdout.subarray(0, stdout.length - TRAILER_BYTES);
      }
    }
    const truncated = this.overLimit || stdout.length > this.limitBytes || stderr.length > this.limitBytes;
    return {
      stdout: stdout.subarray(0, this.limitBytes).toString('utf8'),
      stderr: stderr.subarray(0, this.limitBytes).toString('utf8'),
      truncated,
      waitStatus: report?.waitStatus ?? null,
      timeMs: report?.timeMs ?? null,
      timedOut: report?.timedOut ?? false,
      cpuMs: report?.cpuMs ?? null,
      memoryKb: report?.memoryKb ?? null,
      oomKilled: report?.oomKilled ?? false,
    };
  }

  /** The program's stdout: kept (stream mode), or read as test frames (judge mode; throws on a bad one). */
  private keepStdout(chunk: Buffer): void {
    if (this.frames) this.framesSeen.push(...this.frames.push(chunk));
    else this.keep('stdout', chunk);
  }

  private readPrelude(chunk: Buffer): Buffer {
    this.preludeBytes = Buffer.concat([this.preludeBytes, chunk]);
    if (!this.header) {
      const newline = this.preludeBytes.indexOf(0x0a);
      if (newline < 0) {
        if (this.preludeBytes.length > MAX_PRELUDE_HEADER) throw new Error('sandbox protocol: no prelude header');
        return Buffer.alloc(0);
      }
      const line = this.preludeBytes.subarray(0, newline).toString('latin1');
      const match = line.startsWith(PRELUDE_MARK) ? PRELUDE_HEADER.exec(line.slice(PRELUDE_MARK.length)) : null;
      if (!match) throw new Error(`sandbox supervisor: ${JSON.stringify(line.replace('\x1e', '').slice(0, 300))}`);
      const [compiled, waitStatus, outTotal, outKept, errTotal, errKept, timeMs, timedOut] = match
        .slice(1)
        .map(Number) as number[];
      this.header = {
        compiled: compiled === 1,
        waitStatus: waitStatus!,
        outTotal: outTotal!,
        outKept: outKept!,
        errTotal: errTotal!,
        errKept: errKept!,
        timeMs: timeMs!,
        timedOut: timedOut === 1,
      };
      this.preludeBytes = this.preludeBytes.subarray(newline + 1);
    }
    const { compiled, waitStatus, outTotal, outKept, errTotal, errKept, timeMs, timedOut } = this.header;
    if (this.preludeBytes.length < outKept + errKept) return Buffer.alloc(0);
    const body = this.preludeBytes;
    this.preludeResult = {
      compile: compiled
        ? {
            waitStatus,
            stdout: body.subarray(0, outKept).toString('utf8'),
            stderr: body.subarray(outKept, outKept + errKept).toString('utf8'),
            truncated: outTotal > outKept || errTotal > errKept,
            timeMs,
            timedOut,
          }
        : null,
    };
    this.preludeBytes = Buffer.alloc(0);
    return body.subarray(outKept + errKept);
  }

  private keep(stream: OutputStream, chunk: Buffer): void {
    // Both streams carry the end mark on top of the limit, stdout the trailer too; they are told apart at the end.
    const room = this.limitBytes + this.endMark.length + (stream === 'stdout' ? TRAILER_BYTES : 0);
    const chunks = stream === 'stdout' ? this.stdoutChunks : this.stderrChunks;
    const before = stream === 'stdout' ? this.stdoutBytes : this.stderrBytes;
    const after = before + chunk.length;
    if (stream === 'stdout') this.stdoutBytes = after;
    else this.stderrBytes = after;
    if (before < room) chunks.push(chunk.subarray(0, room - before));
    if (after > room) this.overLimit = true;
  }
}
