/** The page's check of a chosen image against the API's caps, before upload. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkImage, PNG_HEADER_BYTES, pngSize } from '../src/logic/png-check.js';
import { LIMITS } from './limits-fixture.js';

function pngHeader(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(PNG_HEADER_BYTES);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, 13);
  bytes.set([0x49, 0x48, 0x44, 0x52], 12);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return bytes;
}

const file = (type: string, size: number) => ({ name: 'a.png', type, size });

test('a PNG within the caps passes with its size', () => {
  assert.deepEqual(checkImage(file('image/png', 500), pngHeader(10, 10), LIMITS.image), {
    ok: true,
    width: 10,
    height: 10,
  });
});

test('another type, too many bytes, too many pixels, or a header that is not a PNG are refused with why', () => {
  const cases: Array<[ReturnType<typeof checkImage>, RegExp]> = [
    [checkImage(file('image/jpeg', 500), pngHeader(10, 10), LIMITS.image), /not a PNG image \(it is image\/jpeg\)/],
    [checkImage(file('image/png', 1001), pngHeader(10, 10), LIMITS.image), /over the limit of 1000 B/],
    [checkImage(file('image/png', 500), pngHeader(11, 10), LIMITS.image), /110 pixels, over the limit of 100/],
    [
      checkImage(file('', 500), new TextEncoder().encode('GIF89a and more bytes to fill it up'), LIMITS.image),
      /header/,
    ],
  ];
  for (const [result, reason] of cases) {
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.problem, reason);
  }
  assert.equal(pngSize(pngHeader(0, 5)), undefined, 'a zero width is not a picture');
});
