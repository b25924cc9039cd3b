// Not needed to build or run the app: these headers only make the dev and
// preview servers cross-origin isolated, so the threaded build runs (on a
// host without them, the single-threaded build does).
import { defineConfig } from 'vite';

const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
  // ECharts makes the page's main chunk ~600 kB (the library itself is ~50 kB gzipped).
  build: { chunkSizeWarningLimit: 1000 },
});
