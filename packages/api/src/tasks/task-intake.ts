/**
 * Turns a POST /task body (JSON or the fields of a multipart form) into a validated task payload,
 * or the first field at fault. Nothing invalid reaches the queue.
 */
import {
  checkPng,
  decodeBase64,
  type FieldError,
  fieldError,
  filterKernelSize,
  type ImageLimits,
  imageTaskCost,
  isFieldError,
  parseCodeTask,
  parseFilterChain,
  type TaskPayload,
  TRANSLATOR_FIELDS,
} from '@conveyor/shared';

export type TaskBody = Record<string, unknown>;

function kindOf(body: TaskBody): 'code' | 'image' | FieldError {
  const declared = body.type;
  if (declared !== undefined) {
    if (declared === 'code' || declared === 'image') return declared;
    return fieldError('type', 'type must be "code" or "image"');
  }
  if (['code', ...TRANSLATOR_FIELDS].some((f) => body[f] !== undefined)) return 'code';
  if (body.image !== undefined && (body.filter !== undefined || body.filters !== undefined)) return 'image';
  if (body.image !== undefined) return fieldError('filter', 'an image task needs a filter');
  return fieldError('body', 'send a code task {"translator", "code"} or an image task {"filter", "image"}');
}

function imageBytes(image: unknown): Buffer | FieldError {
  if (Buffer.isBuffer(image)) return image;
  if (typeof image !== 'string' || image.length === 0) {
    return fieldError('image', 'image must be a base64 PNG string (or a file part in multipart/form-data)');
  }
  return decodeBase64(image) ?? fieldError('image', 'image is not valid base64');
}

/** A multipart form sends every field as text: a JSON array field arrives as a string. */
function parseFormJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export interface IntakeLimits {
  image: ImageLimits;
  /** Largest width × height × Σ kernel size of an image task (see imageTaskCost). */
  imageCostBudget: number;
}

export function parseTaskBody(body: unknown, limits: IntakeLimits): TaskPayload | FieldError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fieldError('body', 'the body must be a JSON object');
  }
  const fields = body as TaskBody;
  const kind = kindOf(fields);
  if (isFieldError(kind)) return kind;
  if (kind === 'code') {
    const payload = parseCodeTask(fields);
    return isFieldError(payload) ? payload : { type: 'code', payload };
  }
  const filters = parseFilterChain(fields.filters === undefined ? fields : { filters: parseFormJson(fields.filters) });
  if (isFieldError(filters)) return filters;
  const bytes = imageBytes(fields.image);
  if (isFieldError(bytes)) return bytes;
  const header = checkPng(bytes, limits.image);
  if (isFieldError(header)) return header;
  const cost = imageTaskCost(header.width, header.height, filters);
  if (cost > limits.imageCostBudget) {
    const field = fields.filters === undefined ? 'filter' : 'filters';
    return fieldError(
      field,
      `${field} over the image cost budget: ${header.width}x${header.height} pixels × kernel sizes ${filters.map(filterKernelSize).join('+')} = ${cost}, over ${limits.imageCostBudget}; use a smaller image, a smaller sigma or fewer steps`,
      413,
    );
  }
  return { type: 'image', payload: { filters, image: bytes.toString('base64') } };
}
