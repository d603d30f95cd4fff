/**
 * Small PNGs for the tests, made with sharp from known samples: every layout the worker must accept, and
 * broken ones (truncated, corrupt, a bomb).
 */
import { crc32, deflateSync } from 'node:zlib';
import type { TaskMessage } from '@conveyor/shared';
import sharp from 'sharp';

export const SAMPLE_WIDTH = 7;
export const SAMPLE_HEIGHT = 5;

/** Samples that differ at every position, so a flip or an off-by-one shows. */
function samples(channels: number): Buffer {
  const data = Buffer.alloc(SAMPLE_WIDTH * SAMPLE_HEIGHT * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) % 256;
  return data;
}

export type Layout = 'rgb' | 'rgba' | 'grey' | 'grey-alpha' | 'palette' | 'palette-alpha' | 'rgb16' | 'grey16';

export async function makePng(layout: Layout): Promise<Buffer> {
  const channels = layout === 'rgba' || layout === 'palette-alpha' ? 4 : layout === 'grey-alpha' ? 2 : 3;
  const raw = sharp(samples(channels), { raw: { width: SAMPLE_WIDTH, height: SAMPLE_HEIGHT, channels } });
  switch (layout) {
    case 'rgb':
    case 'rgba':
      return raw.png().toBuffer();
    case 'grey':
      return raw.toColourspace('b-w').png().toBuffer();
    case 'grey-alpha':
      return raw.toColourspace('b-w').png().toBuffer();
    case 'palette':
    case 'palette-alpha':
      return raw.png({ palette: true, colours: 16, dither: 0 }).toBuffer();
    case 'rgb16':
      return raw.toColourspace('rgb16').png().toBuffer();
    case 'grey16':
      return raw.toColourspace('grey16').png().toBuffer();
  }
}

/** The colour type byte of a PNG's IHDR: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
export function pngColourType(png: Uint8Array): number {
  return png[25]!;
}

export function pngBitDepth(png: Uint8Array): number {
  return png[24]!;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A PNG bomb: a few hundred bytes that declare width x height 8-bit grey pixels, all zero, the IDAT holding
 * only the first rows (a decoder that trusts the header allocates the whole picture before it finds out).
 */
export function makePngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // grey
  const rows = Buffer.alloc((width + 1) * Math.min(height, 4));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A queue message as the API publishes it. */
export function imageTask(image: Buffer | string, filters: unknown): TaskMessage {
  return {
    schema_version: 1,
    task_id: '00000000-0000-4000-8000-000000000000',
    commit_token: 'token',
    created_at: new Date(0).toISOString(),
    type: 'image',
    payload: { image: typeof image === 'string' ? image : image.toString('base64'), filters } as never,
  };
}
