/**
 * Negative, FlipX and FlipY checked pixel by pixel, PNG in to PNG out through the task handler, for every
 * input layout; the output keeps the layout's width, height and alpha (grey stays grey).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { createImageTaskHandler } from '../src/index.js';
import { imageTask, type Layout, makePng, pngColourType, SAMPLE_HEIGHT, SAMPLE_WIDTH } from './png-samples.js';
import { taskContext } from './task-context.js';

const handle = createImageTaskHandler({ maxBytes: 1_000_000, maxPixels: 1_000_000 });

/** Decoded the same way for input and output (sRGB, 8 bits, grey expanded), independent of the worker. */
async function rgbaPixels(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png)
    .ensureAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

async function run(png: Buffer, filter: string): Promise<Buffer> {
  const outcome = await handle(imageTask(png, [{ name: filter, parameters: {} }]), taskContext());
  assert.equal(outcome.status, 'ready', JSON.stringify(outcome));
  return Buffer.from(outcome.result as string, 'base64');
}

/** The PNG colour type the output must have: grey stays grey, palette becomes truecolour, alpha kept. */
const expectedColourType: Record<Layout, number> = {
  rgb: 2,
  rgba: 6,
  grey: 0,
  'grey-alpha': 4,
  palette: 2,
  'palette-alpha': 6,
  rgb16: 2,
  grey16: 0,
};

const layouts: Layout[] = ['rgb', 'rgba', 'grey', 'grey-alpha', 'palette', 'palette-alpha'];

type PixelMap = (input: Buffer, width: number, height: number, x: number, y: number) => number[];
const at = (data: Buffer, width: number, x: number, y: number) => [
  ...data.subarray((y * width + x) * 4, (y * width + x) * 4 + 4),
];

const filters: Record<string, PixelMap> = {
  Negative: (data, width, _h, x, y) => {
    const [r, g, b, a] = at(data, width, x, y);
    return [255 - r!, 255 - g!, 255 - b!, a!];
  },
  FlipX: (data, width, _h, x, y) => at(data, width, width - 1 - x, y),
  FlipY: (data, width, height, x, y) => at(data, width, x, height - 1 - y),
};

describe('pixel filters', () => {
  for (const layout of layouts) {
    for (const [filter, expected] of Object.entries(filters)) {
      it(`${filter} on ${layout}`, async () => {
        const input = await makePng(layout);
        const output = await run(input, filter);
        assert.equal(pngColourType(output), expectedColourType[layout], 'colour type of the output PNG');
        const before = await rgbaPixels(input);
        const after = await rgbaPixels(output);
        assert.deepEqual([after.width, after.height], [SAMPLE_WIDTH, SAMPLE_HEIGHT]);
        for (let y = 0; y < after.height; y++) {
          for (let x = 0; x < after.width; x++) {
            assert.deepEqual(
              at(after.data, after.width, x, y),
              expected(before.data, before.width, before.height, x, y),
              `pixel ${x},${y}`,
            );
          }
        }
      });
    }
  }

  it('FlipX twice and Negative twice give the input back', async () => {
    const input = await makePng('rgba');
    const steps = ['FlipX', 'Negative', 'flipx', 'NEGATIVE'].map((name) => ({ name, parameters: {} }));
    const outcome = await handle(imageTask(input, steps), taskContext());
    assert.equal(outcome.status, 'ready');
    const output = Buffer.from(outcome.result as string, 'base64');
    assert.deepEqual((await rgbaPixels(output)).data, (await rgbaPixels(input)).data);
  });
});
