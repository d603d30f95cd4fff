import { createLogger, type TaskContext } from '@conveyor/shared';

export function taskContext(signal = new AbortController().signal): TaskContext {
  return { signal, log: createLogger({ service: 'image-processor-test', level: 'silent' }), redelivered: false };
}
