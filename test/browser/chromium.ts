// Which Chromium the browser tests launch. In: the environment. Out: an executable path, the environment to
// launch it with, and a word saying where it came from.
//   EXPRGRAD_CHROMIUM=/path   that binary (an error if it is not there)
//   EXPRGRAD_CHROMIUM=npm     the headless Chromium shipped by the devDependency @sparticuz/chromium, even where a
//                             system one exists (how the bare-machine path is tested on a machine that has one)
//   unset                     Debian's /usr/bin/chromium, else `chromium`/`chromium-browser` on PATH, else the npm one
// The npm package carries Chromium, SwiftShader (WebGL2 in software) and fonts brotli-compressed; the first launch
// inflates them into the temp folder (about 2.5 s, 190 MB), later launches reuse them. It also carries the NSS
// libraries Chromium links against; where this system lacks them (`ldd` says "not found"), they are unpacked
// beside it and put on LD_LIBRARY_PATH of the browser process only.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { brotliDecompressSync } from 'node:zlib';

export interface ChromiumChoice {
  executablePath: string;
  env: Record<string, string>;
  source: 'EXPRGRAD_CHROMIUM' | 'system' | 'npm';
}

function onPath(names: string[]): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of names) {
      const file = join(dir, name);
      try {
        if (dir && statSync(file).isFile()) return file;
      } catch {
        /* not here */
      }
    }
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Test files run in parallel processes: one inflates, the others wait for its lock folder to go.
async function withLock<T>(lock: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 3 minutes was left by a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`waited 3 minutes for ${lock}`);
      await sleep(200);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function npmChromium(): Promise<ChromiumChoice> {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    pkgDir = dirname(dirname(dirname(require.resolve('@sparticuz/chromium'))));
  } catch {
    throw new Error('No Chromium: /usr/bin/chromium is absent and the devDependency @sparticuz/chromium is not installed (run npm install)');
  }
  const { default: Chromium } = (await import('@sparticuz/chromium')) as { default: { executablePath(): Promise<string> } };
  return withLock(join(tmpdir(), 'exprgrad-chromium.lock'), async () => {
    const executablePath = await Chromium.executablePath();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    env.FONTCONFIG_PATH ??= join(tmpdir(), 'fonts');
    let missing = false;
    try {
      missing = /not found/.test(execFileSync('ldd', [executablePath], { encoding: 'utf8' }));
    } catch {
      missing = false;
    }
    if (missing || process.env.EXPRGRAD_CHROMIUM_LIBS === 'bundled') {
      const libs = join(tmpdir(), 'exprgrad-chromium-libs');
      if (!existsSync(join(libs, 'lib', 'libnss3.so'))) {
        mkdirSync(libs, { recursive: true });
        const tar = join(libs, 'al2023.tar');
        writeFileSync(tar, brotliDecompressSync(readFileSync(join(pkgDir, 'bin', 'al2023.tar.br'))));
        execFileSync('tar', ['-xf', tar, '-C', libs]);
        rmSync(tar);
      }
      env.LD_LIBRARY_PATH = [join(libs, 'lib'), ...(env.LD_LIBRARY_PATH ? [env.LD_LIBRARY_PATH] : [])].join(':');
    }
    return { executablePath, env, source: 'npm' as const };
  });
}

export async function findChromium(chosen = process.env.EXPRGRAD_CHROMIUM): Promise<ChromiumChoice> {
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  if (chosen === 'npm') return npmChromium();
  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`Chromium not found at EXPRGRAD_CHROMIUM=${chosen} (unset it to use /usr/bin/chromium or the npm package, or set it to 'npm')`);
    return { executablePath: chosen, env, source: 'EXPRGRAD_CHROMIUM' };
  }
  const system = existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : onPath(['chromium', 'chromium-browser']);
  if (system) return { executablePath: system, env, source: 'system' };
  return npmChromium();
}

// The flags every browser test launches with: headless, no network chatter, WebGL2 through ANGLE on SwiftShader.
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];
