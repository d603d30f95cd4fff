/**
 * What a setting is: a name, a parser with its bounds, a default, a description and the services that read
 * it. The table of every setting is settings-table.ts; services read their values with EnvReader.setting(),
 * and docs/configuration.md is rendered from the same table (scripts/configuration-doc.ts), so a setting's
 * default, bounds and meaning are written once.
 */

export const SERVICES = ['api', 'code-processor', 'image-processor'] as const;
export type Service = (typeof SERVICES)[number];

interface Common {
  /** The environment variable; filled in from the table's key by defineSettings(). */
  readonly name: string;
  readonly group: string;
  readonly description: string;
  readonly services: readonly Service[];
  /** How the docs show a default computed at start (e.g. "the number of CPUs"). */
  readonly defaultText?: string;
}

export interface IntSetting extends Common {
  readonly kind: 'int';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  /** A default that differs by service (e.g. each worker's health port). */
  readonly defaultFor?: Partial<Record<Service, number>>;
}

/** A duration such as `30s`, `15m`, `24h`, `500ms` or a bare number of seconds; read in milliseconds. */
export interface DurationSetting extends Common {
  readonly kind: 'duration';
  readonly default: number;
  readonly minMs?: number;
  readonly maxMs?: number;
  readonly defaultFor?: Partial<Record<Service, number>>;
}

export interface BoolSetting extends Common {
  readonly kind: 'bool';
  readonly default: boolean;
}

export interface StringSetting extends Common {
  readonly kind: 'string';
  readonly default: string;
}

/** Unset means "off" or "derived"; a secret's value is never shown. */
export interface OptionalSetting extends Common {
  readonly kind: 'optional';
  readonly secret?: boolean;
}

export interface ChoiceSetting extends Common {
  readonly kind: 'choice';
  readonly choices: readonly string[];
  readonly default: string;
}

export type Setting = IntSetting | DurationSetting | BoolSetting | StringSetting | OptionalSetting | ChoiceSetting;

/** The type a setting reads as. */
export type SettingValue<S extends Setting> = S extends IntSetting | DurationSetting
  ? number
  : S extends BoolSetting
    ? boolean
    : S extends OptionalSetting
      ? string | undefined
      : string;

type Unnamed<S> = S extends Setting ? Omit<S, 'name'> : never;

/** Names each setting after its key, so that the table says each name once. */
export function defineSettings<T extends Record<string, Unnamed<Setting>>>(
  table: T,
): { readonly [K in keyof T]: T[K] & { readonly name: K & string } } {
  const named = Object.fromEntries(Object.entries(table).map(([name, setting]) => [name, { ...setting, name }]));
  return Object.freeze(named) as never;
}

/** The default a service gets when the variable is unset. */
export function defaultOf(setting: Setting, service?: Service): number | boolean | string | undefined {
  if (setting.kind === 'optional') return undefined;
  if ((setting.kind === 'int' || setting.kind === 'duration') && service && setting.defaultFor?.[service] !== undefined)
    return setting.defaultFor[service];
  return setting.default;
}
