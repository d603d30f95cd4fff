/**
 * A chain of only Negative / FlipX / FlipY on an 8-bit truecolour PNG that compresses well is done in one
 * libvips pipeline, PNG to PNG: the result must have the same pixels and layout as decoding, filtering and
 * encoding one after the other; anything else keeps that path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FilterStep, readPngHeader } from '@conveyor/shared';
import sharp from 'sharp';
import {
  applyFilters,
  createImageTaskHandler,
  decodePng,
  encodePng,
  PNG_ENCODE_OPTIONS,
  splitDecodeSteps,
} from '../src/index.js';
import { inOnePass } from '../src/one-pass.js';
import { filterPngInOnePass } from '../src/png-codec.js';
import { makePng } from './png-samples.js';
import { taskContext } from './task-context.js';

const step = (name: 'Negative' | 'FlipX' | 'FlipY'): FilterStep => ({ name, parameters: {} });
const limits = { maxPixels: 1_000_000 };

/** Smooth gradients (with a varying alpha when asked): they compress to a few percent of their samples. */
function smooth(channels: 3 | 4): Promise<Buffer> {
  const width = 192;
  const height = 128;
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * channels;
      data[p] = (x * 255) / width;
      data[p + 1] = (y * 255) / height;
      data[p + 2] = ((x + y) * 127) / (width + height) + 64;
      if (channels === 4) data[p + 3] = 96 + (x * 159) / width;
    }
  }
  return sharp(data, { raw: { width, height, channels } }).png(PNG_ENCODE_OPTIONS).toBuffer();
}

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, info };
}

const chains = [[step('Negative')], [step('FlipX')], [step('FlipY')], [step('Negative'), step('FlipY'), step('FlipX')]];

describe('one pass, PNG to PNG', () => {
  for (const channels of [3, 4] as const) {
    for (const chain of chains) {
      it(`${channels === 4 ? 'RGBA' : 'RGB'}: ${chain.map((s) => s.name).join(' + ')} as decode, filter, encode`, async () => {
        const png = await smooth(channels);
        const { decode, rest } = splitDecodeSteps(chain);
        assert.ok(inOnePass(readPngHeader(png)!, png.length, rest), 'this picture takes the one pass');
        const fused = await filterPngInOnePass(png, { ...limits, steps: decode });
        const split = await encodePng(applyFilters(await decodePng(png, limits), chain));
        assert.deepEqual(await pixels(fused), await pixels(split));
        assert.deepEqual(readPngHeader(fused), readPngHeader(split));
      });
    }
  }

  it('the handler gives the same result as the steps one after another', async () => {
    const png = await smooth(4);
    const handle = createImageTaskHandler({ maxBytes: 1_000_000, maxPixels: 1_000_000 });
    const chain = [step('FlipX'), step('Negative')];
    const outcome = await handle(
      {
        schema_version: 1,
        task_id: '00000000-0000-4000-8000-000000000000',
        commit_token: 'token',
        created_at: new Date(0).toISOString(),
        type: 'image',
        payload: { image: png.toString('base64'), filters: chain } as never,
      },
      taskContext(),
    );
    assert.equal(outcome.status, 'ready');
    const expected = await encodePng(applyFilters(await decodePng(png, limits), chain));
    assert.deepEqual(await pixels(Buffer.from(outcome.result as string, 'base64')), await pixels(expected));
  });

  it('what keeps the separate steps: other filters after, other layouts, 16 bits, a PNG that compresses poorly', async () => {
    const png = await smooth(3);
    const header = readPngHeader(png)!;
    assert.equal(inOnePass(header, png.length, [{ name: 'Blur', parameters: { sigma: 1 } }]), false);
    for (const layout of ['grey', 'grey-alpha', 'palette', 'rgb16'] as const) {
      const other = await makePng(layout);
      assert.equal(inOnePass(readPngHeader(other)!, 1, []), false, layout);
    }
    // A noisy picture compresses to most of its samples' size: the noisy encoder may be the better one.
    assert.equal(inOnePass(header, (header.width * header.height * 3) / 2, []), false);
  });
});
