/**
 * A fake SandboxEngine for unit tests of SandboxJob: no Docker. Each container plays a script that stands in
 * for the in-container supervisor: it reads what the job wrote to stdin and answers with multiplexed frames.
 */
import { Duplex } from 'node:stream';
import type { ContainerCreateOptions } from 'dockerode';
import type { ContainerFacts, SandboxContainer, SandboxEngine } from '../src/sandbox/sandbox-engine.js';
import { endMarkOf } from './supervisor-protocol.js';

export interface FakeScriptContext {
  /** Sends bytes on the container's stdout or stderr (as one multiplexed frame). */
  stdout(data: string | Buffer): void;
  stderr(data: string | Buffer): void;
  /**
   * The supervisor's end: `last` (the trailer, in stream mode) and the end mark on stdout, the end mark on
   * stderr, with the nonce of the plan the job wrote. The container has not stopped yet (exit() does that).
   */
  end(last?: string): void;
  /** The container stops with this exit code: wait() resolves, the stream ends. */
  exit(code: number): void;
  /** Resolves with the next bytes the job writes to the container's stdin. */
  nextInput(): Promise<Buffer>;
  container: FakeContainer;
}

export type FakeScript = (context: FakeScriptContext) => void | Promise<void>;

export function frame(stream: 1 | 2, data: string | Buffer): Buffer {
  const payload = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

export class FakeContainer implements SandboxContainer {
  readonly calls: string[] = [];
  readonly input: Buffer[] = [];
  memoryBytes: number | null = null;
  facts: ContainerFacts = { oomKilled: false, startedAtMs: null, finishedAtMs: null };
  /** Set to make remove() fail. */
  removeError: Error | null = null;
  private stream: Duplex | null = null;
  private exited: { statusCode: number } | null = null;
  private readonly exitWaiters: ((exit: { statusCode: number }) => void)[] = [];
  private readonly inputWaiters: ((data: Buffer) => void)[] = [];
  /** Input written that no script has read yet. */
  private readonly unread: Buffer[] = [];

  constructor(
    readonly id: string,
    readonly spec: ContainerCreateOptions,
    private readonly script: FakeScript,
  ) {}

  async attach(): Promise<Duplex> {
    this.calls.push('attach');
    const container = this;
    this.stream = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        container.input.push(chunk);
        const waiter = container.inputWaiters.shift();
        if (waiter) waiter(chunk);
        else container.unread.push(chunk);
        callback();
      },
    });
    return this.stream;
  }

  async start(): Promise<void> {
    this.calls.push('start');
    const context: FakeScriptContext = {
      stdout: (data) => this.stream?.push(frame(1, data)),
      stderr: (data) => this.stream?.push(frame(2, data)),
      end: (last = '') => {
        const mark = endMarkOf(Buffer.concat(this.input));
        this.stream?.push(frame(1, last + mark));
        this.stream?.push(frame(2, mark));
      },
      exit: (code) => this.exit(code),
      nextInput: () => {
        const chunk = this.unread.shift();
        return chunk ? Promise.resolve(chunk) : new Promise((resolve) => this.inputWaiters.push(resolve));
      },
      container: this,
    };
    // The script runs as the container would: on its own, after start returned.
    setImmediate(() => void this.script(context));
  }

  wait(signal: AbortSignal): Promise<{ statusCode: number }> {
    this.calls.push('wait');
    if (this.exited) return Promise.resolve(this.exited);
    return new Promise((resolve, reject) => {
      this.exitWaiters.push(resolve);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  async inspect(): Promise<ContainerFacts> {
    this.calls.push('inspect');
    return this.facts;
  }

  async kill(): Promise<void> {
    this.calls.push('kill');
    if (this.exited) throw Object.assign(new Error('container is not running'), { statusCode: 409 });
    this.exit(137);
  }

  async setMemory(bytes: number): Promise<void> {
    this.calls.push('setMemory');
    this.memoryBytes = bytes;
  }

  async remove(): Promise<void> {
    this.calls.push('remove');
    if (this.removeError) throw this.removeError;
  }

  /** The connection to the engine dropped: the stream ends, but wait() never answers. */
  endStreamOnly(): void {
    this.stream?.push(null);
  }

  get wasRemoved(): boolean {
    return this.calls.includes('remove');
  }

  private exit(code: number): void {
    if (this.exited) return;
    this.exited = { statusCode: code };
    this.stream?.push(null);
    for (const resolve of this.exitWaiters.splice(0)) resolve(this.exited);
  }
}

export class FakeEngine implements SandboxEngine {
  readonly containers: FakeContainer[] = [];
  createError: Error | null = null;

  constructor(private readonly script: FakeScript) {}

  async createContainer(spec: ContainerCreateOptions): Promise<FakeContainer> {
    if (this.createError) throw this.createError;
    const container = new FakeContainer(`fake-${this.containers.length + 1}`, spec, this.script);
    this.containers.push(container);
    return container;
  }

  get last(): FakeContainer {
    const container = this.containers.at(-1);
    if (!container) throw new Error('no container was created');
    return container;
  }
}
