// The console's browser bundle: src/ui built into dist/ui, served by the
// daemon under /console/ (relative asset paths, so the prefix is free).
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src/ui',
  base: './',
  plugins: [preact()],
  build: { outDir: '../../dist/ui', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 200 },
  logLevel: 'warn',
});
