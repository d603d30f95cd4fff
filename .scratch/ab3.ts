import { applyFilter, decodePng, encodePng, PNG_ENCODE_OPTIONS, type RawImage } from '@conveyor/image-processor';
import sharp from 'sharp';
const width = 1280, height = 720, channels = 4;
const data = Buffer.alloc(width * height * channels);
let seed = 12345;
const noise = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return (seed >> 16) % 48; };
for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) { const p = (y * width + x) * channels;
  data[p] = Math.min(255, ((x * 200) / width + noise()) | 0); data[p + 1] = Math.min(255, ((y * 200) / height + noise()) | 0);
  data[p + 2] = Math.min(255, (((x + y) * 100) / (width + height) + 64 + noise()) | 0); data[p + 3] = Math.min(255, (96 + (x * 160) / width) | 0); }
const png = await sharp(data, { raw: { width, height, channels } }).png(PNG_ENCODE_OPTIONS).toBuffer();
const limits = { maxPixels: 40e6 };
const oldEncode = (i: RawImage) => sharp(i.data, { raw: { width: i.width, height: i.height, channels: i.channels } }).png(PNG_ENCODE_OPTIONS).toBuffer();
for (const [label, step, sharpOp] of [['Sharpen 5', { name: 'Sharpen', parameters: { sigma: 5 } }, (s: sharp.Sharp) => s.blur(5)], ['Blur 5', { name: 'Blur', parameters: { sigma: 5 } }, (s: sharp.Sharp) => s.blur(5)], ['Negative', { name: 'Negative', parameters: {} }, (s: sharp.Sharp) => s.negate({ alpha: false })]] as const) {
  const fns = [
    async () => encodePng(applyFilter(await decodePng(png, limits), step as never)),
    async () => oldEncode(applyFilter(await decodePng(png, limits), step as never)),
    () => sharpOp(sharp(png)).png(PNG_ENCODE_OPTIONS).toBuffer(),
  ];
  const t: number[][] = [[], [], []];
  for (let i = 0; i < 13; i++) for (const [k, f] of fns.entries()) { const s = performance.now(); await f(); if (i >= 2) t[k]!.push(performance.now() - s); }
  const m = t.map((x) => x.sort((a, b) => a - b)[Math.floor(x.length / 2)]!);
  console.log(`${label}: ours ${m[0]!.toFixed(0)} ms (${(m[0]! / m[2]!).toFixed(2)}x sharp), with the libvips encoder ${m[1]!.toFixed(0)} ms (${(m[1]! / m[2]!).toFixed(2)}x), sharp ${m[2]!.toFixed(0)} ms`);
}
