/**
 * One Conveyor service (the API, a code or image worker) as a real process the fault suite starts and may
 * SIGKILL, SIGSTOP, SIGCONT or SIGTERM. Its JSON log lines go to a file (kept for a failed run) and are
 * searched for the lines the suite waits on.
 *
 * It runs the built service (`npm run build`, which `npm run test:faults` does first): a process starts in
 * half the time it takes through tsx, and the suite starts dozens. FAULTS_FROM_SRC=1 runs the sources.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = { api: 'api', code: 'code-processor', image: 'image-processor' } as const;
export type ServiceKind = keyof typeof PACKAGES;

function commandFor(kind: ServiceKind): string[] {
  const dir = `${ROOT}packages/${PACKAGES[kind]}`;
  return process.env.FAULTS_FROM_SRC === '1'
    ? ['--conditions=conveyor-src', '--import', 'tsx', `${dir}/src/main.ts`]
    : [`${dir}/dist/main.js`];
}

export interface LogLine {
  msg?: string;
  [key: string]: unknown;
}

export class ServiceProcess {
  readonly lines: LogLine[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private readonly out: WriteStream;

  constructor(
    readonly kind: ServiceKind,
    readonly name: string,
    env: Record<string, string>,
    readonly logFile: string,
  ) {
    this.out = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(process.execPath, commandFor(kind), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (text) => {
        this.out.write(`${text}\n`);
        try {
          this.lines.push(JSON.parse(text) as LogLine);
        } catch {
          this.lines.push({ msg: text });
        }
      });
    }
    this.exited = once(this.child, 'exit').then(([code]) => code as number | null);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first log line matching, waiting up to timeoutMs. */
  async waitForLine(match: (line: LogLine) => boolean, what: string, timeoutMs = 60_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (!this.alive)
        throw new Error(`${this.name} exited (${this.child.exitCode}) before ${what}; log: ${this.logFile}`);
      if (Date.now() > deadline)
        throw new Error(`${this.name}: no ${what} within ${timeoutMs} ms; log: ${this.logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) process.kill(this.pid, signal);
  }

  /** Resident memory in MiB, from /proc. */
  rssMiB(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  }

  async stop(): Promise<void> {
    if (this.alive) {
      this.signal('SIGCONT');
      this.signal('SIGKILL');
      await this.exited;
    }
    this.out.end();
  }
}
