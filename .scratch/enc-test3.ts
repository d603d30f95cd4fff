import { applyFilter, decodePng, encodePng, PNG_ENCODE_OPTIONS } from '@conveyor/image-processor';
import { encodeNoisyPng, looksNoisy } from '../packages/image-processor/src/noisy-png.js';
import sharp from 'sharp';
const width = 1280, height = 720, channels = 4;
const data = Buffer.alloc(width * height * channels);
let seed = 12345;
const noise = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return (seed >> 16) % 48; };
for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
  const p = (y * width + x) * channels;
  data[p] = Math.min(255, ((x * 200) / width + noise()) | 0);
  data[p + 1] = Math.min(255, ((y * 200) / height + noise()) | 0);
  data[p + 2] = Math.min(255, (((x + y) * 100) / (width + height) + 64 + noise()) | 0);
  data[p + 3] = Math.min(255, (96 + (x * 160) / width) | 0);
}
const png = await sharp(data, { raw: { width, height, channels } }).png(PNG_ENCODE_OPTIONS).toBuffer();
const img = applyFilter(await decodePng(png, { maxBytes: 64 << 20, maxPixels: 40e6 }), { name: 'Sharpen', parameters: { sigma: 5 } });
const t: Record<string, number[]> = {};
for (let i = 0; i < 9; i++) {
  let s = performance.now(); const a = await sharp(img.data, { raw: { width, height, channels } }).png(PNG_ENCODE_OPTIONS).toBuffer(); (t.sharp ??= []).push(performance.now() - s);
  s = performance.now(); await looksNoisy(img); (t.check ??= []).push(performance.now() - s);
  s = performance.now(); const b = await encodeNoisyPng(img); (t.noisy ??= []).push(performance.now() - s);
  s = performance.now(); await encodePng(img); (t.encodePng ??= []).push(performance.now() - s);
  if (i === 0) { console.log('bytes sharp', a.length, 'noisy', b.length); const back = await decodePng(b, { maxBytes: 64 << 20, maxPixels: 40e6 }); console.log('roundtrip equal', Buffer.compare(Buffer.from(back.data), Buffer.from(img.data)) === 0, back.channels); }
}
for (const [k, v] of Object.entries(t)) { v.sort((a, b) => a - b); console.log(k.padEnd(12), v[4]!.toFixed(1)); }
