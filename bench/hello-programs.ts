/**
 * The hello-world programs both code benchmarks run, each with the `docker run --rm` command line that runs
 * the same program in the sandbox image: the baseline measured next to Conveyor in the same run.
 */
import type { CodeTaskPayload } from '@conveyor/shared';

const PYTHON = 'print("hello")\n';
const C = '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n';

export interface HelloProgram {
  name: string;
  task: CodeTaskPayload;
  /** Arguments of `docker` that run the same program in a fresh container. */
  dockerRun: string[];
  /** Issue #12's target for the end-to-end p50 over the `docker run --rm` p50. */
  targetRatio: number;
}

export function helloPrograms(image: string): HelloProgram[] {
  return [
    {
      name: 'python3 hello',
      task: { translator: 'python3', code: PYTHON, stdin: '', limits: {} },
      dockerRun: ['run', '--rm', '--network', 'none', image, 'python3', '-c', PYTHON],
      targetRatio: 0.35,
    },
    {
      name: 'gcc hello',
      task: { translator: 'gcc', code: C, stdin: '', limits: {} },
      dockerRun: [
        ...['run', '--rm', '--network', 'none', '-e', `CODE=${C}`, image, 'sh', '-c'],
        'cd /tmp && printf "%s" "$CODE" > main.c && gcc -std=c17 -O2 -o main main.c -lm && ./main',
      ],
      targetRatio: 0.6,
    },
  ];
}
