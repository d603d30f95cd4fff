/**
 * GET /limits: the caps a client checks before it sends a task, from the same constants and settings the
 * API enforces (the web app reads them here rather than keeping its own copy).
 */
import {
  CODE_LIMIT_BOUNDS,
  FILTER_NAMES,
  isFieldError,
  MAX_CODE_BYTES,
  MAX_FILTER_CHAIN,
  MAX_STDIN_BYTES,
  parseFilterStep,
  SIGMA_BOUNDS,
  TRANSLATORS,
  translatorEntry,
  VERDICTS,
} from '@conveyor/shared';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import type { IntakeLimits } from '../tasks/task-intake.js';

const Bounds = Type.Object({ min: Type.Integer(), max: Type.Integer() });

export const ClientLimitsSchema = Type.Object(
  {
    code: Type.Object({
      translators: Type.Array(Type.String()),
      languages: Type.Record(Type.String(), Type.String(), {
        description: "each translator's language (c, c++, python, javascript), for the editor's highlighting",
      }),
      max_code_bytes: Type.Integer(),
      max_stdin_bytes: Type.Integer(),
      time_ms: Bounds,
      memory_mb: Bounds,
      verdicts: Type.Array(Type.String()),
    }),
    image: Type.Object({
      types: Type.Array(Type.String(), { description: 'media types accepted' }),
      max_bytes: Type.Integer(),
      max_pixels: Type.Integer(),
      cost_budget: Type.Number({ description: 'width × height × Σ kernel size of the steps (IMAGE_COST_BUDGET)' }),
      filters: Type.Array(Type.String()),
      sigma_filters: Type.Array(Type.String(), { description: 'the filters that take a sigma' }),
      sigma: Type.Object({
        exclusive_min: Type.Number(),
        max: Type.Number(),
        default: Type.Number(),
      }),
      max_steps: Type.Integer(),
    }),
  },
  { $id: 'ClientLimits' },
);
export type ClientLimits = Static<typeof ClientLimitsSchema>;

/** Which filters take a sigma, asked of the contract's own parser rather than listed again here. */
function filtersTakingSigma(): string[] {
  return FILTER_NAMES.filter((name) => !isFieldError(parseFilterStep({ name, parameters: { sigma: 1 } }, 'filter')));
}

export function clientLimits(intake: IntakeLimits): ClientLimits {
  return {
    code: {
      translators: [...TRANSLATORS],
      languages: Object.fromEntries(TRANSLATORS.map((name) => [name, translatorEntry(name).language])),
      max_code_bytes: MAX_CODE_BYTES,
      max_stdin_bytes: MAX_STDIN_BYTES,
      time_ms: { ...CODE_LIMIT_BOUNDS.time_ms },
      memory_mb: { ...CODE_LIMIT_BOUNDS.memory_mb },
      verdicts: [...VERDICTS],
    },
    image: {
      types: ['image/png'],
      max_bytes: intake.image.maxBytes,
      max_pixels: intake.image.maxPixels,
      cost_budget: intake.imageCostBudget,
      filters: [...FILTER_NAMES],
      sigma_filters: filtersTakingSigma(),
      sigma: { exclusive_min: SIGMA_BOUNDS.min, max: SIGMA_BOUNDS.max, default: SIGMA_BOUNDS.default },
      max_steps: MAX_FILTER_CHAIN,
    },
  };
}

export const clientLimitsRoute: FastifyPluginAsyncTypebox<{ limits: IntakeLimits }> = async (app, { limits }) => {
  const body = clientLimits(limits);
  app.get(
    '/limits',
    {
      schema: {
        tags: ['tasks'],
        summary: 'The caps a task must fit (code size, limits, image bytes and pixels, filters, sigma)',
        response: { 200: ClientLimitsSchema },
      },
    },
    async (_request, reply) => {
      reply.header('Cache-Control', 'no-cache');
      return body;
    },
  );
};
