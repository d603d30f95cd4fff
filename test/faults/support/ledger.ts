/**
 * The ledger of one scenario: every task the suite submitted, with its unique expected output, checked at
 * the end for
 * - lost: never final (still in_progress at the deadline, or gone),
 * - wrong: final with a result that is not the expected one (another task's output, a false verdict),
 * - failed: good work that ended `failed`,
 * - run twice: tasks whose sandbox was created more than once (from the engine's events, per task label).
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { ApiClient, TaskView } from './api-client.js';

interface Entry {
  id: string;
  kind: 'code' | 'image';
  /** Code: the exact stdout. Image: the raw RGB pixels of the expected picture. */
  expected: string | Buffer;
}

export interface LedgerCounts {
  tasks: number;
  lost: number;
  wrong: number;
  failed: number;
  runTwice: number;
  /** Up to a few examples of what went wrong, for the assertion message. */
  problems: string[];
}

const IMAGE_SIDE = 1200;

export class Ledger {
  readonly entries: Entry[] = [];
  readonly final = new Map<string, TaskView>();

  constructor(private readonly client: ApiClient) {}

  /** A Python task that sleeps, then prints a label no other task prints. */
  async code(options: { sleepS?: number; timeMs?: number } = {}): Promise<string> {
    const label = `ledger-${randomBytes(8).toString('hex')}`;
    const sleep = options.sleepS ? `import time\ntime.sleep(${options.sleepS})\n` : '';
    const id = await this.client.submit({
      translator: 'python3',
      code: `${sleep}print(${JSON.stringify(label)})\n`,
      limits: { time_ms: options.timeMs ?? 5000 },
    });
    this.entries.push({ id, kind: 'code', expected: `${label}\n` });
    return id;
  }

  /** A Negative of a picture of its own (a gradient from a random seed), big enough to take a moment. */
  async image(): Promise<string> {
    const seed = randomBytes(3);
    const raw = Buffer.alloc(IMAGE_SIDE * IMAGE_SIDE * 3);
    for (let y = 0; y < IMAGE_SIDE; y++) {
      for (let x = 0; x < IMAGE_SIDE; x++) {
        const i = (y * IMAGE_SIDE + x) * 3;
        raw[i] = (x + seed[0]!) & 255;
        raw[i + 1] = (y + seed[1]!) & 255;
        raw[i + 2] = (x * y + seed[2]!) & 255;
      }
    }
    const png = await sharp(raw, { raw: { width: IMAGE_SIDE, height: IMAGE_SIDE, channels: 3 } })
      .png()
      .toBuffer();
    const id = await this.client.submit({ filter: { name: 'Negative' }, image: png.toString('base64') });
    this.entries.push({ id, kind: 'image', expected: Buffer.from(raw.map((v) => 255 - v)) });
    return id;
  }

  /** Polls until every task is final or the time is up. */
  async waitAllFinal(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pending = this.entries.filter((e) => !this.final.has(e.id));
      if (pending.length === 0) return;
      if (Date.now() > deadline) return;
      for (let i = 0; i < pending.length; i += 20) {
        await Promise.all(
          pending.slice(i, i + 20).map(async (entry) => {
            const view = await this.client.status(entry.id).catch(() => undefined);
            if (view && 'status' in view && view.status !== 'in_progress') this.final.set(entry.id, view);
          }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** How many tasks are final so far (for waits inside a scenario). */
  get finalCount(): number {
    return this.final.size;
  }

  async check(creations: Map<string, number>): Promise<LedgerCounts> {
    const counts: LedgerCounts = {
      tasks: this.entries.length,
      lost: 0,
      wrong: 0,
      failed: 0,
      runTwice: 0,
      problems: [],
    };
    const note = (text: string) => {
      if (counts.problems.length < 5) counts.problems.push(text);
    };
    for (const entry of this.entries) {
      if (entry.kind === 'code' && (creations.get(entry.id) ?? 0) > 1) counts.runTwice++;
      const view = this.final.get(entry.id);
      if (!view) {
        counts.lost++;
        note(`${entry.id}: never final`);
        continue;
      }
      const result = await this.client.result(entry.id);
      if (result.status === 'failed') {
        counts.failed++;
        note(`${entry.id}: failed ${JSON.stringify(result.error)}`);
        continue;
      }
      if (!(await this.matches(entry, result))) {
        counts.wrong++;
        note(`${entry.id}: wrong ${JSON.stringify(result.result).slice(0, 300)}`);
      }
    }
    return counts;
  }

  private async matches(entry: Entry, result: TaskView): Promise<boolean> {
    if (entry.kind === 'code') {
      const r = result.result as { verdict?: string; stdout?: string } | null;
      return r?.verdict === 'ok' && r.stdout === entry.expected;
    }
    const png = await this.client.png(entry.id);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    return info.channels === 3 && data.equals(entry.expected as Buffer);
  }
}
