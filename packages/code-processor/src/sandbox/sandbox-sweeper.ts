/**
 * Removes leftover sandbox containers (a crash, a failed removal): at start, all of this worker's; then
 * periodically any sandbox, of this worker or another, that is older than the longest a sandbox can live,
 * since no live task can own it (this is what clears a crashed worker's leftovers when its id changed).
 */

import type { Logger } from '@conveyor/shared';
import type Docker from 'dockerode';
import { SANDBOX_LABEL, WORKER_ID_LABEL } from './container-spec.js';

export interface SandboxSweeperOptions {
  docker: Docker;
  workerId: string;
  /** Containers still at work (SandboxRunner.workingContainers); never removed. */
  working: () => ReadonlySet<string>;
  /** A container older than this that is not at work is a leftover. */
  leftoverAfterMs: number;
  log?: Logger;
}

export class SandboxSweeper {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SandboxSweeperOptions) {}

  /** Removes leftovers; with `all`, every container of this worker not at work, whatever its age. */
  async sweep({ all = false } = {}): Promise<number> {
    const { docker, workerId, working, leftoverAfterMs, log } = this.options;
    const labels = all ? [`${SANDBOX_LABEL}=1`, `${WORKER_ID_LABEL}=${workerId}`] : [`${SANDBOX_LABEL}=1`];
    const containers = await docker.listContainers({ all: true, filters: { label: labels } });
    const now = Date.now();
    const leftovers = containers.filter(
      (c) => !working().has(c.Id) && (all || now - c.Created * 1000 > leftoverAfterMs),
    );
    let removed = 0;
    await Promise.all(
      leftovers.map(async (c) => {
        try {
          await docker.getContainer(c.Id).remove({ force: true, v: true });
          removed++;
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode !== 404) {
            log?.warn({ err: error, container: c.Id }, 'sandbox sweeper could not remove a leftover');
          }
        }
      }),
    );
    if (removed > 0) log?.info({ removed, worker_id: workerId }, 'sandbox sweeper removed leftovers');
    return removed;
  }

  /** Sweeps everything now, then leftovers every `intervalMs`; errors are logged, never thrown. */
  async start(intervalMs: number): Promise<void> {
    await this.sweep({ all: true }).catch((error) => this.options.log?.warn({ err: error }, 'sandbox sweep failed'));
    this.stop();
    this.timer = setInterval(() => {
      this.sweep().catch((error) => this.options.log?.warn({ err: error }, 'sandbox sweep failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
