/**
 * A task whose chain is only Negative / FlipX / FlipY (decode-steps.ts) can skip the decoded samples
 * altogether: libvips decodes, applies them and encodes in one pipeline, strip by strip, the encoder
 * working while the decoder reads on, as sharp does on its own. Decoding to a buffer, then encoding it,
 * took 10 ms more CPU and ~15 ms more time than that on a 1280x720 RGBA picture (bench/README-speed.md).
 *
 * What it gives up is the choice of encoder (png-codec.ts' encodePng), which needs the samples: noisy
 * pictures go faster through noisy-png.ts. So the one pass is taken only where that encoder would not be:
 * on PNGs compressed to at most ONE_PASS_MAX_RATIO of their samples, which noise never is (these filters
 * move or invert samples, so the result compresses as the input does). Grey, palette and 16-bit inputs
 * keep the separate steps, whose conversions (grey kept grey, 16 bits cut to their high byte) the one pass
 * would not repeat exactly.
 */
import type { FilterStep, PngHeader } from '@conveyor/shared';

/** Photographs compress to 30-60% of their samples as PNG; smooth pictures and graphics to a few percent. */
export const ONE_PASS_MAX_RATIO = 1 / 8;
/** PNG colour types 2 (RGB) and 6 (RGBA). */
const TRUECOLOUR = new Set([2, 6]);

/**
 * Whether the task's PNG goes through filterPngInOnePass (png-codec.ts): `rest` is what is left of the chain
 * after DecodeSteps.
 */
export function inOnePass(header: PngHeader, pngBytes: number, rest: readonly FilterStep[]): boolean {
  if (rest.length > 0 || header.bitDepth !== 8 || !TRUECOLOUR.has(header.colorType)) return false;
  const samples = header.width * header.height * (header.colorType === 6 ? 4 : 3);
  return pngBytes <= samples * ONE_PASS_MAX_RATIO;
}
