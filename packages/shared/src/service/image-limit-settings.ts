/**
 * The image caps, read the same way by the API (at the door) and the image-processor (again before decoding),
 * so the two cannot disagree: MAX_IMAGE_BYTES and MAX_IMAGE_PIXELS.
 */
import type { EnvReader } from '../config.js';
import type { ImageLimits } from '../contract/image-task.js';

const MiB = 1024 * 1024;

export function readImageLimits(read: EnvReader): ImageLimits {
  return {
    maxBytes: read.int('MAX_IMAGE_BYTES', 10 * MiB, { min: 1024, max: 64 * MiB }),
    // libvips refuses images past 16383 x 16383 pixels in PNG.
    maxPixels: read.int('MAX_IMAGE_PIXELS', 40_000_000, { min: 1, max: 268_402_689 }),
  };
}
