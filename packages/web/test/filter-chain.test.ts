/** The filter-chain builder: add, remove, reorder, edit, and the checks against the API's caps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChainStep, describeChain, newStep, reduceChain, validateChain } from '../src/logic/filter-chain.js';
import { LIMITS } from './limits-fixture.js';

const image = LIMITS.image;
const names = (steps: ChainStep[]) => steps.map((s) => s.name);

test('steps are added (default filter and sigma), renamed, moved and removed by id', () => {
  let steps = [newStep(image)];
  assert.equal(steps[0]?.name, 'Blur');
  assert.equal(steps[0]?.sigma, '1');
  steps = reduceChain(steps, { type: 'add', name: 'Negative' }, image);
  steps = reduceChain(steps, { type: 'add', name: 'FlipX' }, image);
  assert.deepEqual(names(steps), ['Blur', 'Negative', 'FlipX']);
  const [blur, negative, flip] = steps as [ChainStep, ChainStep, ChainStep];
  steps = reduceChain(steps, { type: 'move', id: flip.id, by: -1 }, image);
  assert.deepEqual(names(steps), ['Blur', 'FlipX', 'Negative']);
  steps = reduceChain(steps, { type: 'move', id: blur.id, by: -1 }, image);
  assert.deepEqual(names(steps), ['Blur', 'FlipX', 'Negative'], 'the first step cannot move up');
  steps = reduceChain(steps, { type: 'move', id: negative.id, by: 1 }, image);
  assert.deepEqual(names(steps), ['Blur', 'FlipX', 'Negative'], 'the last step cannot move down');
  steps = reduceChain(steps, { type: 'rename', id: flip.id, name: 'Sharpen' }, image);
  steps = reduceChain(steps, { type: 'remove', id: blur.id }, image);
  assert.deepEqual(names(steps), ['Sharpen', 'Negative']);
});

test('no more steps than the API takes', () => {
  let steps: ChainStep[] = [];
  for (let i = 0; i < image.max_steps + 3; i++) steps = reduceChain(steps, { type: 'add' }, image);
  assert.equal(steps.length, image.max_steps);
});

test('a valid chain becomes the wire steps: sigma only on the filters that take it', () => {
  let steps = [newStep(image)];
  steps = reduceChain(steps, { type: 'sigma', id: steps[0]!.id, value: '2.5' }, image);
  steps = reduceChain(steps, { type: 'add', name: 'Negative' }, image);
  const check = validateChain(steps, image);
  assert.deepEqual(check, { ok: true, steps: [{ name: 'Blur', parameters: { sigma: 2.5 } }, { name: 'Negative' }] });
  if (check.ok) assert.equal(describeChain(check.steps), 'Blur σ 2.5 → Negative');
});

test("sigma outside the contract's bounds is named on its step; an empty chain on the chain", () => {
  for (const bad of ['0', '-1', '50.5', '', 'abc']) {
    const steps = reduceChain([newStep(image)], { type: 'add', name: 'Sharpen' }, image);
    const sharpen = steps[1]!;
    const edited = reduceChain(steps, { type: 'sigma', id: sharpen.id, value: bad }, image);
    const check = validateChain(edited, image);
    assert.equal(check.ok, false, `sigma ${JSON.stringify(bad)}`);
    if (!check.ok) {
      assert.match(check.steps.get(sharpen.id) ?? '', /greater than 0 and at most 50/);
      assert.equal(check.steps.has(steps[0]!.id), false);
    }
  }
  const only = newStep(image);
  const atMax = reduceChain([only], { type: 'sigma', id: only.id, value: '50' }, image);
  assert.deepEqual(validateChain(atMax, image), { ok: true, steps: [{ name: 'Blur', parameters: { sigma: 50 } }] });
  const empty = validateChain([], image);
  assert.equal(empty.ok, false);
  if (!empty.ok) assert.match(empty.chain ?? '', /at least one/);
});
