/** Services of the stack as their own processes, for the benches that measure them from outside. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Services still running when the bench exits, however it exits (a thrown error included): killed then, so a
 * failed run leaves no server holding the bench's fixed ports for the next one.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Node's flags for running the TypeScript sources, as package.json does. */
export const TSX = ['--conditions=conveyor-src', '--import', 'tsx'];

/**
 * Starts `node <args>` with its stdout and stderr in `logFile`; resolves once `url` answers (any status),
 * or at once when no url is given.
 */
export async function startService(
  args: string[],
  env: Record<string, string>,
  logFile: string,
  url?: string,
): Promise<ChildProcess> {
  const out = await open(logFile, 'w');
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', out.fd, out.fd] });
  await out.close();
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!url) return child;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}; see ${logFile}`);
    try {
      await fetch(url);
      return child;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${url} did not answer`);
}

export async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** A Linux process's resident memory in MB (/proc/PID/status). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * `node` arguments that run a package's service as its image runs it: the JavaScript `tsc -b` compiles (as the
 * Dockerfiles do), not the sources under tsx, whose transform gives every named function an extra
 * `Object.defineProperty` (esbuild's keepNames) and so is not what is deployed. Compiles `tree` first; tsc's
 * build mode redoes only what changed.
 */
export function deployedEntry(tree: string, pkg: string): string[] {
  execFileSync(join(tree, 'node_modules/.bin/tsc'), ['-b', join(tree, 'packages', pkg)], { stdio: 'inherit' });
  return [join(tree, 'packages', pkg, 'dist/main.js')];
}
