/**
 * GET /languages's data: the translator table, with the versions and limits a code worker reports over the
 * queue (the API has no Docker; see WorkerQueries), cached. The answer is served as is while younger than
 * `maxAgeMs`; older, it is still served while one refresh runs in the background. With no answer at all
 * (no code worker yet, or none answered within `askTimeoutMs`), the catalogue is the table with null versions
 * and the settings' default limits: never an error, never a wait past the question's timeout, and at most
 * one question in flight however many requests come (a miss is remembered for `retryAfterMs`).
 */
import {
  EnvReader,
  type LanguagesResponse,
  type Logger,
  languagesResponse,
  readSandboxLimitSettings,
  type SandboxLimitsReport,
  sandboxLimitsReport,
  type WorkerCatalogue,
  WorkerCatalogueSchema,
  type WorkerQueries,
} from '@conveyor/shared';
import { Value } from 'typebox/value';

/** The code-processor's limits when it reads no setting: what a worker says when none has answered. */
export const DEFAULT_LIMITS_REPORT: SandboxLimitsReport = sandboxLimitsReport(
  readSandboxLimitSettings(new EnvReader({})),
);

export interface LanguageCatalogueOptions {
  queries: WorkerQueries;
  log: Logger;
  /** A worker's answer younger than this is served without asking again. */
  maxAgeMs?: number;
  /** How long a question waits for a code worker. */
  askTimeoutMs?: number;
  /** After a question nobody answered, how long before asking again (requests meanwhile get the fallback). */
  retryAfterMs?: number;
  fallbackLimits?: SandboxLimitsReport;
  now?: () => number;
}

/** The worker's answer when it is a catalogue; null for anything else (an older worker, a corrupt reply). */
export function parseWorkerCatalogue(body: unknown): WorkerCatalogue | null {
  return Value.Check(WorkerCatalogueSchema, body) ? body : null;
}

export class LanguageCatalogue {
  private answer: { catalogue: WorkerCatalogue; at: number } | null = null;
  private missedAt: number | null = null;
  private inFlight: Promise<void> | null = null;
  private readonly maxAgeMs: number;
  private readonly askTimeoutMs: number;
  private readonly retryAfterMs: number;
  private readonly now: () => number;

  constructor(private readonly options: LanguageCatalogueOptions) {
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.askTimeoutMs = options.askTimeoutMs ?? 2_000;
    this.retryAfterMs = options.retryAfterMs ?? 15_000;
    this.now = options.now ?? Date.now;
  }

  /** The catalogue now: at most one question's timeout away, and only when nothing is known yet. */
  async get(): Promise<LanguagesResponse> {
    const now = this.now();
    const recentlyMissed = this.missedAt !== null && now - this.missedAt < this.retryAfterMs;
    if (this.answer) {
      // A stale answer is still the best there is: serve it, refresh behind it.
      if (now - this.answer.at >= this.maxAgeMs && !recentlyMissed) void this.refresh();
    } else if (!recentlyMissed) {
      await this.refresh();
    }
    return languagesResponse(this.answer?.catalogue ?? null, this.options.fallbackLimits ?? DEFAULT_LIMITS_REPORT);
  }

  /** One question at a time: concurrent callers share it. Never rejects. */
  private refresh(): Promise<void> {
    this.inFlight ??= this.ask().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async ask(): Promise<void> {
    const { queries, log } = this.options;
    const result = await queries.ask('code', this.askTimeoutMs);
    const catalogue = result.outcome === 'answered' ? parseWorkerCatalogue(result.body) : null;
    if (catalogue) {
      this.answer = { catalogue, at: this.now() };
      this.missedAt = null;
      return;
    }
    this.missedAt = this.now();
    const why =
      result.outcome === 'answered'
        ? 'a code worker answered something that is not a catalogue'
        : result.outcome === 'unavailable'
          ? result.reason
          : `no code worker answered within ${this.askTimeoutMs} ms`;
    log.warn({ why }, 'the language catalogue has no versions from a code worker; serving what is known');
  }
}
