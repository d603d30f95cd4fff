/**
 * The task handler's contract: parameters validated again, bad images failed with a clear error (and the
 * worker still working afterwards), chains applied in order, 16-bit input accepted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { createImageTaskHandler, decodePng, flipX, gaussianBlur, InvalidImageError, negative } from '../src/index.js';
import { imageTask, makePng, makePngBomb, pngBitDepth, pngColourType } from './png-samples.js';
import { taskContext } from './task-context.js';

const limits = { maxBytes: 200_000, maxPixels: 1_000_000 };
const handle = createImageTaskHandler(limits);

async function failure(image: Buffer | string, filters: unknown) {
  const outcome = await handle(imageTask(image, filters), taskContext());
  assert.equal(outcome.status, 'failed', JSON.stringify(outcome));
  return (outcome as { error: { code: string; message: string } }).error;
}

async function ready(image: Buffer, filters: unknown): Promise<Buffer> {
  const outcome = await handle(imageTask(image, filters), taskContext());
  assert.equal(outcome.status, 'ready', JSON.stringify(outcome));
  return Buffer.from(outcome.result as string, 'base64');
}

describe('parameters are validated again in the worker', () => {
  for (const sigma of [0, -1, 50.5, Number.NaN, '1']) {
    it(`Blur sigma ${String(sigma)} is refused`, async () => {
      const error = await failure(await makePng('rgb'), [{ name: 'Blur', parameters: { sigma } }]);
      assert.equal(error.code, 'invalid_parameters');
      assert.match(error.message, /filters\[0\]\.parameters\.sigma: sigma must be a number greater than 0/);
    });
  }
  it('Sharpen sigma above 50 is refused', async () => {
    const error = await failure(await makePng('rgb'), [{ name: 'Sharpen', parameters: { sigma: 51 } }]);
    assert.equal(error.code, 'invalid_parameters');
    assert.match(error.message, /at most 50/);
  });
  it('an unknown filter, an unknown parameter, an empty or too long chain are refused', async () => {
    const png = await makePng('rgb');
    assert.match((await failure(png, [{ name: 'Emboss' }])).message, /unknown filter "Emboss"/);
    assert.match((await failure(png, [{ name: 'Negative', parameters: { sigma: 1 } }])).message, /takes no parameter/);
    assert.match((await failure(png, [])).message, /non-empty array/);
    const eleven = Array.from({ length: 11 }, () => ({ name: 'FlipX' }));
    assert.match((await failure(png, eleven)).message, /at most 10 steps/);
  });
  it('a code task sent to the image worker is failed', async () => {
    const task = { ...imageTask(await makePng('rgb'), [{ name: 'FlipX' }]), type: 'code' } as never;
    const outcome = await handle(task, taskContext());
    assert.equal(outcome.status, 'failed');
  });
});

describe('bad images fail the task, and the next task still works', () => {
  it('not base64, not a PNG, over the byte cap', async () => {
    assert.match((await failure('%%% not base64 %%%', [{ name: 'FlipX' }])).message, /not valid base64/);
    const jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } })
      .jpeg()
      .toBuffer();
    assert.match((await failure(jpeg, [{ name: 'FlipX' }])).message, /not a PNG/);
    const big = Buffer.concat([await makePng('rgb'), Buffer.alloc(limits.maxBytes)]);
    const error = await failure(big, [{ name: 'FlipX' }]);
    assert.equal(error.code, 'image_too_large');
  });

  it('a truncated PNG', async () => {
    const png = await sharp({
      create: {
        width: 64,
        height: 64,
        channels: 3,
        background: 'black',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .png()
      .toBuffer();
    const error = await failure(png.subarray(0, Math.floor(png.length / 2)), [{ name: 'Negative' }]);
    assert.equal(error.code, 'invalid_image');
    assert.match(error.message, /corrupt or truncated/);
    assert.equal((await ready(png, [{ name: 'Negative' }])).length > 0, true);
  });

  it('a PNG with corrupt image data', async () => {
    const png = Buffer.from(await makePng('rgb'));
    for (let i = 41; i < png.length - 16; i++) png[i]! ^= 0x5a; // inside IDAT, leaving IHDR and IEND alone
    const error = await failure(png, [{ name: 'FlipY' }]);
    assert.equal(error.code, 'invalid_image');
    assert.match(error.message, /corrupt or truncated/);
  });

  it('a PNG bomb: a tiny file declaring 50000 x 50000 pixels', async () => {
    const bomb = makePngBomb(50_000, 50_000);
    assert.ok(bomb.length < 1000, `the bomb is ${bomb.length} bytes`);
    const error = await failure(bomb, [{ name: 'Blur', parameters: { sigma: 2 } }]);
    assert.equal(error.code, 'image_too_large');
    assert.match(error.message, /50000x50000 = 2500000000 pixels, over the cap of 1000000 pixels/);
    // The decoder refuses it on its own as well (sharp's limitInputPixels), before inflating anything.
    await assert.rejects(decodePng(bomb, { maxPixels: limits.maxPixels }), (error: unknown) => {
      assert.ok(error instanceof InvalidImageError);
      assert.match(error.message, /over the cap of 1000000 pixels/);
      return true;
    });
    assert.ok((await ready(await makePng('rgba'), [{ name: 'FlipX' }])).length > 0);
  });
});

describe('chains and layouts', () => {
  it('a chain is applied in order, same as the filters one after another', async () => {
    const input = await makePng('rgba');
    const steps = [
      { name: 'Blur', parameters: { sigma: 0.7 } },
      { name: 'FlipX', parameters: {} },
      { name: 'negative' },
    ];
    const output = await decodePng(await ready(input, steps), limits);
    const expected = negative(flipX(gaussianBlur(await decodePng(input, limits), 0.7)));
    assert.deepEqual(output, { ...expected, data: Buffer.from(expected.data) });
  });

  it('16-bit RGB and grey come out as 8-bit PNGs of the same layout and size', async () => {
    for (const layout of ['rgb16', 'grey16'] as const) {
      const input = await makePng(layout);
      assert.equal(pngBitDepth(input), 16);
      const output = await ready(input, [{ name: 'Negative' }]);
      assert.equal(pngBitDepth(output), 8);
      assert.equal(pngColourType(output), layout === 'rgb16' ? 2 : 0);
      const source = await sharp(input)
        .toColourspace(layout)
        .raw({ depth: 'ushort' })
        .toBuffer({ resolveWithObject: true });
      const result = await sharp(output)
        .toColourspace(layout === 'rgb16' ? 'srgb' : 'b-w')
        .raw()
        .toBuffer({ resolveWithObject: true });
      assert.equal(result.data.length * 2, source.data.length, 'one 8-bit sample per 16-bit sample');
      assert.deepEqual([result.info.width, result.info.height], [source.info.width, source.info.height]);
      const wide = new Uint16Array(source.data.buffer, source.data.byteOffset, source.data.length / 2);
      for (let i = 0; i < wide.length; i++) assert.equal(result.data[i], 255 - (wide[i]! >> 8), `sample ${i}`);
    }
  });

  it('Sharpen on grey keeps it grey and the size', async () => {
    const output = await ready(await makePng('grey'), [{ name: 'Sharpen', parameters: { sigma: 1 } }]);
    assert.equal(pngColourType(output), 0);
    const { width, height } = await sharp(output).metadata();
    assert.deepEqual([width, height], [7, 5]);
  });

  it('an aborted worker stops between steps and throws (the message goes back to the queue)', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(handle(imageTask(await makePng('rgb'), [{ name: 'FlipX' }]), taskContext(controller.signal)));
  });
});
