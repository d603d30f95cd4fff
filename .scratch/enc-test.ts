import { deflateSync, constants } from 'node:zlib';
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
const img = applyFilter(await decodePng(png, { maxBytes: 64 << 20, maxPixels: 40e6 }), { name: 'Sharpen', parameters: { sigma: 5 } });
const row = width * channels;
function filtered(kind: number): Buffer {
  const out = Buffer.alloc((row + 1) * height);
  const d = img.data;
  for (let y = 0; y < height; y++) {
    const o = y * (row + 1); out[o] = kind;
    const r = y * row, u = r - row;
    for (let i = 0; i < row; i++) {
      const a = i >= channels ? d[r + i - channels]! : 0;
      const b = y > 0 ? d[u + i]! : 0;
      let v: number;
      if (kind === 1) v = d[r + i]! - a;
      else if (kind === 2) v = d[r + i]! - b;
      else if (kind === 3) v = d[r + i]! - ((a + b) >> 1);
      else { const c = y > 0 && i >= channels ? d[u + i - channels]! : 0; const p = a + b - c; const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); v = d[r + i]! - (pa <= pb && pa <= pc ? a : pb <= pc ? b : c); }
      out[o + 1 + i] = v & 255;
    }
  }
  return out;
}
const med = (f: () => unknown, n = 7) => { const t: number[] = []; for (let i = 0; i < n; i++) { const s = performance.now(); f(); t.push(performance.now() - s); } t.sort((a, b) => a - b); return t[n >> 1]!.toFixed(1); };
for (let k = 1; k <= 4; k++) {
  let f!: Buffer; const ft = med(() => { f = filtered(k); }, 3);
  for (const level of [1, 3]) { let z!: Buffer; const zt = med(() => { z = deflateSync(f, { level }); }, 3); console.log(`filter ${k} js ${ft} ms; deflate l${level} ${zt} ms, ${(z.length / 1e6).toFixed(2)} MB`); }
  for (const strategy of [constants.Z_FILTERED, constants.Z_RLE]) { let z!: Buffer; const zt = med(() => { z = deflateSync(f, { level: 3, strategy }); }, 3); console.log(`  strategy ${strategy}: ${zt} ms, ${(z.length / 1e6).toFixed(2)} MB`); }
}
const st: number[] = [];
for (let i = 0; i < 5; i++) { const s = performance.now(); await encodePng(img); st.push(performance.now() - s); }
st.sort((a, b) => a - b); console.log('sharp encode', st[2]!.toFixed(1), (await encodePng(img)).length / 1e6);
