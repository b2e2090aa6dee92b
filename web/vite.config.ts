// Builds the page (web/) into dist/web/, which `exprgrad serve` (src/cli/serve.ts) serves.
// `npm run build` runs it after tsc: vite build --config web/vite.config.ts
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
// Node built-ins appear only behind `isNode` checks (src/backend/wasm/engine.ts loads node:os and
// node:worker_threads when it runs in Node): leave them out of the bundle rather than shim them.
const NODE_BUILTINS = [/^node:/];

export default defineConfig({
  root: here,
  base: '/',
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 4096,
    // Class names must survive minification: the page reports gpu.js's kernel class by its name
    // (WebGL2Kernel, WebAssemblyKernel, …), as src/backend/gpujs.ts reads it from the constructor.
    rolldownOptions: { output: { keepNames: true }, external: NODE_BUILTINS },
  },
  worker: { format: 'es', rolldownOptions: { output: { keepNames: true }, external: NODE_BUILTINS } },
  // Development (npx vite --config web/vite.config.ts): the data and the model program come from a running
  // `exprgrad serve` on its default port.
  server: {
    host: '127.0.0.1',
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: { '/data': 'http://127.0.0.1:8080', '/model.exg': 'http://127.0.0.1:8080' },
    // Cross-origin isolated as `exprgrad serve` is, so the worker's wasm threads have SharedArrayBuffer.
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
});
