/** The supervisor's side of the protocol (see supervisor-script.ts), written by hand for unit tests. */
import { endMark } from '../src/sandbox/supervisor-script.js';

/** A nonce for tests that feed the host's side directly, and its end mark as the supervisor writes it. */
export const TEST_NONCE = '0123456789abcdef0123456789abcdef';
export const END = endMark(TEST_NONCE).toString('latin1');

export const NO_COMPILE = '\x1eprelude 0 0 0 0 0 0 0 0\n';

export function compiledPrelude(status: number, { stdout = '', stderr = '', timeMs = 150, timedOut = false } = {}) {
  return `\x1eprelude 1 ${status} ${stdout.length} ${stdout.length} ${stderr.length} ${stderr.length} ${timeMs} ${timedOut ? 1 : 0}\n${stdout}${stderr}`;
}

export function trailer(
  status: number,
  timeMs = 0,
  timedOut = false,
  { cpuMs = 0, memoryKb = 0, oomKilled = false } = {},
): string {
  const digits = (n: number) => String(n).padStart(10, '0');
  return `\x1econveyor-exit ${digits(status)} ${digits(timeMs)} ${timedOut ? 1 : 0} ${digits(cpuMs)} ${digits(memoryKb)} ${oomKilled ? 1 : 0}\n`;
}

/** One judge-mode test frame as the supervisor writes it. */
export function testFrame(
  index: number,
  {
    status = 0,
    timeMs = 5,
    timedOut = 0,
    cpuMs = 3,
    memoryKb = 1000,
    oom = 0,
    stdout = '',
    stderr = '',
    outTotal = -1,
  } = {},
): string {
  const total = outTotal < 0 ? Buffer.byteLength(stdout) : outTotal;
  return `\x1etest ${index} ${status} ${timeMs} ${timedOut} ${cpuMs} ${memoryKb} ${oom} ${total} ${Buffer.byteLength(stdout)} ${Buffer.byteLength(stderr)} ${Buffer.byteLength(stderr)}\n${stdout}${stderr}`;
}

/** What the host wrote on a supervisor's stdin: the plan (its environment and argv words), then the rest. */
export function readPlan(input: Buffer): { env: Record<string, string>; argv: string[]; rest: Buffer } {
  const length = Number(input.subarray(0, 10).toString('ascii'));
  const [count, ...words] = input
    .subarray(10, 10 + length)
    .toString('utf8')
    .split('\0');
  const env = Object.fromEntries(
    words
      .splice(0, Number(count))
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
  return { env, argv: words, rest: input.subarray(10 + length) };
}

/** The end mark of the task whose plan the host wrote on the supervisor's stdin. */
export function endMarkOf(input: Buffer): string {
  return readPlan(input).env.END_MARK ?? '';
}
