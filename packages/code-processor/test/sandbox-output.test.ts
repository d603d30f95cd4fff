import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DockerStreamDemuxer, type OutputStream } from '../src/sandbox/docker-stream-demuxer.js';
import { SandboxOutput } from '../src/sandbox/sandbox-output.js';
import { endMark } from '../src/sandbox/supervisor-script.js';

import { END, NO_COMPILE, TEST_NONCE, testFrame, trailer } from './supervisor-protocol.js';

const MARK = endMark(TEST_NONCE);

function feedBytewise(output: SandboxOutput, stream: OutputStream, text: string) {
  const events = [];
  for (const byte of Buffer.from(text)) events.push(output.push(stream, Buffer.from([byte])));
  return events.filter((e) => e !== null);
}

describe('SandboxOutput', () => {
  test('reads a compile prelude split anywhere, then the program output and its exit status', () => {
    const output = new SandboxOutput(100, MARK);
    const prelude = '\x1eprelude 1 256 3 3 12 5 420 0\nouterror';
    const measured = { cpuMs: 30, memoryKb: 1234, oomKilled: true };
    const events = feedBytewise(output, 'stdout', `${prelude}hello\n${trailer(11, 35, false, measured)}${END}`);
    assert.deepEqual(events, ['prelude']);
    assert.deepEqual(output.prelude, {
      compile: { waitStatus: 256, stdout: 'out', stderr: 'error', truncated: true, timeMs: 420, timedOut: false },
    });
    assert.equal(output.complete, false, 'stderr has not ended');
    output.push('stderr', Buffer.from(`oops${END}`));
    assert.equal(output.complete, true);
    assert.deepEqual(output.finish(), {
      stdout: 'hello\n',
      stderr: 'oops',
      truncated: false,
      waitStatus: 11,
      timeMs: 35,
      timedOut: false,
      ...measured,
    });
  });

  test('stderr that arrives before the prelude is the program stderr', () => {
    const output = new SandboxOutput(100, MARK);
    output.push('stderr', Buffer.from('early'));
    output.push('stdout', Buffer.from(`${NO_COMPILE}${trailer(0)}`));
    assert.equal(output.finish().stderr, 'early');
  });

  test('output of exactly the limit is kept whole with its trailer', () => {
    const output = new SandboxOutput(8, MARK);
    assert.equal(output.push('stdout', Buffer.from(`${NO_COMPILE}12345678${trailer(0)}${END}`)), 'prelude');
    assert.deepEqual(output.finish(), {
      stdout: '12345678',
      stderr: '',
      truncated: false,
      waitStatus: 0,
      timeMs: 0,
      timedOut: false,
      cpuMs: 0,
      memoryKb: 0,
      oomKilled: false,
    });
  });

  test('one byte past the limit is over it once its trailer and end mark come, and only the limit is kept', () => {
    const output = new SandboxOutput(8, MARK);
    output.push('stdout', Buffer.from(NO_COMPILE));
    assert.equal(output.push('stdout', Buffer.from('123456789')), null);
    assert.equal(output.push('stdout', Buffer.from(`${trailer(0)}${END}`)), 'over_limit');
    const finished = output.finish();
    assert.equal(finished.stdout, '12345678');
    assert.equal(finished.truncated, true);
    assert.equal(finished.waitStatus, null);
  });

  test('the prelude and output past the limit in one chunk: both are seen', () => {
    const output = new SandboxOutput(8, MARK);
    assert.equal(output.push('stdout', Buffer.from(`${NO_COMPILE}${'z'.repeat(200)}`)), 'over_limit');
    assert.deepEqual(output.prelude, { compile: null });
    assert.equal(output.finish().stdout, 'zzzzzzzz');
  });

  test('stderr past the limit and the room of its end mark is over it', () => {
    const output = new SandboxOutput(4, MARK);
    output.push('stdout', Buffer.from(NO_COMPILE));
    assert.equal(output.push('stderr', Buffer.from(`1234${'x'.repeat(END.length)}`)), null);
    assert.equal(output.push('stderr', Buffer.from('x')), 'over_limit');
    assert.equal(output.finish().stderr, '1234');
  });

  test('stderr of exactly the limit is kept whole with its end mark; a byte more is cut when it ends', () => {
    const whole = new SandboxOutput(4, MARK);
    assert.equal(whole.push('stderr', Buffer.from(`1234${END}`)), null);
    assert.deepEqual([whole.finish().stderr, whole.finish().truncated], ['1234', false]);
    const over = new SandboxOutput(4, MARK);
    over.push('stderr', Buffer.from(`12345${END}`));
    assert.deepEqual([over.finish().stderr, over.finish().truncated], ['1234', true]);
  });

  test('a trailer counts only when the end mark follows it: one the program printed itself is output', () => {
    const output = new SandboxOutput(100, MARK);
    output.push('stdout', Buffer.from(`${NO_COMPILE}hi\n${trailer(0, 40)}`));
    const finished = output.finish();
    assert.equal(finished.waitStatus, null);
    assert.equal(finished.stdout, `hi\n${trailer(0, 40)}`);
  });

  test('complete once both streams end with the end mark of this nonce, split anywhere; another nonce is output', () => {
    const output = new SandboxOutput(200, MARK);
    const forged = endMark('f'.repeat(32)).toString();
    feedBytewise(output, 'stdout', `${NO_COMPILE}hi\n${forged}`);
    feedBytewise(output, 'stderr', forged);
    assert.equal(output.complete, false, 'a mark with another nonce');
    feedBytewise(output, 'stdout', `${trailer(0)}${END}`);
    assert.equal(output.complete, false, 'stdout alone');
    feedBytewise(output, 'stderr', END);
    assert.equal(output.complete, true);
    const finished = output.finish();
    assert.deepEqual([finished.stdout, finished.stderr, finished.waitStatus], [`hi\n${forged}`, forged, 0]);
  });

  test('a program that fakes a trailer mid-stream does not fool it; only the last one counts', () => {
    const output = new SandboxOutput(100, MARK);
    output.push('stdout', Buffer.from(`${NO_COMPILE}${trailer(0)}after${END}`));
    const finished = output.finish();
    assert.equal(finished.waitStatus, null);
    assert.equal(finished.stdout, `${trailer(0)}after`);
  });

  test('a supervisor failure is reported with its message', () => {
    const output = new SandboxOutput(100, MARK);
    assert.throws(
      () => output.push('stdout', Buffer.from('\x1efailed: cannot write main.c: No space left\n')),
      /cannot write main\.c: No space left/,
    );
  });
});

