/**
 * Inputs travel inside the task message, so the largest task the API accepts must fit under the broker's
 * maximum message size (RabbitMQ 4 lowers its default `max_message_size` to 16 MiB). These figures are
 * computed from worst-case messages, not guessed: an image of maxImageBytes as base64 with the longest
 * filter chain, and a code task with the largest code and input in their worst JSON escaping, the most
 * tests, files and compiler options.
 */
import { MAX_FILE_NAME_CHARS, MAX_FILES, MAX_FILES_BYTES } from '../contract/code-files.js';
import { CODE_LIMIT_BOUNDS, MAX_CODE_BYTES } from '../contract/code-task.js';
import { MAX_ARGS, MAX_INPUT_BYTES, MAX_TEST_NAME_CHARS, MAX_TESTS } from '../contract/code-tests.js';
import { MAX_COMPILER_OPTIONS } from '../contract/compiler-options.js';
import { MAX_FILTER_CHAIN, SIGMA_BOUNDS } from '../contract/image-task.js';
import { TASK_MESSAGE_SCHEMA_VERSION, type TaskMessage } from '../contract/task.js';

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface MessageSizeBudget {
  maxMessageBytes: number;
  maxImageBytes: number;
  /** The largest image task message: base64 of maxImageBytes plus the envelope. */
  largestImageMessageBytes: number;
  /** The largest code task message: code and all input at their caps, every byte escaped as \u00XX. */
  largestCodeMessageBytes: number;
  /** The largest image (raw bytes) whose message still fits. */
  maxImageBytesThatFit: number;
  fits: boolean;
}

/** Room for a long commit token and timestamp beyond what the worst-case envelope below measures. */
const ENVELOPE_SLACK_BYTES = 1024;

function envelopeBytes(message: TaskMessage): number {
  return Buffer.byteLength(JSON.stringify(message), 'utf8') + ENVELOPE_SLACK_BYTES;
}

const base64Length = (bytes: number) => 4 * Math.ceil(bytes / 3);

export function messageSizeBudget(
  maxImageBytes: number,
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
): MessageSizeBudget {
  const common = {
    schema_version: TASK_MESSAGE_SCHEMA_VERSION,
    task_id: '00000000-0000-4000-8000-000000000000',
    commit_token: 'x'.repeat(64),
    created_at: new Date(0).toISOString(),
  };
  const imageEnvelope = envelopeBytes({
    ...common,
    type: 'image',
    payload: {
      filters: Array.from({ length: MAX_FILTER_CHAIN }, () => ({
        name: 'Sharpen' as const,
        parameters: { sigma: SIGMA_BOUNDS.max - 0.123456789 },
      })),
      image: '',
    },
  });
  const codeEnvelope = envelopeBytes({
    ...common,
    type: 'code',
    payload: {
      translator: 'clang++',
      code: '',
      stdin: '',
      limits: {
        time_ms: CODE_LIMIT_BOUNDS.time_ms.max,
        memory_mb: CODE_LIMIT_BOUNDS.memory_mb.max,
        total_time_ms: CODE_LIMIT_BOUNDS.total_time_ms.max,
      },
      // The structure around the input at its largest: names escaped six-fold, every argument slot used.
      tests: Array.from({ length: MAX_TESTS }, () => ({
        name: '\u0001'.repeat(MAX_TEST_NAME_CHARS),
        stdin: '',
        expected_output: '',
        args: Array<string>(MAX_ARGS).fill(''),
      })),
      files: Array.from({ length: MAX_FILES }, () => ({
        name: 'n'.repeat(MAX_FILE_NAME_CHARS),
        content: '',
        encoding: 'base64' as const,
      })),
      compiler_options: Array<string>(MAX_COMPILER_OPTIONS).fill(`-D${'N'.repeat(64)}=${'v'.repeat(64)}`),
      compare: { float: { abs: -Number.MAX_VALUE, rel: -Number.MAX_VALUE } },
      stop_on_failure: false,
    },
  });
  // JSON.stringify escapes a control character as \u00XX: six bytes for one. Files travel as base64.
  const largestCodeMessageBytes = codeEnvelope + 6 * (MAX_CODE_BYTES + MAX_INPUT_BYTES) + base64Length(MAX_FILES_BYTES);
  const largestImageMessageBytes = imageEnvelope + base64Length(maxImageBytes);
  const maxImageBytesThatFit = Math.max(0, Math.floor((maxMessageBytes - imageEnvelope) / 4) * 3);
  return {
    maxMessageBytes,
    maxImageBytes,
    largestImageMessageBytes,
    largestCodeMessageBytes,
    maxImageBytesThatFit,
    fits: largestImageMessageBytes <= maxMessageBytes && largestCodeMessageBytes <= maxMessageBytes,
  };
}

/** Throws with the figures when the largest accepted task would not fit in one broker message. */
export function assertMessageSizeBudget(
  maxImageBytes: number,
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
): MessageSizeBudget {
  const budget = messageSizeBudget(maxImageBytes, maxMessageBytes);
  if (!budget.fits) {
    throw new Error(
      `the largest task message would not fit under the broker's maximum message size of ${maxMessageBytes} bytes: ` +
        `image tasks up to ${budget.largestImageMessageBytes} bytes (MAX_IMAGE_BYTES=${maxImageBytes}; at most ` +
        `${budget.maxImageBytesThatFit} fits), code tasks up to ${budget.largestCodeMessageBytes} bytes. ` +
        'Lower MAX_IMAGE_BYTES or raise AMQP_MAX_MESSAGE_BYTES together with the broker’s max_message_size.',
    );
  }
  return budget;
}
