/**
 * Reads every translator's compiler or interpreter version from the sandbox image. It is one ordinary
 * sandbox job, locked down like any task's (the same SandboxJob and container spec): judge mode, one test
 * per translator whose argv is that translator's version command from TRANSLATOR_TABLE (the run prefix is
 * empty, so the test's args are the whole command). Pure: the job is built and read here, run by the runner.
 */
import { type CodeResult, TRANSLATORS, type Translator, translatorEntry } from '@conveyor/shared';
import { limitsForTask, type SandboxLimitsConfig } from './limits.js';
import type { SandboxJobInput } from './sandbox-job.js';
import type { TranslatorSpec } from './translators.js';

/** The task id label of the probe's container (no task has this id: task ids are UUIDs). */
export const VERSION_PROBE_TASK_ID = 'version-probe';

/** The longest version text kept: a first line, not a banner. */
export const MAX_VERSION_CHARS = 200;

/** Nothing to compile; the empty run prefix makes each test's args the command itself. */
const PROBE_SPEC: TranslatorSpec = { sourceFile: 'probe.txt', compiler: null, run: [] };

export type TranslatorVersions = Record<Translator, string | null>;

export function versionProbeJob(base: {
  deployment: string;
  workerId: string;
  image: string;
  limits: SandboxLimitsConfig;
}): SandboxJobInput {
  return {
    taskId: VERSION_PROBE_TASK_ID,
    deployment: base.deployment,
    workerId: base.workerId,
    image: base.image,
    translator: PROBE_SPEC,
    code: '',
    stdin: '',
    // The server's defaults: a version command is far below them, and needs no more than a task gets.
    limits: limitsForTask({}, base.limits),
    judge: {
      tests: TRANSLATORS.map((name) => ({ name, stdin: '', args: [...translatorEntry(name).version] })),
      compare: 'exact',
      stopOnFailure: false,
    },
  };
}

/**
 * Each translator's version: the first non-empty line its command printed (stdout, else stderr: some tools
 * print their version there), or null when the command failed (missing from the image, crashed).
 */
export function versionsOf(result: CodeResult): TranslatorVersions {
  const byName = new Map((result.tests ?? []).map((test) => [test.name, test]));
  return Object.fromEntries(
    TRANSLATORS.map((name) => {
      const test = byName.get(name);
      if (test?.verdict !== 'ok') return [name, null];
      return [name, firstLine(test.stdout) ?? firstLine(test.stderr)];
    }),
  ) as TranslatorVersions;
}

function firstLine(text: string): string | null {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  return line === undefined ? null : line.slice(0, MAX_VERSION_CHARS);
}
