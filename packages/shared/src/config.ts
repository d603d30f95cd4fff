/**
 * Reading configuration from the environment. Each service declares its settings with these readers;
 * every bad value is collected and reported at once, so a misconfigured service stops with one clear message.
 */

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

import { defaultOf, type Service, type Setting, type SettingValue } from './settings/setting.js';

type Env = Record<string, string | undefined>;

/** Collects settings from an environment, remembering every problem until `done()`. */
export class EnvReader {
  private readonly problems: string[] = [];
  constructor(private readonly env: Env = process.env) {}

  string(name: string, fallback: string): string {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? fallback : raw;
  }

  optionalString(name: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  }

  int(name: string, fallback: number, { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {}): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  /** A duration such as `24h`, `15m`, `30s`, `500ms`, or a bare number of seconds; returned in milliseconds. */
  duration(name: string, fallbackMs: number, { minMs = 0, maxMs = Number.POSITIVE_INFINITY } = {}): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallbackMs;
    const ms = parseDuration(raw);
    if (ms === undefined || ms < minMs || ms > maxMs) {
      const bounds = Number.isFinite(maxMs) ? `from ${minMs} to ${maxMs} ms` : `at least ${minMs} ms`;
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected a duration like 30s, 15m, 24h (${bounds})`);
      return fallbackMs;
    }
    return ms;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.env[name]?.toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name}=${JSON.stringify(raw)}: expected true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(choices as readonly string[]).includes(raw)) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected one of ${choices.join(', ')}`);
      return fallback;
    }
    return raw as T;
  }

  /**
   * A setting of the table (settings-table.ts), with its default for `service`; `computedDefault` stands in
   * for a default known only at start (say, the number of CPUs).
   */
  setting<S extends Setting>(setting: S, service?: Service, computedDefault?: number): SettingValue<S> {
    const fallback = computedDefault ?? defaultOf(setting, service);
    const { name } = setting;
    switch (setting.kind) {
      case 'int':
        return this.int(name, fallback as number, { min: setting.min, max: setting.max }) as SettingValue<S>;
      case 'duration':
        return this.duration(name, fallback as number, {
          minMs: setting.minMs,
          maxMs: setting.maxMs,
        }) as SettingValue<S>;
      case 'bool':
        return this.bool(name, fallback as boolean) as SettingValue<S>;
      case 'string':
        return this.string(name, fallback as string) as SettingValue<S>;
      case 'choice':
        return this.oneOf(name, setting.choices, fallback as string) as SettingValue<S>;
      case 'optional':
        return this.optionalString(name) as SettingValue<S>;
    }
  }

  /** Records a problem found by a cross-field check. */
  fail(problem: string): void {
    this.problems.push(problem);
  }

  /** Throws a ConfigError listing every problem, if there were any. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
}
