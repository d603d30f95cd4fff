/**
 * What this code worker tells the API for GET /languages: the versions in its sandbox image, read once at
 * start (they change only with the image, and a new image means a restarted worker), and its limits. It
 * answers catalogue questions only once it has the versions, so a question is never taken by a worker that
 * would answer less than another could; until the probe succeeds (Docker down at start) it tries again,
 * backing off.
 */
import type { Logger, QueryServer, SandboxLimitsReport, WorkerCatalogue, WorkerQueries } from '@conveyor/shared';
import type { TranslatorVersions } from './sandbox/version-probe.js';

export interface WorkerCatalogueOptions {
  /** Reads the versions (SandboxRunner.probeVersions); throws when the sandbox cannot run. */
  probe: (signal: AbortSignal) => Promise<TranslatorVersions>;
  limits: SandboxLimitsReport;
  queries: WorkerQueries;
  log: Logger;
  /** The first retry's delay after a failed probe; it doubles up to retryMaxMs. */
  retryMs?: number;
  retryMaxMs?: number;
  now?: () => Date;
}

export class WorkerCatalogueService {
  private catalogue: WorkerCatalogue | null = null;
  private server: QueryServer | null = null;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: WorkerCatalogueOptions) {}

  /** The catalogue once the probe succeeded, else null. */
  get current(): WorkerCatalogue | null {
    return this.catalogue;
  }

  /** Starts probing in the background; resolves at once (a worker's start never waits for Docker). */
  start(): void {
    this.attempt(this.options.retryMs ?? 5_000);
  }

  private attempt(nextDelayMs: number): void {
    if (this.closed) return;
    const { probe, limits, queries, log, now = () => new Date() } = this.options;
    probe(this.abort.signal).then(
      (versions) => {
        if (this.closed) return;
        this.catalogue = { probed_at: now().toISOString(), versions, limits };
        this.server = queries.answer('code', () => this.catalogue);
        log.info({ versions }, 'sandbox image versions read; answering catalogue questions');
      },
      (error: unknown) => {
        if (this.closed) return;
        log.warn({ err: error, retry_ms: nextDelayMs }, 'reading the sandbox image versions failed; trying again');
        this.timer = setTimeout(
          () => this.attempt(Math.min(nextDelayMs * 2, this.options.retryMaxMs ?? 5 * 60_000)),
          nextDelayMs,
        );
        this.timer.unref();
      },
    );
  }

  /**
   * Stops answering and probing. A probe under way is aborted but not awaited: an engine that hangs must not
   * hold the shutdown, and the runner's drain() removes its container as it does a task's.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.server?.close();
  }
}
