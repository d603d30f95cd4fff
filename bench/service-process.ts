/** Services of the stack as their own processes, for the benches that measure them from outside. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { open, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

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
