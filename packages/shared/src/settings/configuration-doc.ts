/** Renders the settings table as docs/configuration.md: one table per group, in the table's order. */
import { defaultOf, SERVICES, type Setting } from './setting.js';

const SHORT_SERVICE: Record<string, string> = { api: 'api', 'code-processor': 'code', 'image-processor': 'image' };

function formatValue(setting: Setting, value: number | boolean | string | undefined): string {
  if (value === undefined) return 'unset';
  if (value === '') return 'empty';
  if (setting.kind === 'duration') return `\`${formatDuration(value as number)}\``;
  return `\`${value}\``;
}

function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function defaultCell(setting: Setting): string {
  if (setting.defaultText) return setting.defaultText;
  const perService = SERVICES.filter((service) => setting.services.includes(service)).map(
    (service) => [service, formatValue(setting, defaultOf(setting, service))] as const,
  );
  const distinct = new Set(perService.map(([, text]) => text));
  if (distinct.size <= 1) return perService[0]?.[1] ?? formatValue(setting, defaultOf(setting));
  return perService.map(([service, text]) => `${text} ${SHORT_SERVICE[service]}`).join(', ');
}

function allowedCell(setting: Setting): string {
  switch (setting.kind) {
    case 'int':
      if (setting.min !== undefined && setting.max !== undefined) return `${setting.min} to ${setting.max}`;
      if (setting.min !== undefined) return `≥ ${setting.min}`;
      return 'an integer';
    case 'duration':
      if (setting.maxMs !== undefined)
        return `${formatDuration(setting.minMs ?? 0)} to ${formatDuration(setting.maxMs)}`;
      return setting.minMs ? `a duration ≥ ${formatDuration(setting.minMs)}` : 'a duration';
    case 'bool':
      return '`true`, `false`';
    case 'choice':
      return setting.choices.map((c) => `\`${c}\``).join(', ');
    case 'optional':
      return setting.secret ? 'text (secret)' : 'text';
    case 'string':
      return 'text';
  }
}

const escapeCell = (text: string) => text.replaceAll('|', '\\|');

export function renderConfigurationDoc(settings: Readonly<Record<string, Setting>>): string {
  const groups = new Map<string, Setting[]>();
  for (const setting of Object.values(settings)) {
    groups.set(setting.group, [...(groups.get(setting.group) ?? []), setting]);
  }
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from packages/shared/src/settings/settings-table.ts by `npm run docs:config`; do not edit. -->',
    '',
    'Every setting is an environment variable, validated at start: a bad value stops the service with one',
    'message listing every problem. Durations take `500ms`, `30s`, `15m`, `24h` or a number of seconds.',
    '"Used by" names the services that read the setting (api, code-processor, image-processor).',
  ];
  for (const [group, members] of groups) {
    lines.push('', `## ${group}`, '', '| variable | default | allowed | used by | meaning |', '|---|---|---|---|---|');
    for (const s of members) {
      const usedBy = s.services.length === SERVICES.length ? 'all' : s.services.map((x) => SHORT_SERVICE[x]).join(', ');
      lines.push(
        `| \`${s.name}\` | ${escapeCell(defaultCell(s))} | ${escapeCell(allowedCell(s))} | ${usedBy} | ${escapeCell(s.description)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
