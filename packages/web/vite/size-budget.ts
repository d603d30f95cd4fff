/**
 * The first-load size budget: what a browser must fetch before the page works (index.html, the entry
 * script and the scripts it imports statically, their CSS), gzipped. The build prints every file's sizes
 * and fails when the first load is over the budget; lazily loaded chunks (the code editor) are listed but
 * do not count.
 */
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

export const FIRST_LOAD_BUDGET_BYTES = 200 * 1024;

/** The parts of Rollup's output bundle this needs. */
export type OutputFile =
  | { type: 'chunk'; fileName: string; code: string; isEntry: boolean; imports: string[]; css: string[] }
  | { type: 'asset'; fileName: string; source: string | Uint8Array };

/** The files of the first load: index.html, every entry chunk and its static imports, and their CSS. */
export function firstLoadFiles(files: ReadonlyMap<string, OutputFile>): string[] {
  const chosen = new Set<string>();
  const visit = (name: string) => {
    const file = files.get(name);
    if (!file || chosen.has(name)) return;
    chosen.add(name);
    if (file.type === 'chunk') {
      for (const css of file.css) chosen.add(css);
      for (const imported of file.imports) visit(imported);
    }
  };
  if (files.has('index.html')) chosen.add('index.html');
  for (const file of files.values()) if (file.type === 'chunk' && file.isEntry) visit(file.fileName);
  return [...chosen].sort();
}

export function gzipSize(content: string | Uint8Array): number {
  return gzipSync(content, { level: 9 }).length;
}

export function sizeBudget(budget = FIRST_LOAD_BUDGET_BYTES): Plugin {
  return {
    name: 'conveyor-size-budget',
    // After Vite's own plugins, so index.html is in the bundle.
    enforce: 'post',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = new Map<string, OutputFile>();
      for (const [name, out] of Object.entries(bundle)) {
        files.set(
          name,
          out.type === 'chunk'
            ? {
                type: 'chunk',
                fileName: name,
                code: out.code,
                isEntry: out.isEntry,
                imports: out.imports,
                css: [...(out.viteMetadata?.importedCss ?? [])],
              }
            : { type: 'asset', fileName: name, source: out.source },
        );
      }
      const first = new Set(firstLoadFiles(files));
      let total = 0;
      const lines: string[] = [];
      for (const file of [...files.values()].sort((a, b) => a.fileName.localeCompare(b.fileName))) {
        const content = file.type === 'chunk' ? file.code : file.source;
        const gz = gzipSize(content);
        if (first.has(file.fileName)) total += gz;
        const tag = first.has(file.fileName) ? 'first load' : 'lazy';
        lines.push(`  ${file.fileName.padEnd(44)} ${(gz / 1024).toFixed(1).padStart(7)} KB gzip  ${tag}`);
      }
      const verdict = total <= budget ? 'within' : 'OVER';
      const summary = `first load ${(total / 1024).toFixed(1)} KB gzip, ${verdict} the budget of ${budget / 1024} KB`;
      this.info(`sizes:\n${lines.join('\n')}\n  ${summary}`);
      if (total > budget) this.error(summary);
    },
  };
}
