/**
 * What the sandbox image itself prints for a command, run with plain `docker run`: the reference the version
 * probe and GET /languages are checked against.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The first non-empty line the image prints for `argv` (stdout, else stderr), as the probe reads it. */
export async function imageSays(image: string, argv: readonly string[]): Promise<string> {
  const { stdout, stderr } = await run('docker', ['run', '--rm', '--network', 'none', image, ...argv], {
    timeout: 60_000,
  });
  const first = (text: string) =>
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim();
  return first(stdout) ?? first(stderr) ?? '';
}
