/**
 * The language catalogue: what `GET /languages` answers, and what a code worker reports to build it. The
 * list itself is TRANSLATOR_TABLE (never written by hand here); the versions come from the sandbox image,
 * read by a code worker, and the limits are that worker's configuration (the settings table's defaults when
 * no worker answered). Schemas and pure functions only: the web app imports the contract.
 */
import { type Static, Type } from 'typebox';
import { literalUnion, nullable } from './schema-helpers.js';
import { TRANSLATORS, type Translator, type TranslatorLanguage, translatorEntry } from './translators.js';

const DefaultAndMax = (what: string) =>
  Type.Object({
    default: Type.Integer({ description: `${what} when a task does not ask` }),
    max: Type.Integer({ description: `the most ${what} a task may ask for` }),
  });

/** The limits a code worker runs tasks under: the same for every translator. */
export const SandboxLimitsReportSchema = Type.Object({
  time_ms: DefaultAndMax('wall time of one run'),
  memory_mb: DefaultAndMax('memory of one run (RAM, no swap)'),
  total_time_ms: DefaultAndMax('wall time of the whole task'),
  compile_time_ms: Type.Integer({ description: 'compile wall time (fixed by the server)' }),
  compile_memory_mb: Type.Integer({ description: 'compile memory (fixed by the server)' }),
});
export type SandboxLimitsReport = Static<typeof SandboxLimitsReportSchema>;

/**
 * A code worker's answer to a catalogue query. Internal (worker to API over the queue), so null is a plain
 * union here; the API checks every answer against this before using it.
 */
export const WorkerCatalogueSchema = Type.Object({
  /** When the worker read the versions from its sandbox image (ISO 8601). */
  probed_at: Type.String(),
  /** Translator name to the first line of its version command's output; null when that command failed. */
  versions: Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  limits: SandboxLimitsReportSchema,
});
export type WorkerCatalogue = Static<typeof WorkerCatalogueSchema>;

const LANGUAGES: readonly TranslatorLanguage[] = [
  ...new Set(TRANSLATORS.map((name) => translatorEntry(name).language)),
];

export const LanguageEntrySchema = Type.Object({
  name: literalUnion(TRANSLATORS, { description: 'the translator, as a task names it' }),
  aliases: Type.Array(Type.String(), { description: 'other names a task may use (case-insensitive)' }),
  language: literalUnion(LANGUAGES),
  compiled: Type.Boolean(),
  version: nullable(Type.String(), {
    description:
      "the first line of the compiler's or interpreter's version output, read from the sandbox image by a code worker; null when no worker answered",
  }),
  limits: Type.Object({
    time_ms: DefaultAndMax('wall time of one run'),
    memory_mb: DefaultAndMax('memory of one run (RAM, no swap)'),
    total_time_ms: DefaultAndMax('wall time of the whole task (compile and every test)'),
    compile_time_ms: nullable(Type.Integer(), { description: 'compile wall time; null when interpreted' }),
    compile_memory_mb: nullable(Type.Integer(), { description: 'compile memory; null when interpreted' }),
  }),
});
export type LanguageEntry = Static<typeof LanguageEntrySchema>;

export const LanguagesResponseSchema = Type.Object({
  translators: Type.Array(LanguageEntrySchema),
  probed_at: nullable(Type.String(), {
    description:
      "when a code worker read the versions from its sandbox image; null when no worker answered in time: then every version is null and the limits are the settings' defaults",
  }),
});
export type LanguagesResponse = Static<typeof LanguagesResponseSchema>;

/**
 * The catalogue for GET /languages: every translator of the table, with the worker's versions and limits, or
 * without a worker's answer, null versions and `fallbackLimits`.
 */
export function languagesResponse(
  catalogue: WorkerCatalogue | null,
  fallbackLimits: SandboxLimitsReport,
): LanguagesResponse {
  const limits = catalogue?.limits ?? fallbackLimits;
  return {
    probed_at: catalogue?.probed_at ?? null,
    translators: TRANSLATORS.map((name: Translator) => {
      const entry = translatorEntry(name);
      const compiled = entry.compiler !== null;
      return {
        name,
        aliases: [...entry.aliases],
        language: entry.language,
        compiled,
        version: catalogue && Object.hasOwn(catalogue.versions, name) ? (catalogue.versions[name] ?? null) : null,
        limits: {
          time_ms: { ...limits.time_ms },
          memory_mb: { ...limits.memory_mb },
          total_time_ms: { ...limits.total_time_ms },
          compile_time_ms: compiled ? limits.compile_time_ms : null,
          compile_memory_mb: compiled ? limits.compile_memory_mb : null,
        },
      };
    }),
  };
}
