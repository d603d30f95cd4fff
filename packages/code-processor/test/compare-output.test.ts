import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareOutput } from '../src/judge/compare-output.js';

describe('comparing output with expected_output', () => {
  test('exact: byte for byte, the first differing line named', () => {
    assert.equal(compareOutput('1\n2\n', '1\n2\n', 'exact'), null);
    assert.deepEqual(compareOutput('1\n2 \n', '1\n2\n', 'exact'), {
      line: 2,
      token: null,
      expected: '2',
      actual: '2 ',
    });
    assert.deepEqual(compareOutput('1\n2\n\n', '1\n2\n', 'exact'), {
      line: 3,
      token: null,
      expected: null,
      actual: '',
    });
    assert.deepEqual(compareOutput('1\n2', '1\n2\n', 'exact'), { line: 2, token: null, expected: '2\n', actual: '2' });
  });

  test('lines (the default): trailing spaces and trailing empty lines do not count', () => {
    assert.equal(compareOutput('1  \n2\t\n\n\n', '1\n2', 'lines'), null);
    assert.equal(compareOutput('1\r\n2\r\n', '1\n2\n', 'lines'), null);
    assert.deepEqual(compareOutput(' 1\n', '1\n', 'lines'), { line: 1, token: null, expected: '1', actual: ' 1' });
    assert.deepEqual(compareOutput('1\n', '1\n2\n', 'lines'), { line: 2, token: null, expected: '2', actual: null });
    assert.deepEqual(compareOutput('1\n\n2\n', '1\n2\n', 'lines'), { line: 2, token: null, expected: '2', actual: '' });
  });

  test('tokens: any whitespace between, the first differing token and its line', () => {
    assert.equal(compareOutput('1 2\n3\n', '1\n2 3', 'tokens'), null);
    assert.deepEqual(compareOutput('1 2\n4 5\n', '1 2 3 5', 'tokens'), {
      line: 2,
      token: 3,
      expected: '3',
      actual: '4',
    });
    assert.deepEqual(compareOutput('1 2', '1 2 3', 'tokens'), { line: 1, token: 3, expected: '3', actual: null });
    assert.deepEqual(compareOutput('1 2 3', '1 2', 'tokens'), { line: 1, token: 3, expected: null, actual: '3' });
  });

  test('float: numbers within abs or rel tolerance, other tokens exact', () => {
    const tol = { float: { abs: 1e-6, rel: 1e-6 } };
    assert.equal(compareOutput('3.1415926\n', '3.14159265358979', tol), null);
    assert.equal(compareOutput('1000000.5 yes', '1000000 yes', tol), null, 'within rel 1e-6 of a million');
    assert.deepEqual(compareOutput('3.1416\n', '3.14159265358979', tol), {
      line: 1,
      token: 1,
      expected: '3.14159265358979',
      actual: '3.1416',
    });
    assert.deepEqual(compareOutput('1.0 Yes', '1 yes', tol), { line: 1, token: 2, expected: 'yes', actual: 'Yes' });
    assert.deepEqual(compareOutput('nan', '1.0', tol), { line: 1, token: 1, expected: '1.0', actual: 'nan' });
    assert.equal(compareOutput('1e3', '1000.0000001', { float: { abs: 1e-3, rel: 0 } }), null);
  });

  test('a long line is cut in the report', () => {
    const diff = compareOutput('a'.repeat(5000), 'b'.repeat(5000), 'exact');
    assert.ok(diff && (diff.actual?.length ?? 0) <= 201 && (diff.expected?.length ?? 0) <= 201);
  });
});
