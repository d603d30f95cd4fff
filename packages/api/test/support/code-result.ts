/** The code result the API suites commit for a task: an `ok` run that printed `stdout`. */
import type { CodeResult } from '@conveyor/shared';

export function codeResult(stdout = 'hello\n'): CodeResult {
  return { verdict: 'ok', exit_code: 0, signal: null, stdout, stderr: '', compile: null, time_ms: 1, truncated: false };
}
