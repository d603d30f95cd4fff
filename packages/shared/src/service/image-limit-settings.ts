/**
 * The image caps, read the same way by the API (at the door) and the image-processor (again before decoding),
 * so the two cannot disagree: MAX_IMAGE_BYTES and MAX_IMAGE_PIXELS (bounds and defaults in the settings table).
 */
import type { EnvReader } from '../config.js';
import type { ImageLimits } from '../contract/image-task.js';
import { SETTINGS } from '../settings/settings-table.js';

export function readImageLimits(read: EnvReader): ImageLimits {
  return { maxBytes: read.setting(SETTINGS.MAX_IMAGE_BYTES), maxPixels: read.setting(SETTINGS.MAX_IMAGE_PIXELS) };
}
