/**
 * Image filter benchmark (not a test): end-to-end time, PNG in -> PNG out, of each filter next to two
 * baselines measured in the same run on the same pictures: sharp's nearest built-in operation (negate,
 * flop, flip, blur) and ImageMagick's `convert` doing the same filter. Then the PNG encoder settings, and
 * the worker's memory over 1,000 small tasks.
 *
 *   node --conditions=conveyor-src --import tsx bench/image-filters.ts [filters|encoder|memory ...] [CASE ...]
 *
 * With arguments, only the named parts run (say `filters` while tuning a filter); without, all of them. Any
 * other argument picks filter cases by label (`"Sharpen 5"`), so that one case can be run several times
 * under the same load; BENCH_REPORT=file keeps such partial runs out of docs/benchmarks-latest.md. Without
 * ImageMagick the `convert` column is left empty.
 * Figures and their discussion: bench/README-image.md.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  applyFilter,
  configureSharp,
  createImageTaskHandler,
  decodePng,
  encodePng,
  PNG_ENCODE_OPTIONS,
  startBlurHelper,
} from '@conveyor/image-processor';
import type { FilterStep, TaskMessage } from '@conveyor/shared';
import { createLogger } from '@conveyor/shared';
import sharp, { type Sharp } from 'sharp';
import { type Figure, startBenchReport } from './bench-report.js';

const run = promisify(execFile);
/** ImageMagick writes its PNG with the same zlib level and adaptive filtering as ours (PNG_ENCODE_OPTIONS). */
const MAGICK_PNG_OPTIONS = ['-define', 'png:compression-level=3', '-define', 'png:compression-filter=5'];
const limits = { maxBytes: 64 * 1024 * 1024, maxPixels: 40_000_000 };

/** A photo-like test picture: smooth gradients with noise on top, optionally with a varying alpha. */
async function makePicture(width: number, height: number, alpha: boolean): Promise<Buffer> {
  const channels = alpha ? 4 : 3;
  const data = Buffer.alloc(width * height * channels);
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >> 16) % 48;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * channels;
      data[p] = Math.min(255, ((x * 200) / width + noise()) | 0);
      data[p + 1] = Math.min(255, ((y * 200) / height + noise()) | 0);
      data[p + 2] = Math.min(255, (((x + y) * 100) / (width + height) + 64 + noise()) | 0);
      if (alpha) data[p + 3] = Math.min(255, (96 + (x * 160) / width) | 0);
    }
  }
  return sharp(data, { raw: { width, height, channels } }).png(PNG_ENCODE_OPTIONS).toBuffer();
}

interface Case {
  label: string;
  step: FilterStep;
  sharpOp: (image: Sharp) => Sharp;
  sharpLabel: string;
  magickArgs: string[];
}

const cases: Case[] = [
  {
    label: 'Negative',
    step: { name: 'Negative', parameters: {} },
    sharpOp: (i) => i.negate({ alpha: false }),
    sharpLabel: 'negate',
    magickArgs: ['-negate'],
  },
  {
    label: 'FlipX',
    step: { name: 'FlipX', parameters: {} },
    sharpOp: (i) => i.flop(),
    sharpLabel: 'flop',
    magickArgs: ['-flop'],
  },
  {
    label: 'FlipY',
    step: { name: 'FlipY', parameters: {} },
    sharpOp: (i) => i.flip(),
    sharpLabel: 'flip',
    magickArgs: ['-flip'],
  },
  ...[1.5, 5].flatMap((sigma): Case[] => [
    {
      label: `Blur ${sigma}`,
      step: { name: 'Blur', parameters: { sigma } },
      sharpOp: (i) => i.blur(sigma),
      sharpLabel: `blur ${sigma}`,
      magickArgs: ['-gaussian-blur', `0x${sigma}`],
    },
    {
      label: `Sharpen ${sigma}`,
      step: { name: 'Sharpen', parameters: { sigma } },
      sharpOp: (i) => i.blur(sigma),
      sharpLabel: `blur ${sigma}`,
      magickArgs: ['-sharpen', `0x${sigma}`],
    },
  ]),
];

