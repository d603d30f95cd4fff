/**
 * Negative, FlipX and FlipY applied by libvips while it decodes must give, sample for sample, what our
 * filters give on the decoded picture: for every input layout (16-bit with low bytes unlike the high ones,
 * so that a rounding instead of a cut would show), and for chains of them, which fold into one pass.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FilterStep } from '@conveyor/shared';
import sharp from 'sharp';
import { applyFilters, decodePng, splitDecodeSteps } from '../src/index.js';
import { type Layout, makePng, SAMPLE_HEIGHT, SAMPLE_WIDTH } from './png-samples.js';

const step = (name: 'Negative' | 'FlipX' | 'FlipY'): FilterStep => ({ name, parameters: {} });
const limits = { maxPixels: 1_000_000 };

/** 16-bit samples whose low bytes differ from their high bytes (png-samples' 16-bit ones repeat the byte). */
async function wide(channels: 1 | 2 | 3 | 4): Promise<Buffer> {
  const samples = new Uint16Array(SAMPLE_WIDTH * SAMPLE_HEIGHT * channels);
  for (let i = 0; i < samples.length; i++) samples[i] = (i * 7919 + 1234) % 65536;
  // sharp takes 16-bit raw input, though its typings do not list `depth` for it.
  const layout = { width: SAMPLE_WIDTH, height: SAMPLE_HEIGHT, channels, depth: 'ushort' };
  const raw = sharp(Buffer.from(samples.buffer), { raw: layout });
  return raw
    .toColourspace(channels <= 2 ? 'grey16' : 'rgb16')
    .png()
    .toBuffer();
}

const layouts: Layout[] = ['rgb', 'rgba', 'grey', 'grey-alpha', 'palette', 'palette-alpha', 'rgb16', 'grey16'];
const pictures: [string, () => Promise<Buffer>][] = [
  ...layouts.map((layout): [string, () => Promise<Buffer>] => [layout, () => makePng(layout)]),
  ['16-bit RGB, distinct low bytes', () => wide(3)],
  ['16-bit RGBA, distinct low bytes', () => wide(4)],
  ['16-bit grey, distinct low bytes', () => wide(1)],
  ['16-bit grey+alpha, distinct low bytes', () => wide(2)],
];
const chains: FilterStep[][] = [
  [step('Negative')],
  [step('FlipX')],
  [step('FlipY')],
  [step('Negative'), step('FlipX'), step('FlipY')],
  [step('FlipY'), step('Negative'), step('Negative')],
  [step('FlipX'), step('FlipX'), step('FlipY'), step('Negative')],
];
const name = (chain: FilterStep[]) => chain.map((s) => s.name).join(' + ');

describe('filter steps applied while decoding', () => {
  for (const [picture, make] of pictures) {
    for (const chain of chains) {
      it(`${picture}: ${name(chain)} equals decoding, then the filters`, async () => {
        const png = await make();
        const { decode, rest } = splitDecodeSteps(chain);
        assert.deepEqual(rest, []);
        const fused = await decodePng(png, { ...limits, steps: decode });
        const expected = applyFilters(await decodePng(png, limits), chain);
        assert.deepEqual(
          { ...fused, data: Buffer.from(fused.data) },
          { ...expected, data: Buffer.from(expected.data) },
        );
      });
    }
  }

  it('only the steps before the first other filter are taken into the decoding, in order', () => {
    const blur: FilterStep = { name: 'Blur', parameters: { sigma: 2 } };
    const { decode, rest } = splitDecodeSteps([step('FlipX'), step('Negative'), blur, step('FlipY')]);
    assert.deepEqual(decode, { negate: true, flipX: true, flipY: false });
    assert.deepEqual(rest, [blur, step('FlipY')]);
    assert.deepEqual(splitDecodeSteps([blur]), { decode: { negate: false, flipX: false, flipY: false }, rest: [blur] });
  });
});
