import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vitest/config';

// The UI lives in frontend/; the build goes to frontend/dist/app, which the Go
// binary embeds (see embed.go).
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [react(), tailwindcss()],
  build: {
    // dist/app, not dist: dist/placeholder/ is committed and must survive a build.
    outDir: 'dist/app',
    emptyOutDir: true,
    assetsDir: 'assets',
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
    },
  },
  test: {
    root,
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
    // The longest flows (the plans table: load, reorder, edit, save) take
    // about 2 s alone and near 5 s on a busy 2-core machine; a timeout is a
    // guard against a hung test, not a speed target.
    testTimeout: 15_000,
  },
});
