import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DockerStreamDemuxer, type OutputStream } from '../src/sandbox/docker-stream-demuxer.js';
import { SandboxOutput } from '../src/sandbox/sandbox-output.js';

import { NO_COMPILE, testFrame, trailer } from './supervisor-protocol.js';

function feedBytewise(output: SandboxOutput, stream: OutputStream, text: string) {
  const events = [];
  for (const byte of Buffer.from(text)) events.push(output.push(stream, Buffer.from([byte])));
  return events.filter((e) => e !== null);
}

describe('SandboxOutput', () => {
  test('reads a compile prelude split anywhere, then the program output and its exit status', () => {
    const output = new SandboxOutput(100);
    const prelude = '\x1eprelude 1 256 3 3 12 5 420 0\nouterror';
    const measured = { cpuMs: 30, memoryKb: 1234, oomKilled: true };
    const events = feedBytewise(output, 'stdout', `${prelude}hello\n${trailer(11, 35, false, measured)}`);
    assert.deepEqual(events, ['prelude']);
    assert.deepEqual(output.prelude, {
      compile: { waitStatus: 256, stdout: 'out', stderr: 'error', truncated: true, timeMs: 420, timedOut: false },
    });
    output.push('stderr', Buffer.from('oops'));
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
    const output = new SandboxOutput(100);
    output.push('stderr', Buffer.from('early'));
    output.push('stdout', Buffer.from(`${NO_COMPILE}${trailer(0)}`));
    assert.equal(output.finish().stderr, 'early');
  });

  test('output of exactly the limit is kept whole with its trailer', () => {
    const output = new SandboxOutput(8);
    assert.equal(output.push('stdout', Buffer.from(`${NO_COMPILE}12345678${trailer(0)}`)), 'prelude');
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

  test('one byte past the limit is over it, and only the limit is kept', () => {
    const output = new SandboxOutput(8);
    output.push('stdout', Buffer.from(NO_COMPILE));
    assert.equal(output.push('stdout', Buffer.from('123456789')), null);
    assert.equal(output.push('stdout', Buffer.from(trailer(0))), 'over_limit');
    const finished = output.finish();
    assert.equal(finished.stdout, '12345678');
    assert.equal(finished.truncated, true);
    assert.equal(finished.waitStatus, null);
  });

  test('the prelude and output past the limit in one chunk: both are seen', () => {
    const output = new SandboxOutput(8);
    assert.equal(output.push('stdout', Buffer.from(`${NO_COMPILE}${'z'.repeat(100)}`)), 'over_limit');
    assert.deepEqual(output.prelude, { compile: null });
    assert.equal(output.finish().stdout, 'zzzzzzzz');
  });

  test('stderr past the limit is over it', () => {
    const output = new SandboxOutput(4);
    output.push('stdout', Buffer.from(NO_COMPILE));
    assert.equal(output.push('stderr', Buffer.from('12345')), 'over_limit');
    assert.equal(output.finish().stderr, '1234');
  });

  test('a program that fakes a trailer mid-stream does not fool it; only the last one counts', () => {
    const output = new SandboxOutput(100);
    output.push('stdout', Buffer.from(`${NO_COMPILE}${trailer(0)}after`));
    const finished = output.finish();
    assert.equal(finished.waitStatus, null);
    assert.equal(finished.stdout, `${trailer(0)}after`);
  });

  test('a supervisor failure is reported with its message', () => {
    const output = new SandboxOutput(100);
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
    const output = new SandboxOutput(10, 'judge');
    const frames = `${testFrame(0, { stdout: 'one\n', stderr: 'e', cpuMs: 7, memoryKb: 900 })}${testFrame(1, { status: 9, oom: 1, stdout: '0123456789', outTotal: 11 })}`;
    feedBytewise(output, 'stdout', `${NO_COMPILE}${frames}`);
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
    const stray = new SandboxOutput(10, 'judge');
    stray.push('stdout', Buffer.from(NO_COMPILE));
    assert.throws(() => stray.push('stdout', Buffer.from('hello\n')), /not a test frame/);
    const big = new SandboxOutput(4, 'judge');
    big.push('stdout', Buffer.from(NO_COMPILE));
    assert.throws(
      () => big.push('stdout', Buffer.from(testFrame(0, { stdout: 'too long' }))),
      /more than the output limit/,
    );
  });
});
