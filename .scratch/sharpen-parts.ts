import { applyFilter, decodePng, encodePng, PNG_ENCODE_OPTIONS } from '@conveyor/image-processor';
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
const limits = { maxBytes: 64 << 20, maxPixels: 40e6 };
const step = { name: 'Sharpen', parameters: { sigma: 5 } } as const;
const t: Record<string, number[]> = {};
const rec = (k: string, v: number) => (t[k] ??= []).push(v);
for (let i = 0; i < 13; i++) {
  let s = performance.now();
  const img = await decodePng(png, limits); rec('decode', performance.now() - s); s = performance.now();
  const out = applyFilter(img, step); rec('filter', performance.now() - s); s = performance.now();
  const enc = await encodePng(out); rec('encode', performance.now() - s); s = performance.now();
  for (const [name, opts] of [['enc l1 adaptive', { compressionLevel: 1, adaptiveFiltering: true }], ['enc l2 adaptive', { compressionLevel: 2, adaptiveFiltering: true }]] as const) {
    s = performance.now();
    const b = await sharp(out.data, { raw: { width, height, channels } }).png(opts).toBuffer(); rec(`${name} (${(b.length/1e6).toFixed(2)} MB)`, performance.now() - s);
  }
  s = performance.now();
  await sharp(png).blur(5).png(PNG_ENCODE_OPTIONS).toBuffer(); rec('sharp blur 5 total', performance.now() - s);
  s = performance.now();
  const blurred = applyFilter(img, { name: 'Blur', parameters: { sigma: 5 } }); rec('our blur filter', performance.now() - s);
  s = performance.now();
  await encodePng(blurred); rec('encode blurred', performance.now() - s);
  if (i === 0) console.log('sharpened PNG bytes', enc.length);
}
for (const [k, v] of Object.entries(t)) { v.sort((a, b) => a - b); console.log(k.padEnd(32), v[Math.floor(v.length / 2)]!.toFixed(1)); }
