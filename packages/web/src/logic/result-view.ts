/**
 * What the result view shows for a code task's result: the verdict as a badge with a sentence, how the
 * program ended, its time, and the output panels with their truncation marks. Pure, so it is unit-tested;
 * ResultView.tsx only lays it out.
 */
import type { CodeResult } from '../api/types.js';

export type Tone = 'good' | 'bad' | 'warn';

export interface OutputPanel {
  /** The region's accessible name (a contract with the tests). */
  name: 'Output' | 'Errors' | 'Compiler output';
  text: string;
  truncated: boolean;
}

export interface CodeResultView {
  verdict: string;
  tone: Tone;
  headline: string;
  /** "exit code 0", "killed by SIGKILL", "did not run". */
  ending: string;
  time: string;
  panels: OutputPanel[];
}

const HEADLINES: Record<string, { tone: Tone; headline: string }> = {
  ok: { tone: 'good', headline: 'The program ran and exited normally.' },
  compile_error: { tone: 'bad', headline: 'The program did not compile.' },
  runtime_error: { tone: 'bad', headline: 'The program failed while running.' },
  time_limit: { tone: 'warn', headline: 'The program ran past its time limit and was stopped.' },
  memory_limit: { tone: 'warn', headline: 'The program ran out of its memory limit and was stopped.' },
  output_limit: { tone: 'warn', headline: 'The program wrote more output than allowed and was stopped.' },
};

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function describeCodeResult(result: CodeResult): CodeResultView {
  const known = HEADLINES[result.verdict] ?? { tone: 'bad' as const, headline: `Verdict ${result.verdict}.` };
  let ending: string;
  if (result.signal) ending = `killed by ${result.signal}`;
  else if (result.exit_code !== null) ending = `exit code ${result.exit_code}`;
  else ending = result.verdict === 'compile_error' ? 'did not run' : 'no exit code';
  const panels: OutputPanel[] = [
    // One flag covers both streams: mark the ones that have text (the cut one is among them).
    { name: 'Output', text: result.stdout, truncated: result.truncated && result.stdout.length > 0 },
    { name: 'Errors', text: result.stderr, truncated: result.truncated && result.stderr.length > 0 },
  ];
  const compile = result.compile;
  if (compile && (compile.stdout || compile.stderr || compile.exit_code !== 0)) {
    const text = [compile.stdout, compile.stderr].filter(Boolean).join(compile.stdout.endsWith('\n') ? '' : '\n');
    panels.push({ name: 'Compiler output', text, truncated: compile.truncated });
  }
  return {
    verdict: result.verdict,
    tone: known.tone,
    headline: known.headline,
    ending,
    time:
      result.verdict === 'compile_error' && compile ? `compile ${formatMs(compile.time_ms)}` : formatMs(result.time_ms),
    panels,
  };
}

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function formatAge(from: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(from)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
