import { deflateSync, constants } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { decodePng, sharpen, PNG_ENCODE_OPTIONS, type RawImage } from '@conveyor/image-processor';
import sharp from 'sharp';
function up(img: RawImage, from: number, to: number) { const rl = img.width * img.channels; const out = Buffer.alloc((rl + 1) * (to - from)); for (let y = from; y < to; y++) { const at = (y - from) * (rl + 1); out[at] = 2; for (let i = 0; i < rl; i++) out[at + 1 + i] = img.data[y * rl + i]! - (y ? img.data[(y - 1) * rl + i]! : 0); } return out; }
function ratios(img: RawImage) { return [[8,128],[32,256],[64,512],[32,128]].map(([b,e]) => ratio2(img,b!,e!)).join(' | '); }
function ratio2(img: RawImage, band: number, every: number) {
  const parts = []; for (let y = 0; y < img.height; y += every) parts.push(up(img, y, Math.min(img.height, y + band)));
  const s = Buffer.concat(parts); const f = up(img, 0, img.height);
  const r = (b: Buffer) => (deflateSync(b, { level: 3, strategy: constants.Z_RLE }).length / deflateSync(b, { level: 3 }).length).toFixed(3);
  return `${band}/${every} ${r(s)} full ${r(f)}`;
}
function noisy(width: number, height: number, channels: RawImage['channels']): RawImage {
  const data = new Uint8Array(width * height * channels); let seed = 7;
  for (let i = 0; i < data.length; i++) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; const x = (i / channels) % width; data[i] = Math.min(255, ((x * 200) / width + ((seed >> 16) % 48)) | 0); }
  return { data, width, height, channels };
}
function bench(width: number, height: number): RawImage {
  const channels = 4; const data = new Uint8Array(width * height * channels); let seed = 12345;
  const noise = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return (seed >> 16) % 48; };
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) { const p = (y * width + x) * channels;
    data[p] = Math.min(255, ((x * 200) / width + noise()) | 0); data[p + 1] = Math.min(255, ((y * 200) / height + noise()) | 0);
    data[p + 2] = Math.min(255, (((x + y) * 100) / (width + height) + 64 + noise()) | 0); data[p + 3] = Math.min(255, (96 + (x * 160) / width) | 0); }
  return { data, width, height, channels };
}
const flowers = await decodePng(readFileSync('packages/image-processor/test/fixtures/flowers_small.png'), { maxPixels: 1e8 });
for (const [n, img] of [['noisy', noisy(640, 360, 4)], ['noisy sharpen5', sharpen(noisy(640, 360, 4), 5)], ['bench', bench(1280, 720)], ['bench sharpen5', sharpen(bench(1280, 720), 5)], ['bench sharpen1', sharpen(bench(1280, 720), 1)], ['flowers', flowers], ['flowers sharpen5', sharpen(flowers, 5)]] as const) console.log(n.padEnd(18), ratios(img));
