// The bare-machine path of the browser tests: the Chromium of the npm package @sparticuz/chromium (chosen here
// explicitly, as on a machine without /usr/bin/chromium) launches headless and gives a WebGL2 context rendered by
// SwiftShader, so the gpu.js kernels can be tested without a system browser. Also: a wrong EXPRGRAD_CHROMIUM is
// an error that names the path, never a silent fallback.
import { describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { findChromium, CHROMIUM_ARGS } from './chromium.js';

describe('Chromium for the browser tests', () => {
  it('the npm package runs WebGL2 on SwiftShader', async () => {
    const chrome = await findChromium('npm');
    expect(chrome.source).toBe('npm');
    const browser = await chromium.launch({ executablePath: chrome.executablePath, env: chrome.env, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const info = await page.evaluate(() => {
        const gl = document.createElement('canvas').getContext('webgl2');
        if (!gl) return { ok: false, renderer: '', sum: 0 };
        const ext = gl.getExtension('WEBGL_debug_renderer_info');
        const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
        // Draw: clear to a colour and read it back, so the context really renders.
        gl.clearColor(0.25, 0.5, 0.75, 1);
        gl.clear(gl.COLOR_BUFFER_BIT);
        const px = new Uint8Array(4);
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
        return { ok: true, renderer, sum: px[0] + px[1] + px[2] + px[3] };
      });
      expect(info.ok).toBe(true);
      expect(info.renderer).toMatch(/SwiftShader/i);
      expect(info.sum).toBeGreaterThan(64 + 128 + 191 + 255 - 8);
      expect(info.sum).toBeLessThan(64 + 128 + 191 + 255 + 8);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('a missing EXPRGRAD_CHROMIUM path is an error naming it', async () => {
    await expect(findChromium('/nonexistent/chromium-xyz')).rejects.toThrow(/\/nonexistent\/chromium-xyz/);
  });
});
