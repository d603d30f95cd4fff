import { deflateSync, constants } from 'node:zlib';
import { applyFilter, decodePng, encodePng } from '@conveyor/image-processor';
import sharp from 'sharp';
function paeth(d: Uint8Array, width: number, height: number, channels: number, kind: number): Buffer {
  const row = width * channels; const out = Buffer.alloc((row + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (row + 1); out[o] = kind; const r = y * row, u = r - row;
    for (let i = 0; i < row; i++) {
      const a = i >= channels ? d[r + i - channels]! : 0; const b = y > 0 ? d[u + i]! : 0;
      let v: number;
      if (kind === 2) v = d[r + i]! - b; else { const c = y > 0 && i >= channels ? d[u + i - channels]! : 0; const p = a + b - c; const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); v = d[r + i]! - (pa <= pb && pa <= pc ? a : pb <= pc ? b : c); }
      out[o + 1 + i] = v & 255;
    }
  }
  return out;
}
const lim = { maxBytes: 64 << 20, maxPixels: 40e6 };
// a graphic: flat rectangles and a repeating stripe pattern
const gw = 800, gh = 600; const g = Buffer.alloc(gw * gh * 3, 255);
for (let y = 0; y < gh; y++) for (let x = 0; x < gw; x++) { const p = (y * gw + x) * 3; if ((x >> 5) % 3 === 0 && (y >> 4) % 2) { g[p] = 30; g[p+1] = 90; g[p+2] = 200; } if (y > 400 && ((x * 7 + y * 3) % 11) < 3) g[p] = g[p+1] = g[p+2] = 0; }
const pics: [string, Buffer][] = [
  ['flowers', await import('node:fs').then((fs) => fs.readFileSync('packages/image-processor/test/fixtures/flowers_small.png'))],
  ['graphic', await sharp(g, { raw: { width: gw, height: gh, channels: 3 } }).png().toBuffer()],
];
for (const [name, png] of pics) {
  const img = await decodePng(png, lim);
  for (const [label, im] of [['as is', img], ['blur 3', applyFilter(img, { name: 'Blur', parameters: { sigma: 3 } })], ['sharpen 5', applyFilter(img, { name: 'Sharpen', parameters: { sigma: 5 } })]] as const) {
    const s = (await encodePng(im)).length;
    const f = paeth(im.data, im.width, im.height, im.channels, 4);
    const rle = deflateSync(f, { level: 3, strategy: constants.Z_RLE }).length;
    const def = deflateSync(f, { level: 3 }).length;
    console.log(`${name} ${im.width}x${im.height}x${im.channels} ${label}: sharp ${s}, paeth+rle ${rle} (${(rle / s).toFixed(2)}x), paeth+default l3 ${def} (${(def / s).toFixed(2)}x)`);
  }
}