/** Median wall time in ms of `runs` calls after `warmup` untimed ones. */
async function time(fn: () => Promise<unknown>, runs: number, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Median wall times of two alternatives measured in alternation, so that both see the same load when other
 * processes share the machine.
 */
async function timePair(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  runs: number,
  warmup = 2,
): Promise<[number, number]> {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const start = performance.now();
      await fn();
      times[k]!.push(performance.now() - start);
    }
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return [median(times[0]), median(times[1])];
}

const ms = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(1)).padStart(8);
/** The filter table's figures, for the report. */
const figures: Figure[] = [];
const ratio = (a: number, b: number) => (Number.isNaN(b) ? '-' : `${(a / b).toFixed(2)}x`).padStart(7);

async function filterTable(dir: string, only: string[], magick: boolean): Promise<void> {
  const pictures = [
    { name: '1280x720 RGBA', png: await makePicture(1280, 720, true), runs: 11 },
    { name: '2048x1536 RGB', png: await makePicture(2048, 1536, false), runs: 7 },
  ];
  // Threads: sharp's libvips pipeline uses sharp.concurrency() threads for the whole call; ours decodes with
  // sharp, blurs on this thread and one helper (started here, as a worker's first picture would), and
  // deflates noisy PNGs in two parts on libuv's pool.
  // SHARP_CONCURRENCY=n sets sharp's threads for a second look (its default on glibc Linux is 1).
  if (process.env.SHARP_CONCURRENCY) sharp.concurrency(Number(process.env.SHARP_CONCURRENCY));
  const helper = await startBlurHelper();
  console.log(
    `\n## End to end, PNG in -> PNG out (median ms; ${availableParallelism()} CPUs; sharp: ${sharp.concurrency()} libvips threads; ours: Blur/Sharpen on ${helper ? 2 : 1} thread${helper ? 's' : ''}, noisy PNG deflated in 2 parts)\n`,
  );
  console.log(
    '| picture | filter | ours | sharp op | sharp | convert | ours/sharp | ours/convert |\n|---|---|---:|---|---:|---:|---:|---:|',
  );
  for (const picture of pictures) {
    const input = join(dir, `${picture.name.replace(/\W+/g, '_')}.png`);
    await writeFile(input, picture.png);
    const output = join(dir, 'out.png');
    for (const c of cases.filter((c) => only.length === 0 || only.includes(c.label))) {
      const [ours, builtIn] = await timePair(
        async () => encodePng(applyFilter(await decodePng(picture.png, limits), c.step)),
        () => c.sharpOp(sharp(picture.png)).png(PNG_ENCODE_OPTIONS).toBuffer(),
        picture.runs,
      );
      const convert = magick
        ? await time(() => run('convert', [input, ...c.magickArgs, ...MAGICK_PNG_OPTIONS, output]), 3, 0)
        : Number.NaN;
      figures.push({
        name: `${c.label}, ${picture.name}`,
        value: ours,
        unit: 'ms',
        baseline: { name: `sharp ${c.sharpLabel}`, value: builtIn },
        target: { on: 'ratio', max: c.step.name === 'Blur' || c.step.name === 'Sharpen' ? 2 : 1.3 },
      });
      console.log(
        `| ${picture.name} | ${c.label} | ${ms(ours)} | ${c.sharpLabel} | ${ms(builtIn)} | ${ms(convert)} | ${ratio(ours, builtIn)} | ${ratio(ours, convert)} |`,
      );
    }
  }
}

async function encoderTable(): Promise<void> {
  console.log('\n## PNG encoder settings (2048x1536 RGB; median ms of encoding alone, and size)\n');
  console.log('| picture | compressionLevel | adaptiveFiltering | ms | bytes |\n|---|---:|---|---:|---:|');
  const source = await decodePng(await makePicture(2048, 1536, false), limits);
  const pictures = [
    { name: 'noisy gradients', image: source },
    { name: 'the same, Blur 1.5', image: applyFilter(source, { name: 'Blur', parameters: { sigma: 1.5 } }) },
  ];
  for (const { name, image } of pictures) {
    for (const compressionLevel of [1, 3, 6, 9]) {
      for (const adaptiveFiltering of [false, true]) {
        let bytes = 0;
        const t = await time(
          async () => {
            const raw = { width: image.width, height: image.height, channels: image.channels };
            bytes = (await sharp(image.data, { raw }).png({ compressionLevel, adaptiveFiltering }).toBuffer()).length;
          },
          3,
          1,
        );
        console.log(`| ${name} | ${compressionLevel} | ${adaptiveFiltering} | ${ms(t)} | ${bytes} |`);
      }
    }
  }
}

