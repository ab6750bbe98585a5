// The admin web app, built into dist/web where Muster serves it at / (any non-API path falls back
// to index.html, so the app's own router owns the URL).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  // React's automatic runtime through esbuild: no Vite plugin (and no extra dependency) needed.
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    // `npx vite --config web/vite.config.ts` during development: the API comes from a Muster on 3999.
    proxy: { '/api': 'http://127.0.0.1:3999', '/scim': 'http://127.0.0.1:3999' },
  },
});
