/**
 * The filter steps libvips can apply while it decodes, exactly as ours would after: Negative (255 - c on
 * colour samples, alpha kept), FlipX and FlipY move or invert samples and round nothing, so libvips'
 * `invert`, `flop` and `flip` give the same bytes, 16-bit inputs included (the high byte of 65535 - v is
 * 255 minus the high byte of v). Done there, they cost no pass of their own over the picture and no
 * hand-off to a filter thread: for a Negative of a 1280x720 RGBA picture that hand-off alone took longer
 * than decoding (bench/README-speed.md, "Image task stages").
 *
 * Only the steps before the first other filter are taken: the three commute with one another, so any run
 * of them folds into one negation and one flip each way, but not with a blur, whose rounding would move.
 */
import type { FilterStep } from '@conveyor/shared';

/** What libvips applies while decoding; each is done once or not at all. */
export interface DecodeSteps {
  negate: boolean;
  flipX: boolean;
  flipY: boolean;
}

export const NO_DECODE_STEPS: DecodeSteps = { negate: false, flipX: false, flipY: false };

/** The leading run of Negative / FlipX / FlipY folded into DecodeSteps, and the steps left after it. */
export function splitDecodeSteps(steps: readonly FilterStep[]): { decode: DecodeSteps; rest: FilterStep[] } {
  const decode = { ...NO_DECODE_STEPS };
  let taken = 0;
  for (const step of steps) {
    if (step.name === 'Negative') decode.negate = !decode.negate;
    else if (step.name === 'FlipX') decode.flipX = !decode.flipX;
    else if (step.name === 'FlipY') decode.flipY = !decode.flipY;
    else break;
    taken++;
  }
  return { decode, rest: steps.slice(taken) };
}
