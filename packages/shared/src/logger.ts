/**
 * Structured logging: pino JSON lines in production, pretty lines in development (when pino-pretty is
 * installed and LOG_PRETTY is set, or stdout is a terminal).
 */
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { redactSecrets } from './log-redaction.js';

export type { Logger } from 'pino';

/** pino's levels, for LOG_LEVEL; `silent` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export interface LoggerSettings {
  service: string;
  level?: string;
  pretty?: boolean;
  /** Where the lines go instead of stdout (tests read them back); never pretty. */
  destination?: DestinationStream;
}

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export function createLogger({ service, level = 'info', pretty, destination }: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Secrets at the top level of a line's object, or one level down (see log-redaction.ts).
    formatters: { log: redactSecrets },
  };
  const wantPretty =
    pretty ?? (process.env.LOG_PRETTY === '1' || (process.stdout.isTTY && process.env.NODE_ENV !== 'production'));
  if (destination) return redactingChildren(pino(options, destination));
  if (wantPretty && prettyAvailable()) {
    return redactingChildren(pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } }));
  }
  return redactingChildren(pino(options));
}

/**
 * The same for child loggers' bindings: pino applies a bindings formatter to the root's only, so the root's
 * `child` (which every descendant inherits) censors them before pino writes them into the child.
 */
function redactingChildren(root: Logger): Logger {
  const child = root.child;
  root.child = function (this: Logger, bindings, options) {
    // Fastify asks for each request's child with `{}` as options: the same as none, which pino serves on a
    // shorter path (no copying of serializers and formatters per request).
    return child.call(this, redactSecrets(bindings), options && hasKeys(options) ? options : undefined);
  } as Logger['child'];
  return root;
}

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}
