/**
 * The image-task contract: the filters, their parameters, and the PNG checks that both the API
 * (at the door) and the image-processor (again, before decoding) apply.
 */
import { type Static, Type } from 'typebox';
import { echoValue, type FieldError, fieldError, isFieldError } from './field-error.js';
import { literalUnion } from './schema-helpers.js';

export const FILTER_NAMES = ['Blur', 'Sharpen', 'Negative', 'FlipX', 'FlipY'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];

export const MAX_FILTER_CHAIN = 10;
export const SIGMA_BOUNDS = { min: 0, max: 50, default: 1 } as const;

/** A filter step, normalised: canonical name and every parameter filled in. */
export type FilterStep =
  | { name: 'Blur' | 'Sharpen'; parameters: { sigma: number } }
  | { name: 'Negative' | 'FlipX' | 'FlipY'; parameters: Record<string, never> };

export const FilterStepSchema = Type.Object({
  name: literalUnion(FILTER_NAMES),
  parameters: Type.Record(Type.String(), Type.Number()),
});

export const ImageTaskPayloadSchema = Type.Object({
  filters: Type.Array(FilterStepSchema, { minItems: 1, maxItems: MAX_FILTER_CHAIN }),
  image: Type.String({ description: 'base64 PNG' }),
});
export type ImageTaskPayload = { filters: FilterStep[]; image: string };

const PARAMETERS: Record<FilterName, readonly string[]> = {
  Blur: ['sigma'],
  Sharpen: ['sigma'],
  Negative: [],
  FlipX: [],
  FlipY: [],
};

/**
 * A filter step as a request gives it (parseFilterStep's rules). Beyond the schema: a name in any case, and
 * which parameters each filter takes (sigma for Blur and Sharpen, none for the others).
 */
export const FilterStepRequestSchema = Type.Object({
  name: literalUnion(FILTER_NAMES, { description: `case-insensitive: ${FILTER_NAMES.join(', ')}`, examples: ['Blur'] }),
  parameters: Type.Optional(
    Type.Object(
      {
        sigma: Type.Optional(
          Type.Number({
            exclusiveMinimum: SIGMA_BOUNDS.min,
            maximum: SIGMA_BOUNDS.max,
            default: SIGMA_BOUNDS.default,
            description: 'Blur and Sharpen only',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  ),
});

/**
 * An image task as a client sends it as JSON: `filter` (one step) or `filters` (a chain). The API's intake
 * (parseTaskBody) stays the validator and also checks the PNG: its caps and the image cost budget. A multipart
 * form sends the image as a file part and `filter` as JSON text or a bare name.
 */
export const ImageTaskRequestSchema = Type.Object(
  {
    type: Type.Optional(Type.Literal('image')),
    filter: Type.Optional(FilterStepRequestSchema),
    filters: Type.Optional(
      Type.Array(FilterStepRequestSchema, {
        minItems: 1,
        maxItems: MAX_FILTER_CHAIN,
        description: 'a chain, applied in order (instead of filter)',
      }),
    ),
    image: Type.String({ minLength: 1, description: 'a base64 PNG (byte and pixel caps apply)' }),
  },
  { title: 'Image task', anyOf: [{ required: ['filter'] }, { required: ['filters'] }] },
);
export type ImageTaskRequest = Static<typeof ImageTaskRequestSchema>;

export function resolveFilterName(name: unknown): FilterName | undefined {
  if (typeof name !== 'string') return undefined;
  const key = name.trim().toLowerCase();
  return FILTER_NAMES.find((n) => n.toLowerCase() === key);
}

/** Validates one filter step; `field` is where it sits in the request, for the error message. */
export function parseFilterStep(raw: unknown, field: string): FilterStep | FieldError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fieldError(field, `${field} must be an object like {"name": "Blur", "parameters": {"sigma": 1}}`);
  }
  const { name: rawName, parameters = {} } = raw as { name?: unknown; parameters?: unknown };
  const name = resolveFilterName(rawName);
  if (!name) {
    return fieldError(`${field}.name`, `unknown filter ${echoValue(rawName)}: use one of ${FILTER_NAMES.join(', ')}`);
  }
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    return fieldError(`${field}.parameters`, `${field}.parameters must be an object`);
  }
  const params = parameters as Record<string, unknown>;
  for (const key of Object.keys(params)) {
    if (!PARAMETERS[name].includes(key)) {
      const allowed = PARAMETERS[name].length ? PARAMETERS[name].join(', ') : 'none';
      return fieldError(`${field}.parameters.${key}`, `${name} takes no parameter ${key} (parameters: ${allowed})`);
    }
  }
  if (name === 'Blur' || name === 'Sharpen') {
    // Only an absent sigma takes the default: `null` is a wrong value like any other.
    const sigma = params.sigma === undefined ? SIGMA_BOUNDS.default : params.sigma;
    if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= SIGMA_BOUNDS.min || sigma > SIGMA_BOUNDS.max) {
      return fieldError(
        `${field}.parameters.sigma`,
        `sigma must be a number greater than ${SIGMA_BOUNDS.min} and at most ${SIGMA_BOUNDS.max}`,
      );
    }
    return { name, parameters: { sigma } };
  }
  return { name, parameters: {} };
}

/**
 * Validates the filter part of an image task: either `filter` (one step) or `filters` (a chain of up to
 * MAX_FILTER_CHAIN steps). A `filter` given as a JSON string (as multipart forms send it) is parsed first.
 */
export function parseFilterChain(body: { filter?: unknown; filters?: unknown }): FilterStep[] | FieldError {
  if (body.filters !== undefined) {
    if (!Array.isArray(body.filters) || body.filters.length === 0) {
      return fieldError('filters', 'filters must be a non-empty array of filter steps');
    }
    if (body.filters.length > MAX_FILTER_CHAIN) {
      return fieldError('filters', `filters takes at most ${MAX_FILTER_CHAIN} steps`);
    }
    const steps: FilterStep[] = [];
    for (const [i, raw] of body.filters.entries()) {
      const step = parseFilterStep(raw, `filters[${i}]`);
      if (isFieldError(step)) return step;
      steps.push(step);
    }
    return steps;
  }
  let raw = body.filter;
  if (raw === undefined)
    return fieldError('filter', 'filter is required, e.g. {"name": "Blur", "parameters": {"sigma": 1}}');
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text.startsWith('{')) {
      try {
        raw = JSON.parse(text);
      } catch {
        return fieldError('filter', 'filter is not valid JSON');
      }
    } else {
      raw = { name: text }; // a bare filter name, as a form's <select> sends it
    }
  }
  const step = parseFilterStep(raw, 'filter');
  return isFieldError(step) ? step : [step];
}

