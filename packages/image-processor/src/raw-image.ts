/**
 * A decoded picture as the filters see it: 8-bit samples, interleaved, rows packed without padding.
 * Grey stays 1 channel (2 with alpha) and colour stays 3 (4 with alpha), so a filter never adds or drops
 * an alpha channel; when there is alpha it is always the last channel.
 */
export interface RawImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
}

export function hasAlpha(image: RawImage): boolean {
  return image.channels === 2 || image.channels === 4;
}

/** A new image of the same shape with the given samples. */
export function withData(image: RawImage, data: Uint8Array): RawImage {
  return { data, width: image.width, height: image.height, channels: image.channels };
}
