/**
 * Structured logging: pino JSON lines in production, pretty lines in development (when pino-pretty is
 * installed and LOG_PRETTY is set, or stdout is a terminal).
 */
import { createRequire } from 'node:module';
import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/** pino's levels, for LOG_LEVEL; `silent` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export interface LoggerSettings {
  service: string;
  level?: string;
  pretty?: boolean;
}

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export function createLogger({ service, level = 'info', pretty }: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['commit_token', '*.commit_token', 'password', '*.password', 'token', '*.token'],
      censor: '[redacted]',
    },
  };
  const wantPretty =
    pretty ?? (process.env.LOG_PRETTY === '1' || (process.stdout.isTTY && process.env.NODE_ENV !== 'production'));
  if (wantPretty && prettyAvailable()) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(options);
}
