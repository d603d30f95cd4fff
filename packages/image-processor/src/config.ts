/** The image-processor's settings, read from the environment and validated at start. */
import {
  EnvReader,
  type ImageLimits,
  readImageLimits,
  readWorkerSettings,
  SETTINGS,
  type WorkerSettings,
} from '@conveyor/shared';

export interface ImageProcessorConfig {
  worker: WorkerSettings;
  /** The same caps as the API's (MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS), enforced again before decoding. */
  limits: ImageLimits;
  /** The most one image task may take (IMAGE_TASK_DEADLINE); past it the task fails with `time_limit`. */
  deadlineMs: number;
}

export function readImageProcessorConfig(env: Record<string, string | undefined> = process.env): ImageProcessorConfig {
  const read = new EnvReader(env);
  const config: ImageProcessorConfig = {
    worker: readWorkerSettings(read, 'image-processor'),
    limits: readImageLimits(read),
    deadlineMs: read.setting(SETTINGS.IMAGE_TASK_DEADLINE),
  };
  read.done();
  return config;
}
