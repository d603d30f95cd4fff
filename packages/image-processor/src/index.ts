export { applyFilter, applyFilters } from './apply-filters.js';
export { startBlurHelper } from './blur-helper.js';
export { type ImageProcessorConfig, readImageProcessorConfig } from './config.js';
export { type DecodeSteps, NO_DECODE_STEPS, splitDecodeSteps } from './decode-steps.js';
export { FilterPool } from './filter-pool.js';
export { flipX, flipY } from './flip.js';
export { gaussianBlur, gaussianWeights, sharpen } from './gaussian-blur.js';
export { negative } from './negative.js';
export { inOnePass, ONE_PASS_MAX_RATIO } from './one-pass.js';
export {
  type DecodeOptions,
  decodePng,
  encodePng,
  filterPngInOnePass,
  InvalidImageError,
  PNG_ENCODE_OPTIONS,
} from './png-codec.js';
export { createImageTaskHandler, type ImageTaskHandler, type ImageTaskOptions } from './process-image-task.js';
export { hasAlpha, type RawImage } from './raw-image.js';
export { configureSharp, type SharpSettings } from './sharp-settings.js';
export { type StartImageProcessorOptions, startImageProcessor } from './start-image-processor.js';