async function memoryOverTasks(): Promise<void> {
  const cpus = availableParallelism();
  configureSharp({ imagesAtOnce: cpus });
  const handle = createImageTaskHandler({ ...limits, filterThreads: cpus });
  const context = {
    signal: new AbortController().signal,
    log: createLogger({ service: 'bench', level: 'silent' }),
    redelivered: false,
  };
  const inputs = await Promise.all([makePicture(256, 192, true), makePicture(320, 240, false)]);
  const steps: FilterStep[][] = [
    [{ name: 'Blur', parameters: { sigma: 2 } }],
    [{ name: 'Sharpen', parameters: { sigma: 1 } }],
    [
      { name: 'Negative', parameters: {} },
      { name: 'FlipX', parameters: {} },
      { name: 'FlipY', parameters: {} },
    ],
  ];
  const task = (i: number): TaskMessage => ({
    schema_version: 1,
    task_id: '00000000-0000-4000-8000-000000000000',
    commit_token: 'bench',
    created_at: new Date().toISOString(),
    type: 'image',
    payload: { image: inputs[i % inputs.length]!.toString('base64'), filters: steps[i % steps.length]! },
  });
  const total = 1000;
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i += cpus) {
    // `cpus` tasks at once, as the worker runs them.
    const batch = Array.from({ length: Math.min(cpus, total - i) }, (_, k) => handle(task(i + k), context));
    for (const outcome of await Promise.all(batch)) {
      if (outcome.status !== 'ready') throw new Error(`task failed: ${JSON.stringify(outcome)}`);
    }
    if ((i + cpus) % 100 < cpus) samples.push(process.memoryUsage().rss / 1024 / 1024);
  }
  const elapsed = performance.now() - start;
  await handle.close();
  // RSS moves with the garbage collector's timing; a leak shows as growth from the first half to the second.
  const half = Math.floor(samples.length / 2);
  const firstPeak = Math.max(...samples.slice(0, half));
  const secondPeak = Math.max(...samples.slice(half));
  const growth = secondPeak - firstPeak;
  const flat = growth < Math.max(25, firstPeak * 0.1);
  console.log(`\n## Memory over ${total} small tasks through the handler (${cpus} at once, ${cpus} filter threads)\n`);
  console.log(`RSS after every 100 tasks (MB): ${samples.map((s) => s.toFixed(0)).join(', ')}`);
  console.log(
    `tasks/s: ${((total / elapsed) * 1000).toFixed(0)}; peak RSS, tasks 1-${half * 100} -> ${half * 100 + 1}-${total}: ${firstPeak.toFixed(0)} -> ${secondPeak.toFixed(0)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(0)} MB): ${flat ? 'flat' : 'NOT flat'}`,
  );
}

const dir = await mkdtemp(join(tmpdir(), 'conveyor-image-bench-'));
try {
  const magick = await run('convert', ['-version']).then(
    ({ stdout }) => stdout.split('\n')[0]!,
    () => undefined,
  );
  console.log(
    `# Image filters bench\n\nsharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}; ${magick ?? 'no ImageMagick'}`,
  );
  const partNames = ['filters', 'encoder', 'memory'];
  const args = process.argv.slice(2);
  const parts = args.filter((a) => partNames.includes(a));
  const only = args.filter((a) => !partNames.includes(a));
  const wanted = (part: string) => parts.length === 0 || parts.includes(part);
  if (wanted('filters')) {
    const report = startBenchReport('image-filters', "Image filters next to sharp's nearest operation");
    await filterTable(dir, only, magick !== undefined);
    await report.write(
      `PNG in → PNG out, median ms, alternating with sharp; ImageMagick's convert and the PNG encoder settings are in the bench's output`,
      figures,
    );
  }
  if (wanted('encoder')) await encoderTable();
  if (wanted('memory')) await memoryOverTasks();
} finally {
  await rm(dir, { recursive: true, force: true });
}
