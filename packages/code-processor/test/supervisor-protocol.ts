/** The supervisor's side of the protocol (see supervisor-script.ts), written by hand for unit tests. */

export const NO_COMPILE = '\x1eprelude 0 0 0 0 0 0 0 0\n';

export function compiledPrelude(status: number, { stdout = '', stderr = '', timeMs = 150, timedOut = false } = {}) {
  return `\x1eprelude 1 ${status} ${stdout.length} ${stdout.length} ${stderr.length} ${stderr.length} ${timeMs} ${timedOut ? 1 : 0}\n${stdout}${stderr}`;
}

export function trailer(status: number, timeMs = 0, timedOut = false): string {
  const digits = (n: number) => String(n).padStart(10, '0');
  return `\x1econveyor-exit ${digits(status)} ${digits(timeMs)} ${timedOut ? 1 : 0}\n`;
}
