/** The first-load budget counts index.html, the entry and its static imports and CSS, not lazy chunks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstLoadFiles, type OutputFile } from '../vite/size-budget.js';

test('lazy chunks are left out of the first load; static imports and CSS are in', () => {
  const chunk = (fileName: string, isEntry: boolean, imports: string[], css: string[] = []): OutputFile => ({
    type: 'chunk',
    fileName,
    code: '',
    isEntry,
    imports,
    css,
  });
  const files = new Map<string, OutputFile>([
    ['index.html', { type: 'asset', fileName: 'index.html', source: '' }],
    ['assets/index.js', chunk('assets/index.js', true, ['assets/vendor.js'], ['assets/index.css'])],
    ['assets/vendor.js', chunk('assets/vendor.js', false, [])],
    ['assets/codemirror.js', chunk('assets/codemirror.js', false, ['assets/vendor.js'])],
    ['assets/index.css', { type: 'asset', fileName: 'assets/index.css', source: '' }],
  ]);
  assert.deepEqual(firstLoadFiles(files), ['assets/index.css', 'assets/index.js', 'assets/vendor.js', 'index.html']);
});
