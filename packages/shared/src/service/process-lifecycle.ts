/**
 * Graceful shutdown for a service's main: on SIGTERM or SIGINT, run the closers in order (stop accepting,
 * finish in-flight work, close connections) and exit 0; a second signal or a stuck close exits at once.
 */
import type { Logger } from 'pino';

export type Closer = () => Promise<unknown>;

export function exitOnSignals(log: Logger, closers: Closer[], hardLimitMs: number): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ hardLimitMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, hardLimitMs);
    timer.unref();
    for (const close of closers) {
      try {
        await close();
      } catch (error) {
        log.error({ err: error }, 'error while shutting down');
      }
    }
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** Prints a configuration or start-up error as one clear message and exits 2 (not a stack trace). */
export function exitOnStartupError(service: string, error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${service}: cannot start: ${message}\n`);
  process.exit(2);
}