describe('DockerStreamDemuxer', () => {
  test('splits frames across chunk boundaries', () => {
    const frame = (type: number, text: string) => {
      const payload = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = type;
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    };
    const seen: string[] = [];
    const demuxer = new DockerStreamDemuxer((stream, chunk) => seen.push(`${stream}:${chunk}`));
    const all = Buffer.concat([frame(1, 'out'), frame(2, 'err'), frame(1, 'more')]);
    for (let i = 0; i < all.length; i += 5) demuxer.push(all.subarray(i, i + 5));
    assert.deepEqual(seen, ['stdout:out', 'stderr:err', 'stdout:more']);
  });

  test('judge mode: after the prelude, stdout is test frames, each with its own output, split anywhere', () => {
    const output = new SandboxOutput(10, MARK, 'judge');
    const frames = `${testFrame(0, { stdout: 'one\n', stderr: 'e', cpuMs: 7, memoryKb: 900 })}${testFrame(1, { status: 9, oom: 1, stdout: '0123456789', outTotal: 11 })}`;
    feedBytewise(output, 'stdout', `${NO_COMPILE}${frames}${END}`);
    feedBytewise(output, 'stderr', END);
    assert.equal(output.complete, true);
    assert.equal(output.finish().stderr, '');
    assert.deepEqual(output.testFrames, [
      {
        index: 0,
        waitStatus: 0,
        timeMs: 5,
        timedOut: 0,
        cpuMs: 7,
        memoryKb: 900,
        oomKilled: false,
        stdout: 'one\n',
        stderr: 'e',
        outputLimited: false,
      },
      {
        index: 1,
        waitStatus: 9,
        timeMs: 5,
        timedOut: 0,
        cpuMs: 3,
        memoryKb: 1000,
        oomKilled: true,
        stdout: '0123456789',
        stderr: '',
        outputLimited: true,
      },
    ]);
  });

  test('judge mode: bytes that are not a frame, or a frame keeping more than the limit, break the protocol', () => {
    const stray = new SandboxOutput(10, MARK, 'judge');
    stray.push('stdout', Buffer.from(NO_COMPILE));
    assert.throws(() => stray.push('stdout', Buffer.from('hello\n')), /not a test frame/);
    const big = new SandboxOutput(4, MARK, 'judge');
    big.push('stdout', Buffer.from(NO_COMPILE));
    assert.throws(
      () => big.push('stdout', Buffer.from(testFrame(0, { stdout: 'too long' }))),
      /more than the output limit/,
    );
    const after = new SandboxOutput(10, MARK, 'judge');
    after.push('stdout', Buffer.from(`${NO_COMPILE}${END}`));
    assert.throws(() => after.push('stdout', Buffer.from(testFrame(0))), /after the end mark/);
  });
});
