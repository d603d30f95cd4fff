export * from './config.js';
export * from './contract/code-task.js';
export * from './contract/field-error.js';
export * from './contract/image-task.js';
export * from './contract/task.js';
export * from './logger.js';
export * from './queue/task-publisher.js';
export * from './worker/task-handler.js';
