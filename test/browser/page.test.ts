// The page of `exprgrad serve`, end to end: the real server (src/cli/serve.ts, in process, on a free port) serves
// the built page (dist/web, rebuilt here when web/ or src/ is newer) and MNIST; Debian's Chromium runs it headless
// through playwright-core with the flags of browser.test.ts (WebGL2 on SwiftShader where there is no GPU).
// Checked: the server's rules (GET/HEAD only, no path traversal, verified MNIST bytes); the page loads without
// console errors; a typed formula shows the right derivatives; a syntax error is shown at its column; 200 training
// steps in the worker lower the loss and report the kernel class that ran; a digit drawn with mouse strokes (from
// a real test image) gets a prediction. Screenshots of each panel go to test-artifacts/page-*.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { build } from 'vite';
import { findChromium, CHROMIUM_ARGS } from './chromium.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/cli/serve.js';
import { parse } from '../../src/parse/parse.js';
import { format } from '../../src/print/print.js';
import { derivative } from '../../src/diff/diff.js';
import { readIdx } from '../../src/data/idx.js';
import { MNIST_FILES } from '../../src/data/mnist.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const webRoot = join(root, 'dist', 'web');
const artifacts = join(root, 'test-artifacts');

let server: RunningServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

/** Newest modification time under a folder (files only). */
function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newest(p));
    else t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** Build the page unless dist/web is newer than web/ and src/ (npm test has just built it). */
async function ensureBuilt(): Promise<void> {
  const index = join(webRoot, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(newest(join(root, 'web')), newest(join(root, 'src')))) return;
  await build({ configFile: join(root, 'web', 'vite.config.ts'), logLevel: 'error' });
}

