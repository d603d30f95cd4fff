/**
 * The task contract alone (`@conveyor/shared/contract`): schemas, limits, translators and field errors,
 * with no broker client or logger behind them, for the web app and light tools. The package's main entry
 * re-exports it.
 */
export * from './code-files.js';
export * from './code-task.js';
export * from './code-tests.js';
export * from './commit-size.js';
export * from './compiler-options.js';
export * from './field-error.js';
export * from './image-task.js';
export * from './languages.js';
export * from './schema-helpers.js';
export * from './task.js';
export * from './task-id.js';
export * from './translators.js';
