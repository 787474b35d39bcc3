// Builds the web app (Preact, TypeScript) to web/dist, which the API serves at /. No CDN, no web fonts:
// every byte the browser needs is in dist.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  // `npx vite web` serves the app with hot reload against an API on :8080.
  server: {
    proxy: { '^/(auth|videos|search|scenes|storage|openapi.json|healthz|readyz)': 'http://127.0.0.1:8080' },
  },
});