function raw(method: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

const shot = (name: string) => page.screenshot({ path: join(artifacts, `page-${name}.png`), fullPage: true });
const state = (sel: string, key: string) => page.locator(sel).getAttribute(`data-${key}`);

beforeAll(async () => {
  const chrome = await findChromium();
  mkdirSync(artifacts, { recursive: true });
  await ensureBuilt();
  server = await startServer({ port: 0, webRoot });
  await server.data;
  browser = await chromium.launch({
    executablePath: chrome.executablePath,
    env: chrome.env,
    args: CHROMIUM_ARGS,
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url) && !/^(data|blob):/.test(r.url())) problems.push(`request to another host: ${r.url()}`);
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('exprgrad serve', () => {
  it('serves GET/HEAD only, 404 for unknown paths and traversal, the MNIST files verified', async () => {
    expect((await raw('GET', '/')).status).toBe(200);
    const head = await raw('HEAD', '/');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(100);
    expect((await raw('POST', '/')).status).toBe(405);
    expect((await raw('PUT', '/model.exg')).status).toBe(405);
    for (const p of ['/nope', '/../package.json', '/assets/../../package.json', '/%2e%2e/package.json', '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/..%5c..%5cpackage.json', '/%00', '/%', '/assets', '/data/../../package.json', '/data/nope']) {
      expect((await raw('GET', p)).status, p).toBe(404);
    }
    const model = await raw('GET', '/model.exg');
    expect(model.body.toString()).toContain('logits = h3 @ W4 + b4');
    const labels = await raw('GET', '/data/t10k-labels-idx1-ubyte');
    const info = MNIST_FILES.find((f) => f.name === 't10k-labels-idx1-ubyte')!;
    expect(labels.headers['x-content-sha256']).toBe(info.rawSha256);
    // Cross-origin isolated (the wasm backend's threads need SharedArrayBuffer in the worker).
    expect(labels.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(labels.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(createHash('sha256').update(labels.body).digest('hex')).toBe(info.rawSha256);
    expect(String(labels.headers['content-security-policy'])).toContain("default-src 'self'");
  });

  it('usage: --help, a bad port, a port in use, an extra argument (exit 2, one line, no stack)', async () => {
    const cli = async (argv: string[]) => {
      let out = '';
      let err = '';
      const status = await main(argv, { stdin: Readable.from([]), stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
      return { status, out, err };
    };
    const help = await cli(['serve', '--help']);
    expect(help.status).toBe(0);
    expect(help.out).toMatch(/--port/);
    expect((await cli(['--help'])).out).toMatch(/serve/);
    for (const [argv, pattern] of [
      [['serve', '--port', 'http'], /--port expects a port number/],
      [['serve', '--port', '70000'], /--port expects a port number/],
      [['serve', '--port', String(server.port)], /port \d+ on 127\.0\.0\.1 is in use/],
      [['serve', 'now'], /unexpected argument 'now'/],
    ] as const) {
      const r = await cli([...argv]);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(pattern);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  const bin = join(root, 'bin', 'exprgrad.js');
  it.runIf(existsSync(join(root, 'dist', 'cli', 'serve.js')))('the installed command prints its address, serves, and stops cleanly on Ctrl-C (SIGINT)', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no address printed: ${out} ${err}`)), 15_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
    });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>exprgrad');
    const t0 = performance.now();
    const exit = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(err).toMatch(/server stopped/);
  });
});

describe('the page in Chromium', () => {
  it('loads without console errors; the worker reports what it can run', async () => {
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready]');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#train-status').dataset.renderer !== undefined);
    await page.locator('#math-f .katex').waitFor();
    await page.waitForTimeout(300);
    expect(problems).toEqual([]);
  });

  it('Formula: a typed formula shows its derivatives (KaTeX) and a plot', async () => {
    const f = 'x^3*sin(x)';
    await page.fill('#formula', f);
    const d1 = format(derivative(parse(f), 'x'), 'plain');
    const d2 = format(derivative(parse(f), 'x', 2), 'plain');
    await expect.poll(() => state('#math-d1', 'plain')).toBe(d1);
    expect(await state('#math-f', 'plain')).toBe(format(parse(f), 'plain'));
    expect(await state('#math-d2', 'plain')).toBe(d2);
    // KaTeX rendered it: the MathML annotation holds the LaTeX, the visible HTML the symbols.
    const tex = await page.locator('#math-d1 annotation').textContent();
    expect(tex).toContain(format(derivative(parse(f), 'x'), 'latex'));
    expect(await page.locator('#math-d1 .katex-html').textContent()).toMatch(/cos/);
    expect(Number(await page.locator('#formula-plot').getAttribute('data-tape-vs-symbolic'))).toBeLessThan(1e-12);
    await expect.poll(() => page.locator('#formula-error').isHidden()).toBe(true);
    await shot('formula');
  });

  it('Formula: a syntax error is shown at its position', async () => {
    await page.fill('#formula', 'sin(x) + * 3');
    await page.locator('#formula-error').waitFor({ state: 'visible' });
    expect(await state('#formula-error', 'column')).toBe('10');
    expect(await page.locator('#formula-error .error-title').textContent()).toMatch(/Syntax error at column 10/);
    const excerpt = (await page.locator('#formula-error .excerpt').textContent())!.split('\n');
    expect(excerpt[0].trim()).toBe('sin(x) + * 3');
    expect(excerpt[1].indexOf('^') - excerpt[0].indexOf('s')).toBe(9); // the caret under the '*'
    expect(await page.locator('#formula-mark mark').textContent()).toBe('*');
    await shot('formula-error');
    await page.fill('#formula', 'sin(x^2) * exp(-x/4)');
    await page.locator('#formula-error').waitFor({ state: 'hidden' });
  });

  it('Train: 200 steps on a subset in the worker lower the loss; the kernel class that ran is named', async () => {
    await page.click('#tab-train');
    await expect.poll(() => page.inputValue('#program')).toContain('softmax_cross_entropy');
    await shot('train-idle');
    // A smaller MLP (784 → 64 → 10) so that 200 steps fit the test's time on SwiftShader.
    const program = (await page.inputValue('#program'))
      .replace(/W1 : \[784, 512\][^\n]*\n(?:W[23][^\n]*\n)+W4 : \[128, 10\];\s*b4 : \[10\]/, 'W1 : [784, 64]; b1 : [64]\nW2 : [64, 10];  b2 : [10]')
      .replace(/h2 = [^\n]*\nh3 = [^\n]*\nlogits = h3 @ W4 \+ b4/, 'logits = h1 @ W2 + b2');
    expect(program).toContain('logits = h1 @ W2 + b2');
    await page.fill('#program', program);
    await page.selectOption('#set-backend', 'gpujs:gpu');
    await page.fill('#set-epochs', '1');
    await page.fill('#set-batch', '32');
    await page.fill('#set-limit', '8000'); // 6,400 to train on: 200 steps of 32
    await page.fill('#set-max-steps', '200');
    const t0 = performance.now();
    await page.click('#train-start');
    await page.waitForFunction(() => ['done', 'stopped', 'error'].includes((globalThis as any).document.querySelector('#train-status').dataset.state), undefined, { timeout: 150_000 });
    const seconds = (performance.now() - t0) / 1000;
    const s = await page.locator('#train-status').evaluate((el) => ({ ...(el as any).dataset, text: el.textContent }));
    const env = await page.locator('#stat-env').textContent();
    console.log(
      `page training: ${s.steps} steps in ${seconds.toFixed(1)} s (${s.stepsPerSecond} steps/s at the end), loss ${Number(s.firstLoss).toFixed(3)} → ${Number(s.lastLoss).toFixed(3)}, ` +
        `test accuracy ${s.testAccuracy}; training kernels: ${s.kernels}; evaluation: ${s.modelKernels}; worker: ${env}`,
    );
    expect(s.state, s.text).toBe('done');
    expect(Number(s.steps)).toBe(200);
    expect(Number(s.lastLoss)).toBeLessThan(Number(s.firstLoss) * 0.5);
    expect(Number(s.testAccuracy)).toBeGreaterThan(0.75);
    expect(Number(s.stepsPerSecond)).toBeGreaterThan(0);
    // SwiftShader gives the worker WebGL2 through OffscreenCanvas: gpu.js's mode 'gpu' must have picked it.
    expect(s.renderer).toMatch(/SwiftShader|ANGLE|Mesa|NVIDIA|AMD|Intel|Apple/);
    expect(s.kernels).toMatch(/^gpu\.js WebGL2Kernel \(mode 'gpu', float32\)$/);
    expect(await page.locator('#stat-kernels').textContent()).toBe(s.kernels);
    await page.waitForTimeout(200); // let the last frame of the charts land
    await shot('train');

    // Resume goes on from these weights (the step count goes on); Stop ends the run after the current step.
    await page.fill('#set-max-steps', '0');
    await page.click('#train-resume');
    await page.waitForFunction(() => Number((globalThis as any).document.querySelector('#train-status').dataset.steps) >= 215, undefined, { timeout: 60_000 });
    await page.click('#train-stop');
    await page.waitForFunction(() => ['done', 'stopped', 'error'].includes((globalThis as any).document.querySelector('#train-status').dataset.state), undefined, { timeout: 60_000 });
    const after = await page.locator('#train-status').evaluate((el) => ({ ...(el as any).dataset, text: el.textContent }));
    expect(after.state, after.text).toBe('stopped');
    expect(after.text).toMatch(/stopped by request/);
    expect(Number(after.steps)).toBeGreaterThanOrEqual(215);
    expect(Number(after.steps)).toBeLessThan(400);
    expect(Number(after.lastLoss)).toBeLessThan(Number(s.firstLoss) * 0.5);
    await page.waitForTimeout(200);
    await shot('train-resumed');
  }, 180_000);

  it('Train: on the wasm backend the full model trains with SIMD kernels on every core (the server isolates the page)', async () => {
    expect(await page.evaluate(() => (globalThis as any).crossOriginIsolated)).toBe(true);
    await page.click('#tab-train');
    const program = await page.inputValue('#program');
    await page.fill('#program', (await raw('GET', '/model.exg')).body.toString()); // the default 784-512-256-128-10
    await page.selectOption('#set-backend', 'wasm');
    await page.fill('#set-epochs', '1');
    await page.fill('#set-batch', '128');
    await page.fill('#set-limit', '60000');
    await page.fill('#set-max-steps', '150');
    const t0 = performance.now();
    await page.click('#train-start');
    await page.waitForFunction(() => ['done', 'stopped', 'error'].includes((globalThis as any).document.querySelector('#train-status').dataset.state), undefined, { timeout: 120_000 });
    const seconds = (performance.now() - t0) / 1000;
    const s = await page.locator('#train-status').evaluate((el) => ({ ...(el as any).dataset, text: el.textContent }));
    const cores = await page.evaluate(() => (globalThis as any).navigator.hardwareConcurrency as number);
    console.log(`page training on wasm: ${s.steps} steps in ${seconds.toFixed(1)} s (${s.stepsPerSecond} steps/s at the end), loss ${Number(s.firstLoss).toFixed(3)} → ${Number(s.lastLoss).toFixed(3)}, test accuracy ${s.testAccuracy}; kernels: ${s.kernels}; ${cores} cores; worker: ${await page.locator('#stat-env').textContent()}`);
    expect(s.state, s.text).toBe('stopped');
    expect(s.text).toMatch(/stopped after 150 steps/);
    expect(Number(s.steps)).toBe(150);
    expect(Number(s.lastLoss)).toBeLessThan(Number(s.firstLoss) * 0.5);
    expect(Number(s.testAccuracy)).toBeGreaterThan(0.85);
    const threads = Number(/^WebAssembly SIMD \(float32\), (\d+) threads?$/.exec(s.kernels)?.[1]);
    expect(threads, s.kernels).toBeGreaterThanOrEqual(1);
    if (cores > 1) expect(threads, s.kernels).toBeGreaterThan(1);
    expect(await page.locator('#stat-env').textContent()).toMatch(/SIMD yes, threads yes/);
    // Headless Chromium's WebGL is SwiftShader (software): the page says wasm is the faster choice here.
    if (/SwiftShader/.test(s.renderer)) expect(await page.locator('#stat-env').textContent()).toMatch(/software rendering: the WebAssembly SIMD backend is much faster here/);
    await page.waitForTimeout(200); // let the last frame of the charts land
    await shot('train-wasm');
    await page.fill('#program', program);
    await page.fill('#set-max-steps', '200');
    expect(problems).toEqual([]);
  }, 150_000);

  it('Draw: a digit drawn with mouse strokes (a real test image) gets a prediction', async () => {
    await page.click('#tab-draw');
    const images = readIdx(new Uint8Array((await raw('GET', '/data/t10k-images-idx3-ubyte')).body), 'test images');
    const labels = readIdx(new Uint8Array((await raw('GET', '/data/t10k-labels-idx1-ubyte')).body), 'test labels');
    const canvas = page.locator('#draw-canvas');
    const box = (await canvas.boundingBox())!;
    const scale = box.width / 28;
    const results: { label: number; predicted: number }[] = [];
    for (const index of [0, 1, 2]) {
      await page.click('#draw-clear');
      const px = images.data.subarray(index * 784, (index + 1) * 784);
      // One horizontal stroke per run of ink in each row, as a pen would fill it.
      for (let r = 0; r < 28; r += 1) {
        let c = 0;
        while (c < 28) {
          if (px[r * 28 + c] < 128) {
            c++;
            continue;
          }
          const start = c;
          while (c < 28 && px[r * 28 + c] >= 128) c++;
          const y = box.y + (r + 0.5) * scale;
          await page.mouse.move(box.x + (start + 0.5) * scale, y);
          await page.mouse.down();
          await page.mouse.move(box.x + (c - 0.5) * scale, y, { steps: 3 });
          await page.mouse.up();
        }
      }
      await expect.poll(() => state('#draw-digit', 'digit'), { timeout: 10_000 }).toMatch(/^\d$/);
      results.push({ label: labels.data[index], predicted: Number(await state('#draw-digit', 'digit')) });
      if (index === 0) await shot('draw');
    }
    console.log(`drawn digits: ${results.map((r) => `label ${r.label} → predicted ${r.predicted}`).join(', ')}`);
    expect(Number(await canvas.getAttribute('data-strokes'))).toBeGreaterThan(10);
    expect(await state('#draw-status', 'trained')).toBe('true');
    const sum = await page.locator('.bar').evaluateAll((bars) => bars.reduce((a, b) => a + Number((b as any).dataset.p), 0));
    expect(sum).toBeCloseTo(1, 4);
    expect(results.filter((r) => r.label === r.predicted).length).toBeGreaterThanOrEqual(2);
    // A random test image painted onto the canvas gets a prediction too.
    await page.click('#draw-sample');
    await expect.poll(() => page.locator('#draw-status').textContent()).toMatch(/test image \d+ \(label \d\)|says \d/);
    await expect.poll(() => page.locator('#draw-status').textContent()).toMatch(/says \d/);
    expect(problems).toEqual([]);
  }, 60_000);

  it('Train: the convnet (examples/mnist-cnn.exg) trains in the worker on wasm, and Draw predicts with it', async () => {
    await page.click('#tab-train');
    const program = await page.inputValue('#program');
    await page.selectOption('#set-program', '/model-cnn.exg');
    await expect.poll(() => page.inputValue('#program')).toMatch(/conv2d\(x, K1\)/);
    expect(await page.inputValue('#program')).toBe((await raw('GET', '/model-cnn.exg')).body.toString());
    await page.selectOption('#set-backend', 'wasm');
    await page.fill('#set-epochs', '1');
    await page.fill('#set-batch', '128');
    await page.fill('#set-limit', '6400');
    await page.fill('#set-max-steps', '30');
    const t0 = performance.now();
    await page.click('#train-start');
    await page.waitForFunction(() => ['done', 'stopped', 'error'].includes((globalThis as any).document.querySelector('#train-status').dataset.state), undefined, { timeout: 240_000 });
    const seconds = (performance.now() - t0) / 1000;
    const s = await page.locator('#train-status').evaluate((el) => ({ ...(el as any).dataset, text: el.textContent }));
    console.log(`page CNN training on wasm: ${s.steps} steps in ${seconds.toFixed(1)} s, loss ${Number(s.firstLoss).toFixed(3)} → ${Number(s.lastLoss).toFixed(3)}, test accuracy ${s.testAccuracy}; kernels: ${s.kernels}`);
    expect(s.state, s.text).toBe('stopped');
    expect(Number(s.steps)).toBe(30);
    expect(Number(s.lastLoss)).toBeLessThan(Number(s.firstLoss) * 0.8);
    expect(Number(s.testAccuracy)).toBeGreaterThan(0.5);
    expect(s.kernels).toMatch(/^WebAssembly SIMD/);
    expect(await page.locator('#stat-model').textContent()).toMatch(/^34,826 parameters: .*K1/);
    await page.waitForTimeout(200);
    await shot('train-cnn');
    // Draw now predicts with the convnet: a test image painted onto the canvas.
    await page.click('#tab-draw');
    await page.click('#draw-sample');
    await expect.poll(() => page.locator('#draw-status').textContent(), { timeout: 20_000 }).toMatch(/says \d/);
    expect(await state('#draw-status', 'trained')).toBe('true');
    const sum = await page.locator('.bar').evaluateAll((bars) => bars.reduce((a, b) => a + Number((b as any).dataset.p), 0));
    expect(sum).toBeCloseTo(1, 4);
    await shot('draw-cnn');
    await page.click('#tab-train');
    await page.selectOption('#set-program', '/model.exg');
    await page.fill('#program', program);
    await page.fill('#set-max-steps', '200');
    expect(problems).toEqual([]);
  }, 300_000);

  it('Train: asked for WebAssembly, the page names WebAssemblyKernel (class names survive the build); a bad program is shown at its position', async () => {
    await page.click('#tab-train');
    const program = await page.inputValue('#program');
    await page.fill('#program', program.replace('h1 = relu(x @ W1 + b1)', 'h1 = relu(x @ W1 +* b1)'));
    await page.click('#train-start');
    await page.locator('#program-error').waitFor({ state: 'visible' });
    expect(await page.locator('#program-error .error-title').textContent()).toMatch(/^Syntax error at line \d+, column 19: /);
    expect(await state('#train-status', 'state')).toBe('error');
    await shot('train-error');
    await page.fill('#program', program);
    await page.selectOption('#set-backend', 'gpujs:webasm');
    await page.fill('#set-limit', '1000');
    await page.fill('#set-max-steps', '0');
    await page.click('#train-start');
    await page.waitForFunction(() => ['done', 'stopped', 'error'].includes((globalThis as any).document.querySelector('#train-status').dataset.state), undefined, { timeout: 60_000 });
    const s = await page.locator('#train-status').evaluate((el) => ({ ...(el as any).dataset, text: el.textContent }));
    expect(s.state, s.text).toBe('done');
    expect(s.kernels).toBe("gpu.js WebAssemblyKernel (mode 'webasm', float32)");
    expect(s.modelKernels).toBe("gpu.js WebAssemblyKernel (mode 'webasm', float32)");
    expect(problems).toEqual([]);
  }, 90_000);
});
