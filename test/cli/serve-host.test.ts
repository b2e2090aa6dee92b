// The server answers only requests addressed to itself (DNS rebinding: another site's name resolved to 127.0.0.1
// arrives with that name as Host), and its 503 bodies name no folder of the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, withoutPaths, type RunningServer } from '../../src/cli/serve.js';
import { ExprError } from '../../src/errors.js';

let server: RunningServer;
const webRoot = mkdtempSync(join(tmpdir(), 'exprgrad-noweb-')); // no index.html: the "not built" 503

beforeAll(async () => {
  server = await startServer({
    port: 0,
    webRoot,
    modelSource: 'x : [1, 2]',
    loadData: async () => {
      throw new ExprError('data', `the MNIST folder ${join(tmpdir(), 'secret', 'mnist')} (given as the data folder) does not exist; C:\\Users\\me\\mnist too`);
    },
  });
});
afterAll(() => server.close());

function get(path: string, host: string | null): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const headers: Record<string, string> = {};
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET', setHost: host !== null, headers: host === null ? headers : { Host: host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => ok({ status: res.statusCode!, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('Host header', () => {
  it('answers its own names, with the right port', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`, `[::1]:${server.port}`]) {
      expect((await get('/model.exg', host)).status, host).toBe(200);
    }
  });

  it('refuses every other Host (rebinding names, other ports, no port, missing) with 421 and serves nothing', async () => {
    const p = server.port;
    const hosts = ['evil.example', `evil.example:${p}`, `127.0.0.1.evil.example:${p}`, `localhost.:${p}`, `127.0.0.1:${p + 1}`, '127.0.0.1', 'localhost', `0.0.0.0:${p}`, `127.0.0.2:${p}`, `[::ffff:127.0.0.1]:${p}`, `127.0.0.1:${p}@evil`, null];
    for (const host of hosts) {
      for (const path of ['/model.exg', '/', '/data/info.json']) {
        const r = await get(path, host);
        // A request without Host is refused by Node's own HTTP/1.1 parser (400) before it reaches the server.
        expect(host === null ? [400, 421] : [421], `${String(host)} ${path}`).toContain(r.status);
        expect(r.body).not.toContain('x : [1, 2]');
      }
    }
  });
});

describe('503 bodies', () => {
  it('name no absolute path of the server', async () => {
    const own = `127.0.0.1:${server.port}`;
    const page = await get('/', own);
    expect(page.status).toBe(503);
    expect(page.body).toMatch(/not built/);
    expect(page.body).not.toContain(webRoot);
    const data = await get('/data/info.json', own);
    expect(data.status).toBe(503);
    expect(data.body).toMatch(/MNIST folder …\/mnist \(given as the data folder\) does not exist/);
    expect(data.body).not.toContain(tmpdir());
    expect(data.body).not.toMatch(/Users\\me/);
  });

  it('withoutPaths keeps the last name of every absolute path and nothing else of it', () => {
    expect(withoutPaths('cannot read /home/u/.cache/exprgrad/mnist/train.gz: no')).toBe('cannot read …/train.gz: no');
    expect(withoutPaths("run 'npm run build' in the exprgrad folder")).toBe("run 'npm run build' in the exprgrad folder");
    expect(withoutPaths('D:\\data\\mnist lacks x')).toBe('…/mnist lacks x');
  });
});
