import type { FilterStep } from '@conveyor/shared';
import { flipX, flipY } from './flip.js';
import { gaussianBlur, sharpen } from './gaussian-blur.js';
import { negative } from './negative.js';
import type { RawImage } from './raw-image.js';

/** One filter step on decoded samples. */
export function applyFilter(image: RawImage, step: FilterStep): RawImage {
  switch (step.name) {
    case 'Blur':
      return gaussianBlur(image, step.parameters.sigma);
    case 'Sharpen':
      return sharpen(image, step.parameters.sigma);
    case 'Negative':
      return negative(image);
    case 'FlipX':
      return flipX(image);
    case 'FlipY':
      return flipY(image);
  }
}

/** Thrown between steps when the task's deadline has passed. */
export class FilterDeadlineError extends Error {
  constructor() {
    super('the filter chain ran past its deadline');
    this.name = 'FilterDeadlineError';
  }
}

/**
 * A chain of steps in order. `signal` and `pastDeadline` are checked between steps so that a shutting-down
 * worker or a task past its deadline stops early instead of finishing a long chain.
 */
export function applyFilters(
  image: RawImage,
  steps: readonly FilterStep[],
  signal?: AbortSignal,
  pastDeadline: () => boolean = () => false,
): RawImage {
  let current = image;
  for (const step of steps) {
    signal?.throwIfAborted();
    if (pastDeadline()) throw new FilterDeadlineError();
    current = applyFilter(current, step);
  }
  return current;
}
