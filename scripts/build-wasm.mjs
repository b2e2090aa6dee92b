// Compiles the wasm backend's AssemblyScript kernels (src/backend/wasm/assembly/kernels.ts) with asc's JS API and
// embeds the binaries as base64 in src/backend/wasm/kernels-wasm.ts, which is committed: consumers, `npm run build`
// and CI never need asc. Two binaries from one source: memory imported as a plain WebAssembly.Memory (one thread),
// and imported as a shared memory (threads: every worker instantiates the same module on it).
//
// Usage: node scripts/build-wasm.mjs           regenerate the module
//        node scripts/build-wasm.mjs --check   exit 1 if the committed module is stale (test/backend/wasm-build.test.ts)
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import asc from 'assemblyscript/asc';

const root = new URL('../', import.meta.url);
const SOURCE = 'src/backend/wasm/assembly/kernels.ts';
const OUT = 'src/backend/wasm/kernels-wasm.ts';
/** Largest shared memory the threaded binary accepts (pages of 64 KiB): 4 GiB, all of wasm32. */
export const MAX_PAGES = 65536;

const common = ['--optimizeLevel', '3', '--shrinkLevel', '0', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--importMemory', '--noExportMemory'];
const variants = {
  single: [],
  shared: ['--enable', 'threads', '--sharedMemory', '--maximumMemory', String(MAX_PAGES)],
};

async function compile(extra) {
  let binary = null;
  const errors = [];
  const { error } = await asc.main([SOURCE, '--outFile', 'kernels.wasm', ...common, ...extra], {
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm')) binary = contents;
    },
    stdout: { write: () => true },
    stderr: { write: (s) => (errors.push(String(s)), true) },
  });
  if (error || !binary) throw new Error(`asc failed: ${error?.message ?? 'no binary'}\n${errors.join('')}`);
  return Buffer.from(binary);
}

export async function generate() {
  process.chdir(new URL('.', root).pathname);
  const source = readFileSync(SOURCE, 'utf8');
  const single = await compile(variants.single);
  const shared = await compile(variants.shared);
  const sha = createHash('sha256').update(source).digest('hex');
  const { version } = JSON.parse(readFileSync('node_modules/assemblyscript/package.json', 'utf8'));
  return [
    `// GENERATED from ${SOURCE} by scripts/build-wasm.mjs (npm run build:wasm) with AssemblyScript ${version}. Do not edit.`,
    '// test/backend/wasm-build.test.ts fails if this file is stale.',
    `export const KERNELS_SOURCE_SHA256 = '${sha}';`,
    `/** Memory imported as a plain WebAssembly.Memory. ${single.length} bytes. */`,
    `export const KERNELS_WASM = '${single.toString('base64')}';`,
    `/** Memory imported as a shared WebAssembly.Memory (maximum ${MAX_PAGES} pages). ${shared.length} bytes. */`,
    `export const KERNELS_SHARED_WASM = '${shared.toString('base64')}';`,
    `export const KERNELS_MAX_PAGES = ${MAX_PAGES};`,
    '',
  ].join('\n');
}

const isMain = process.argv[1] && new URL(`file://${process.argv[1]}`).pathname === new URL(import.meta.url).pathname;
if (isMain) {
  const text = await generate();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OUT, 'utf8');
    } catch {
      /* missing: stale */
    }
    if (current !== text) {
      console.error(`${OUT} is stale: run npm run build:wasm`);
      process.exit(1);
    }
    console.log(`${OUT} is up to date`);
  } else {
    writeFileSync(OUT, text);
    console.log(`wrote ${OUT}`);
  }
}
