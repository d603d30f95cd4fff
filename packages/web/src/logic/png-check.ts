/**
 * Checks a chosen image in the page before it is uploaded, against the caps the API enforces (GET /limits):
 * the type, the bytes, and the pixels read from the PNG's IHDR, so a 30 MB photo is refused at once.
 */
import type { ClientLimits } from '../api/types.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** The signature and the IHDR chunk up to its colour type. */
export const PNG_HEADER_BYTES = 33;

export interface ChosenFile {
  name: string;
  type: string;
  size: number;
}

export type ImageCheck = { ok: true; width: number; height: number } | { ok: false; problem: string };

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function pngSize(header: Uint8Array): { width: number; height: number } | undefined {
  if (header.length < PNG_HEADER_BYTES) return undefined;
  if (!PNG_SIGNATURE.every((byte, i) => header[i] === byte)) return undefined;
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const chunk = String.fromCharCode(...header.subarray(12, 16));
  if (view.getUint32(8) !== 13 || chunk !== 'IHDR') return undefined;
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** `header` is the file's first PNG_HEADER_BYTES bytes (or all of a shorter file). */
export function checkImage(file: ChosenFile, header: Uint8Array, limits: ClientLimits['image']): ImageCheck {
  const kinds = limits.types.join(', ').replaceAll('image/', '').toUpperCase();
  if (file.type && !limits.types.includes(file.type)) {
    return { ok: false, problem: `${file.name} is not a ${kinds} image (it is ${file.type}).` };
  }
  if (file.size > limits.max_bytes) {
    return {
      ok: false,
      problem: `${file.name} is ${formatBytes(file.size)}, over the limit of ${formatBytes(limits.max_bytes)}.`,
    };
  }
  const size = pngSize(header);
  if (!size) return { ok: false, problem: `${file.name} is not a ${kinds} image (its header is not a PNG's).` };
  const pixels = size.width * size.height;
  if (pixels > limits.max_pixels) {
    return {
      ok: false,
      problem: `${file.name} is ${size.width}×${size.height} = ${pixels.toLocaleString('en')} pixels, over the limit of ${limits.max_pixels.toLocaleString('en')}.`,
    };
  }
  return { ok: true, ...size };
}
