import { deflateSync, constants } from 'node:zlib';
import { applyFilter, decodePng, PNG_ENCODE_OPTIONS } from '@conveyor/image-processor';
import { looksNoisy } from '../packages/image-processor/src/noisy-png.js';
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
const dec = await decodePng(png, { maxBytes: 64 << 20, maxPixels: 40e6 });
for (const [n, img] of [['source', dec], ['sharpen5', applyFilter(dec, { name: 'Sharpen', parameters: { sigma: 5 } })], ['blur5', applyFilter(dec, { name: 'Blur', parameters: { sigma: 5 } })]] as const) {
  console.log(n, await looksNoisy(img));
}
const img = applyFilter(dec, { name: 'Sharpen', parameters: { sigma: 5 } });
const rowLength = width * 4;
function up(from: number, to: number) { const out = Buffer.alloc((rowLength + 1) * (to - from)); for (let y = from; y < to; y++) { const at = (y - from) * (rowLength + 1); out[at] = 2; for (let i = 0; i < rowLength; i++) out[at + 1 + i] = img.data[y * rowLength + i]! - (y ? img.data[(y - 1) * rowLength + i]! : 0); } return out; }
for (const [band, every] of [[8, 128], [16, 64], [720, 720]]) {
  const parts = []; for (let y = 0; y < height; y += every) parts.push(up(y, Math.min(height, y + band)));
  const s = Buffer.concat(parts);
  console.log(band, every, s.length, deflateSync(s, { level: 3, strategy: constants.Z_RLE }).length, deflateSync(s, { level: 3 }).length);
}