/**
 * The work of an image task, for the budget checked at the door: width × height × Σ kernel size of its steps.
 * A Blur or Sharpen step's Gaussian kernel spans 2·ceil(3σ) + 1 pixels (see the image-processor's
 * gaussian-blur.ts); a per-pixel step (Negative, a flip) counts 1.
 */
export function filterKernelSize(step: FilterStep): number {
  return step.name === 'Blur' || step.name === 'Sharpen' ? 2 * Math.ceil(3 * step.parameters.sigma) + 1 : 1;
}

export function imageTaskCost(width: number, height: number, steps: readonly FilterStep[]): number {
  return width * height * steps.reduce((sum, step) => sum + filterKernelSize(step), 0);
}

/**
 * The default budget: 4·10⁹, a 40 MP picture through one Blur of σ = 8 (kernel 49), or 4 MP through Σ kernel
 * 1000. Issue #16's probe saw 1.2·10¹⁰ (40 MP Blur σ 50; 4 MP 10 × Sharpen σ 50) take 22–34 s, about
 * 0.35–0.55·10⁹ a second, so the budget keeps one task to roughly ten seconds; IMAGE_TASK_DEADLINE catches
 * the rest. Not re-measured after the SIMD filters.
 */
export const DEFAULT_IMAGE_COST_BUDGET = 4_000_000_000;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

/** Reads width and height from a PNG's IHDR without decoding it; undefined when it is not a PNG. */
export function readPngHeader(bytes: Uint8Array): PngHeader | undefined {
  if (bytes.length < 33) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buf.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  if (buf.readUInt32BE(8) !== 13 || buf.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  if (width === 0 || height === 0) return undefined;
  return { width, height, bitDepth: buf[24] ?? 0, colorType: buf[25] ?? 0 };
}

export interface ImageLimits {
  maxBytes: number;
  maxPixels: number;
}

/** Checks a PNG against the byte and pixel caps, naming `field` in the error. */
export function checkPng(bytes: Uint8Array, limits: ImageLimits, field = 'image'): PngHeader | FieldError {
  if (bytes.length > limits.maxBytes) {
    return fieldError(field, `image is ${bytes.length} bytes, over the cap of ${limits.maxBytes} bytes`, 413);
  }
  const header = readPngHeader(bytes);
  if (!header) return fieldError(field, 'image is not a PNG (bad signature or IHDR header)');
  if (header.width * header.height > limits.maxPixels) {
    return fieldError(
      field,
      `image is ${header.width}x${header.height} = ${header.width * header.height} pixels, over the cap of ${limits.maxPixels} pixels`,
      413,
    );
  }
  return header;
}

/** Strict base64 (standard or URL-safe, optional data: URL prefix) to bytes; undefined when it is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  const body = text.startsWith('data:') ? text.slice(text.indexOf(',') + 1) : text;
  const compact = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
}
