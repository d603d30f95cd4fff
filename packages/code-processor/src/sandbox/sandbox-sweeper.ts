/**
 * Removes leftover sandbox containers (a crash, a failed removal), only of this deployment, and only when
 * their owner is known to be done with them:
 * - this worker's own containers that no task is using: all of them at start; later, those created more than
 *   `ownLeftoverAfterMs` ago (a container this worker has just created may not be registered as at work yet);
 * - another worker's stopped containers once that worker's lease has expired (it died without cleaning up).
 *
 * Liveness is a lease held in the engine itself, the one thing the workers sharing it all see: each worker
 * keeps a small container that is created and never started, labelled with its deployment and worker id,
 * and renames it every `heartbeatMs` to a name that carries the time of the beat. A worker whose lease is
 * older than `leaseTtlMs` (or that has none) is dead. Age alone never condemns a container, and another
 * deployment's containers are never even listed.
 *
 * A running sandbox is never removed for another worker: its supervisor exits on its own when its worker's
 * attach connection closes, or at its deadline.
 */

import type { Logger } from '@conveyor/shared';
import type Docker from 'dockerode';
import { DEPLOYMENT_LABEL, SANDBOX_LABEL, WORKER_ID_LABEL } from './container-spec.js';

/** Marks the lease containers (see above). */
export const LEASE_LABEL = 'conveyor.lease';

export interface SandboxSweeperOptions {
  docker: Docker;
  deployment: string;
  workerId: string;
  /** Containers still at work (SandboxRunner.workingContainers); never removed. */
  working: () => ReadonlySet<string>;
  /** An image present on the engine, for the lease container (never started): the sandbox image. */
  image: string;
  /** How often the lease is renewed; 10 s unless told. */
  heartbeatMs?: number;
  /** A lease older than this is a dead worker's; three heartbeats unless told. */
  leaseTtlMs?: number;
  /** This worker's own container not at work, created longer ago than this, is a leftover; 60 s unless told. */
  ownLeftoverAfterMs?: number;
  log?: Logger;
  /** The clock (epoch ms); tests move it. */
  now?: () => number;
}

interface ListedContainer {
  Id: string;
  Names?: string[];
  Labels?: Record<string, string>;
  State?: string;
  Created: number;
}

export class SandboxSweeper {
  private sweepTimer: NodeJS.Timeout | undefined;
  private beatTimer: NodeJS.Timeout | undefined;
  private leaseId: string | undefined;
  private readonly heartbeatMs: number;
  private readonly leaseTtlMs: number;
  private readonly ownLeftoverAfterMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SandboxSweeperOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    this.leaseTtlMs = options.leaseTtlMs ?? 3 * this.heartbeatMs;
    this.ownLeftoverAfterMs = options.ownLeftoverAfterMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Takes this worker's lease, or renews it (a rename that carries the time of the beat). */
  async heartbeat(): Promise<void> {
    const { docker, deployment, workerId, image } = this.options;
    const name = leaseName(deployment, workerId, this.now());
    if (this.leaseId) {
      await docker.getContainer(this.leaseId).rename({ name });
      return;
    }
    const lease = await docker.createContainer({
      Image: image,
      name,
      Cmd: ['true'],
      Labels: { [LEASE_LABEL]: '1', [DEPLOYMENT_LABEL]: deployment, [WORKER_ID_LABEL]: workerId },
      NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none', LogConfig: { Type: 'none', Config: {} } },
    });
    this.leaseId = lease.id;
  }

  /** Removes leftovers; with `all`, every container of this worker not at work, whatever its age. */
  async sweep({ all = false } = {}): Promise<number> {
    const { docker, deployment, workerId, working, log } = this.options;
    const mine = (labels: string[]) => docker.listContainers({ all: true, filters: { label: labels } });
    const [sandboxes, leases] = await Promise.all([
      mine([`${SANDBOX_LABEL}=1`, `${DEPLOYMENT_LABEL}=${deployment}`]) as Promise<ListedContainer[]>,
      mine([`${LEASE_LABEL}=1`, `${DEPLOYMENT_LABEL}=${deployment}`]) as Promise<ListedContainer[]>,
    ]);
    const now = this.now();
    const beats = new Map<string, number>();
    for (const lease of leases) {
      const owner = lease.Labels?.[WORKER_ID_LABEL] ?? '';
      beats.set(owner, Math.max(beats.get(owner) ?? 0, leaseBeat(lease)));
    }
    const alive = (owner: string) => owner === workerId || now - (beats.get(owner) ?? 0) < this.leaseTtlMs;
    const leftovers = sandboxes.filter((c) => {
      const owner = c.Labels?.[WORKER_ID_LABEL] ?? '';
      if (owner === workerId) {
        return !working().has(c.Id) && (all || now - c.Created * 1000 > this.ownLeftoverAfterMs);
      }
      return !alive(owner) && c.State !== 'running';
    });
    const deadLeases = leases.filter((l) => !alive(l.Labels?.[WORKER_ID_LABEL] ?? ''));
    let removed = 0;
    await Promise.all(
      [...leftovers, ...deadLeases].map(async (c) => {
        try {
          await docker.getContainer(c.Id).remove({ force: true, v: true });
          if (c.Labels?.[SANDBOX_LABEL]) removed++;
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode !== 404) {
            log?.warn({ err: error, container: c.Id }, 'sandbox sweeper could not remove a leftover');
          }
        }
      }),
    );
    if (removed > 0) log?.info({ removed, worker_id: workerId, deployment }, 'sandbox sweeper removed leftovers');
    return removed;
  }

  /**
   * Takes the lease, sweeps everything of this worker now, then renews the lease every heartbeat and sweeps
   * every `intervalMs`; errors are logged, never thrown.
   */
  async start(intervalMs: number): Promise<void> {
    const warn = (what: string) => (error: unknown) => this.options.log?.warn({ err: error }, what);
    this.stopTimers();
    await this.heartbeat().catch(warn('sandbox lease not taken'));
    await this.sweep({ all: true }).catch(warn('sandbox sweep failed'));
    this.beatTimer = setInterval(() => {
      this.heartbeat().catch(warn('sandbox lease not renewed'));
    }, this.heartbeatMs);
    this.sweepTimer = setInterval(() => {
      this.sweep().catch(warn('sandbox sweep failed'));
    }, intervalMs);
    this.beatTimer.unref();
    this.sweepTimer.unref();
  }

  /** Stops sweeping and gives the lease back (a clean exit leaves nothing behind). */
  async stop(): Promise<void> {
    this.stopTimers();
    const leaseId = this.leaseId;
    this.leaseId = undefined;
    if (!leaseId) return;
    await this.options.docker
      .getContainer(leaseId)
      .remove({ force: true })
      .catch((error: unknown) => this.options.log?.warn({ err: error }, 'sandbox lease not removed'));
  }

  private stopTimers(): void {
    clearInterval(this.sweepTimer);
    clearInterval(this.beatTimer);
    this.sweepTimer = undefined;
    this.beatTimer = undefined;
  }
}

/** Container names allow [a-zA-Z0-9_.-]; the beat's time is the name's last part. */
function leaseName(deployment: string, workerId: string, beatMs: number): string {
  const safe = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, '_');
  return `conveyor-lease-${safe(deployment)}-${safe(workerId)}-${beatMs}`;
}

function leaseBeat(lease: ListedContainer): number {
  const match = /-(\d+)$/.exec(lease.Names?.[0] ?? '');
  return match ? Number(match[1]) : 0;
}
