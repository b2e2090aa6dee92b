// Browser tests: a Vite dev server on 127.0.0.1 serves pages from this repository, and Chromium (Debian's
// /usr/bin/chromium, else the npm package @sparticuz/chromium: see chromium.ts) runs them headless through playwright-core. Without a GPU, Chromium's
// WebGL2 runs on SwiftShader: slow, but real WebGL2 kernels, so the GPU code path is tested here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { findChromium, CHROMIUM_ARGS } from './chromium.js';
import { chromium, type Browser } from 'playwright-core';

const root = fileURLToPath(new URL('../..', import.meta.url));

let server: ViteDevServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  const chrome = await findChromium();
  server = await createServer({ root, logLevel: 'error', server: { host: '127.0.0.1', port: 0, strictPort: false }, optimizeDeps: { include: ['gpu.js'] } });
  await server.listen();
  const address = server.httpServer!.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  browser = await chromium.launch({
    executablePath: chrome.executablePath,
    env: chrome.env,
    args: CHROMIUM_ARGS,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('gpujs backend in Chromium (WebGL2)', () => {
  it('every tensor-op case, every elementwise op and an MLP gradient match the JS backend; the kernels were WebGL2', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    // The page computes at load (top-level await), and Vite transforms modules on first load: wait for the results, not the load event.
    await page.goto(`${base}/test/browser/gpujs.html`, { waitUntil: 'commit', timeout: 180_000 });
    await page.waitForFunction(() => (window as unknown as { __results?: unknown }).__results !== undefined, undefined, { timeout: 240_000 });
    const results = (await page.evaluate(() => (window as unknown as { __results: unknown }).__results)) as { name: string; worst: number; description: string; error?: string; tolerance?: number }[];
    expect(errors).toEqual([]);
    expect(results.length).toBeGreaterThan(20);
    const worst = Math.max(...results.map((r) => r.worst));
    console.log(`browser parity: ${results.length} programs, worst relative difference ${worst.toExponential(2)}, kernels: ${results[0].description}`);
    for (const r of results) {
      expect(r.error, r.name).toBeUndefined();
      expect(r.description, r.name).toMatch(r.name.startsWith('wasm') ? /WebAssembly SIMD/ : /WebGL2Kernel/);
      expect(r.worst, r.name).toBeLessThan(r.tolerance ?? 1e-4);
    }
    await page.close();
  }, 300_000);
});
