/** The web app's build: static files in dist/, which the API serves at `/` (packages/api/src/web). */
import { defineConfig } from 'vite';
import { sizeBudget } from './vite/size-budget.js';

export default defineConfig({
  // The API serves the app at the origin's root; hashed files go under /assets/ (cached for a year).
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline data: URLs for assets: the page's CSP allows only its own files.
    assetsInlineLimit: 0,
    // The size budget below reports gzip sizes itself.
    reportCompressedSize: false,
    modulePreload: { polyfill: false },
  },
  plugins: [sizeBudget()],
});
