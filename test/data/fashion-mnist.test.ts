// Fashion-MNIST through the one loader (loadMnist with dataset 'fashion-mnist', src/data/datasets.ts): its own
// lookup places (EXPRGRAD_FASHION_MNIST_DIR, the cache …/exprgrad/fashion-mnist, no npm package), verification of
// every file by content (a re-compressed .gz, as Debian ships, is accepted by the SHA-256 of what it holds), every
// kind of damage to every file refused with a message naming the file, downloads checked against upstream's MD5
// before they reach the cache, and — where the machine has them (../shared/data/fashion-mnist) — the real files.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { writeIdx } from '../../src/data/idx.js';
import {
  defaultMnistCacheDir,
  expectedOf,
  FASHION_MNIST,
  IMAGE_DATASETS,
  loadFashionMnist,
  loadMnist,
  md5Hex,
  MNIST_EXPECTED,
  sha256Hex,
  type LoadMnistOptions,
  type MnistExpected,
} from '../../src/data/mnist.js';
import { ExprError } from '../../src/errors.js';

const root = mkdtempSync(join(tmpdir(), 'exprgrad-fashion-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const newDir = (name = 'd') => {
  const d = join(root, `${name}-${++dirCount}`);
  mkdirSync(d, { recursive: true });
  return d;
};

/** Where this machine keeps the real files (the repository's ../shared/data/fashion-mnist), if it does. */
const SHARED_FASHION = fileURLToPath(new URL('../../../shared/data/fashion-mnist', import.meta.url));
const haveShared = existsSync(join(SHARED_FASHION, 't10k-labels-idx1-ubyte.gz'));

const TRAIN = 9;
const TEST = 4;
const raw: Record<string, Uint8Array> = {
  'train-images-idx3-ubyte': writeIdx([TRAIN, 28, 28], Uint8Array.from({ length: TRAIN * 784 }, (_, i) => (i * 17 + 3) & 255)),
  'train-labels-idx1-ubyte': writeIdx([TRAIN], Uint8Array.from({ length: TRAIN }, (_, i) => (i * 3) % 10)),
  't10k-images-idx3-ubyte': writeIdx([TEST, 28, 28], Uint8Array.from({ length: TEST * 784 }, (_, i) => (i * 5 + 1) & 255)),
  't10k-labels-idx1-ubyte': writeIdx([TEST], Uint8Array.from({ length: TEST }, (_, i) => 9 - i)),
};
const names = Object.keys(raw);
/** "Upstream" .gz files (level 9, with a file name in the header) and a re-compressed copy (level 1, no name). */
const gz: Record<string, Uint8Array> = Object.fromEntries(names.map((k) => [k, gzipSync(raw[k], { level: 9 })]));
const regz: Record<string, Uint8Array> = Object.fromEntries(names.map((k) => [k, gzipSync(raw[k], { level: 1, memLevel: 1 })]));

/** Fashion-MNIST's kind of sums for the fixtures: SHA-256 of the uncompressed files, MD5 of the upstream .gz. */
const expected: MnistExpected = {
  sha256: Object.fromEntries(names.map((k) => [k, sha256Hex(raw[k])])),
  md5: Object.fromEntries(names.map((k) => [`${k}.gz`, md5Hex(gz[k])])),
  trainCount: TRAIN,
  testCount: TEST,
};

type Form = 'raw' | 'gz' | 'regz';
function fill(dir: string, form: Form = 'raw', skip: string[] = []): string {
  mkdirSync(dir, { recursive: true });
  for (const k of names) {
    if (skip.includes(k)) continue;
    writeFileSync(join(dir, form === 'raw' ? k : `${k}.gz`), form === 'raw' ? raw[k] : form === 'gz' ? gz[k] : regz[k]);
  }
  return dir;
}

function isolated(extra: LoadMnistOptions = {}): LoadMnistOptions {
  return {
    dataset: 'fashion-mnist',
    env: {},
    cacheDir: newDir('empty-cache'),
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

describe('the dataset table', () => {
  it('has MNIST and Fashion-MNIST with four files each, their sums and class names', () => {
    expect(Object.keys(IMAGE_DATASETS)).toEqual(['mnist', 'fashion-mnist']);
    const f = FASHION_MNIST;
    expect(f.files.map((x) => x.name)).toEqual(names);
    for (const x of f.files) {
      expect(x.rawSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(x.gzMd5).toMatch(/^[0-9a-f]{32}$/);
    }
    // The upstream README's MD5 of train-images-idx3-ubyte.gz, and the README of ../shared's SHA-256 of its content.
    expect(f.files[0].gzMd5).toBe('8d4fb7e6c68d591d4c3dfef9ec88bf0d');
    expect(f.files[3].rawSha256).toBe('0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34');
    expect(f.classNames).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(f.envDir).toBe('EXPRGRAD_FASHION_MNIST_DIR');
    expect(f.npmPackage).toBeNull();
    for (const m of f.mirrors) expect(m).toMatch(/^https?:\/\/[^/]+\/(.*\/)?$/);
    // MNIST keeps its sums (the MLP's default job is unchanged).
    expect(MNIST_EXPECTED.sha256['train-images-idx3-ubyte.gz']).toBe('440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609');
    expect(expectedOf(FASHION_MNIST).sha256['train-images-idx3-ubyte.gz']).toBeUndefined();
  });

  it('an unknown dataset is a usage error naming the known ones', async () => {
    for (const bad of ['cifar10', 'MNIST', '__proto__', 'constructor', '']) {
      await rejects(loadMnist(isolated({ dataset: bad as 'mnist' })), 'usage', `unknown dataset`, 'mnist, fashion-mnist');
    }
  });
});

describe('lookup', () => {
  it('loads raw, gzipped and re-compressed files (the content is what is checked)', async () => {
    for (const form of ['raw', 'gz', 'regz'] as const) {
      const dir = fill(newDir(form), form);
      const m = await loadFashionMnist(isolated({ dataDir: dir }));
      expect(m.dataset).toBe('fashion-mnist');
      expect(m.source).toBe(dir);
      expect([m.train.count, m.test.count]).toEqual([TRAIN, TEST]);
      expect(Array.from(m.test.labels)).toEqual([9, 8, 7, 6]);
      expect(Array.from(m.train.images.subarray(0, 3))).toEqual([3, 20, 37]);
    }
  });

  it('uses EXPRGRAD_FASHION_MNIST_DIR (not EXPRGRAD_MNIST_DIR); the dataDir option beats it', async () => {
    const a = fill(newDir('env'));
    const b = fill(newDir('opt'), 'gz');
    expect((await loadMnist(isolated({ env: { EXPRGRAD_FASHION_MNIST_DIR: a } }))).source).toBe(a);
    expect((await loadMnist(isolated({ env: { EXPRGRAD_FASHION_MNIST_DIR: a }, dataDir: b }))).source).toBe(b);
    // MNIST's variable names MNIST's folder; Fashion-MNIST ignores it (and falls through to download: off here).
    await rejects(loadMnist(isolated({ env: { EXPRGRAD_MNIST_DIR: a } })), 'data', 'Fashion-MNIST not found and downloading is off', 'EXPRGRAD_FASHION_MNIST_DIR');
  });

  it('a named folder missing a file, or not a folder, is an error (no fall-through to the cache)', async () => {
    const cache = fill(newDir('cache'));
    for (const skip of names) {
      const dir = fill(newDir('partial'), 'gz', [skip]);
      await rejects(loadMnist(isolated({ dataDir: dir, cacheDir: cache })), 'data', `the Fashion-MNIST folder ${dir}`, `lacks ${skip}[.gz]`);
    }
    const file = join(newDir('f'), 'file');
    writeFileSync(file, 'x');
    await rejects(loadMnist(isolated({ env: { EXPRGRAD_FASHION_MNIST_DIR: file } })), 'data', 'is not a folder', 'named by EXPRGRAD_FASHION_MNIST_DIR');
  });

  it('the default cache is …/exprgrad/fashion-mnist, apart from MNIST’s; no npm package is looked for', async () => {
    expect(defaultMnistCacheDir({ XDG_CACHE_HOME: '/x/c' }, 'fashion-mnist')).toBe('/x/c/exprgrad/fashion-mnist');
    expect(defaultMnistCacheDir({ HOME: '/h' }, 'fashion-mnist')).toBe('/h/.cache/exprgrad/fashion-mnist');
    const home = newDir('home');
    fill(join(home, '.cache', 'exprgrad', 'fashion-mnist'), 'regz');
    fill(join(home, '.cache', 'exprgrad', 'mnist')); // MNIST's cache holds files too: never taken for Fashion-MNIST
    const m = await loadMnist(isolated({ env: { HOME: home }, cacheDir: undefined }));
    expect(m.source).toBe(join(home, '.cache', 'exprgrad', 'fashion-mnist'));
    const e = await rejects(loadMnist(isolated({ env: { HOME: newDir('empty-home') }, cacheDir: undefined })), 'data', 'downloading is off');
    expect(e.message).not.toContain('npm package');
  });
});

/** Every way a stored file can be damaged. */
const damages: [string, (b: Uint8Array) => Uint8Array][] = [
  ['empty', () => new Uint8Array(0)],
  ['one byte', (b) => b.subarray(0, 1)],
  ['cut in half', (b) => b.subarray(0, b.length >> 1)],
  ['missing its last byte', (b) => b.subarray(0, b.length - 1)],
  ['one byte more', (b) => Uint8Array.from([...b, 0xff])],
  ['a changed first byte', (b) => Uint8Array.from(b, (v, i) => (i === 0 ? v ^ 1 : v))],
  ['a changed middle byte', (b) => Uint8Array.from(b, (v, i) => (i === b.length >> 1 ? v ^ 0x80 : v))],
  ['a changed last byte', (b) => Uint8Array.from(b, (v, i) => (i === b.length - 1 ? v ^ 0xff : v))],
];

describe('verification: every damage to every file, in every form, is refused', () => {
  it.each(['raw', 'gz', 'regz'] as const)('%s files', async (form) => {
    let cases = 0;
    for (const k of names) {
      const stored = form === 'raw' ? raw[k] : form === 'gz' ? gz[k] : regz[k];
      for (const [what, damage] of damages) {
        const dir = fill(newDir('bad'), form);
        const path = join(dir, form === 'raw' ? k : `${k}.gz`);
        writeFileSync(path, damage(stored));
        const e = await rejects(loadFashionMnist(isolated({ dataDir: dir })), 'data', `${path}: SHA-256 mismatch`, 'not the original Fashion-MNIST file');
        expect(e.message, `${k} ${what}`).toContain(expected.sha256[k]);
        if (form !== 'raw' && (what === 'cut in half' || what === 'missing its last byte')) expect(e.message).toMatch(/does not gunzip/);
        cases++;
      }
    }
    expect(cases).toBe(names.length * damages.length);
  });

  it('zero bytes after a gzip stream (padding, which gunzip skips) leave the content, which is what is verified', async () => {
    const dir = newDir('padded');
    for (const k of names) writeFileSync(join(dir, `${k}.gz`), Uint8Array.from([...regz[k], 0, 0, 0]));
    const m = await loadFashionMnist(isolated({ dataDir: dir }));
    expect(Array.from(m.test.labels)).toEqual([9, 8, 7, 6]);
  });

});

describe('download', () => {
  const fakeFetch = (serve: (url: string) => Response | Promise<Response>) => {
    const calls: string[] = [];
    const f = (async (input: string | URL | Request) => {
      const url = String(input);
      calls.push(url);
      return serve(url);
    }) as typeof fetch;
    return { f, calls };
  };
  const serve = (files: Record<string, Uint8Array>, mirrors: readonly string[]) => (url: string) => {
    const mirror = mirrors.find((m) => url.startsWith(m));
    const name = url.slice((mirror ?? '').length).replace(/\.gz$/, '');
    if (!mirror || !files[name]) return new Response('not found', { status: 404 });
    return new Response(Buffer.from(files[name]));
  };

  it('downloads from the upstream mirrors, checks MD5 and content, caches atomically', async () => {
    const cache = join(newDir('home'), 'c');
    const { f, calls } = fakeFetch(serve(gz, [FASHION_MNIST.mirrors[1]]));
    const status: string[] = [];
    const m = await loadMnist(isolated({ cacheDir: cache, download: true, fetchImpl: f, onStatus: (s) => status.push(s) }));
    expect(m.source).toBe(`downloaded from ${FASHION_MNIST.mirrors[1]} into ${cache}`);
    expect(calls).toEqual(names.flatMap((n) => FASHION_MNIST.mirrors.map((mirror) => `${mirror}${n}.gz`)));
    expect(readdirSync(cache).sort()).toEqual(names.map((n) => `${n}.gz`).sort());
    expect(status.filter((s) => s.includes('MD5 and content SHA-256 verified'))).toHaveLength(4);
    expect((await loadMnist(isolated({ cacheDir: cache }))).source).toBe(cache);
  });

  it('a re-compressed or damaged .gz (right content or not) is refused by MD5 and never reaches the cache', async () => {
    for (const files of [regz, Object.fromEntries(names.map((k) => [k, damages[6][1](gz[k])]))]) {
      const cache = newDir('cache');
      const { f } = fakeFetch(serve(files, FASHION_MNIST.mirrors));
      const e = await rejects(
        loadMnist(isolated({ cacheDir: cache, download: true, fetchImpl: f })),
        'data',
        'could not download train-images-idx3-ubyte.gz from any mirror',
        `${FASHION_MNIST.mirrors[0]}train-images-idx3-ubyte.gz: MD5 mismatch`,
        `${FASHION_MNIST.mirrors[1]}train-images-idx3-ubyte.gz: MD5 mismatch`,
      );
      expect(e.message).toContain(expected.md5!['train-images-idx3-ubyte.gz']);
      expect(readdirSync(cache)).toEqual([]);
    }
  });

  it('a download with no published sum is refused', async () => {
    const cache = newDir('cache');
    const { f } = fakeFetch(serve(gz, FASHION_MNIST.mirrors));
    await rejects(loadMnist(isolated({ cacheDir: cache, download: true, fetchImpl: f, expected: { ...expected, md5: {} } })), 'data', 'no published checksum for train-images-idx3-ubyte.gz');
    expect(readdirSync(cache)).toEqual([]);
  });
});

describe.runIf(haveShared)('the real Fashion-MNIST (../shared/data/fashion-mnist, re-compressed by Debian)', () => {
  it('verifies the content of every file and loads it', async () => {
    const m = await loadFashionMnist({ env: {}, dataDir: SHARED_FASHION, download: false });
    expect(m.dataset).toBe('fashion-mnist');
    expect([m.train.count, m.test.count]).toEqual([60000, 10000]);
    expect(Array.from(m.train.labels.subarray(0, 8))).toEqual([9, 0, 0, 3, 0, 2, 7, 2]);
    const hist = new Array(10).fill(0);
    for (const l of m.test.labels) hist[l]++;
    expect(hist).toEqual(new Array(10).fill(1000)); // Fashion-MNIST's test set is balanced
  });

  /** A folder with Debian's copies of the files other than `except`. */
  const realBut = (except: string) => {
    const dir = newDir('real');
    for (const k of names) if (k !== except) writeFileSync(join(dir, `${k}.gz`), readFileSync(join(SHARED_FASHION, `${k}.gz`)));
    return dir;
  };

  it('a gzip whose content is larger than the original is cut off at the original size (no unbounded memory)', async () => {
    const dir = realBut('t10k-labels-idx1-ubyte');
    const path = join(dir, 't10k-labels-idx1-ubyte.gz');
    writeFileSync(path, gzipSync(new Uint8Array(1 << 24))); // 16 MiB of zeros where 10,008 bytes belong
    await rejects(loadFashionMnist({ env: {}, dataDir: dir, download: false }), 'data', `${path}: SHA-256 mismatch`, "larger than the original's 10008 bytes");
  });

  it('the Debian .gz files are not the upstream bytes: as a download they would be refused by MD5', async () => {
    const bytes = readFileSync(join(SHARED_FASHION, 't10k-labels-idx1-ubyte.gz'));
    expect(md5Hex(bytes)).not.toBe(FASHION_MNIST.files[3].gzMd5);
    const cache = realBut('t10k-labels-idx1-ubyte'); // the cache lacks only the test labels
    const f = (async (u: string | URL | Request) => (String(u).endsWith('t10k-labels-idx1-ubyte.gz') ? new Response(bytes) : new Response('no', { status: 404 }))) as typeof fetch;
    await rejects(loadFashionMnist({ env: {}, cacheDir: cache, download: true, fetchImpl: f }), 'data', 'could not download t10k-labels-idx1-ubyte.gz', 'MD5 mismatch', FASHION_MNIST.files[3].gzMd5!);
    expect(readdirSync(cache).sort()).toEqual(names.slice(0, 3).map((k) => `${k}.gz`).sort());
  });
});
