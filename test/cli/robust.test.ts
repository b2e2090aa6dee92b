// The installed command under hostile conditions: a reader that closes the pipe early (EPIPE), a stdin line of
// hundreds of megabytes under a small heap, files that never end, derivative orders and outputs that would not fit,
// file-quoting messages with terminal escapes, and user mistakes that used to exit 70: each ends with exit status
// 0 or 2, a message, no stack trace, within seconds. (Needs dist/: `npm test` builds first.)
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Model } from '../../src/nn/model.js';

const bin = fileURLToPath(new URL('../../bin/exprgrad.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));
const STACK = /^\s+at\s|\.(?:ts|js|mjs):\d+:\d+/m;
const ESCAPES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const dir = mkdtempSync(join(tmpdir(), 'exprgrad-robust-'));
const SRC = readFileSync(fileURLToPath(new URL('../../examples/mnist-mlp.exg', import.meta.url)), 'utf8');

interface Done {
  status: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  ms: number;
}

function run(args: string[], opts: { input?: string; node?: string[]; timeout?: number } = {}): Done {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...(opts.node ?? []), bin, ...args], { input: opts.input ?? '', encoding: 'utf8', timeout: opts.timeout ?? 60_000, cwd: dir, maxBuffer: 64 << 20 });
  return { status: r.status, signal: r.signal, out: r.stdout, err: r.stderr, ms: performance.now() - t0 };
}

function userError(r: Done, pattern: RegExp, label: string): void {
  expect(r.status, `${label}: ${r.err}`).toBe(2);
  expect(r.err, label).toMatch(/(^|\n)exprgrad: /);
  expect(r.err, label).toMatch(pattern);
  expect(r.err, label).not.toMatch(/internal error/);
  expect(r.err, label).not.toMatch(STACK);
  expect(r.err, label).not.toMatch(ESCAPES);
}

describe.runIf(built)('the command under hostile conditions', () => {
  it('EPIPE: a reader that closes the pipe at once, with an argument and with standard input, ends quietly with 0', async () => {
    const cases: [string[], string][] = [
      [['diff', 'sin(x)*x^2'], ''],
      [['diff', 'x^x^x', '--order', '4'], ''],
      [['diff'], 'sin(x)*exp(x)\n'.repeat(3000)],
      [['eval', '-', 'x=2'], 'x^2\n'.repeat(3000)],
    ];
    for (const [args, input] of cases) {
      const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.stdout.once('data', () => child.stdout.destroy()); // like `| head -c 10`
      child.stdin.on('error', () => {});
      child.stdin.end(input);
      const [code] = await new Promise<[number | null]>((done) => child.on('close', (c) => done([c])));
      expect(err, args.join(' ')).not.toMatch(STACK);
      expect(err, args.join(' ')).not.toMatch(/internal error|Unhandled/);
      expect(code, args.join(' ')).toBe(0);
    }
  }, 60_000);

  it('a 200 MB standard-input line under a 96 MB heap: that line fails with a message, the others are answered', async () => {
    const child = spawn(process.execPath, ['--max-old-space-size=96', bin, 'diff'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const write = (s: string) => new Promise<void>((ok) => (child.stdin.write(s) ? ok() : child.stdin.once('drain', ok)));
    await write('x^2\n');
    const mb = 'x'.repeat(1 << 20);
    for (let i = 0; i < 200; i++) await write(mb);
    await write('\nx^3\n');
    child.stdin.end();
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(err).not.toMatch(STACK);
    expect(err).toMatch(/input line 2: Error: the line is 209,715,200 characters long; lines longer than 1,000,000 are not read/);
    expect(out).toBe('2x\n\n3x²\n');
    expect(code).toBe(2);
  }, 120_000);

  it('files that never end or are too large are refused before reading, for every file option', () => {
    writeFileSync(join(dir, 'big.exg'), Buffer.alloc(2 << 20, 0x78));
    const cases: [string[], RegExp][] = [
      [['diff', '--file', '/dev/zero'], /file \/dev\/zero is larger than the limit of 1\.0 MiB/],
      [['diff', '--file', join(dir, 'big.exg')], /big\.exg is 2\.0 MiB; the limit is 1\.0 MiB \(it was not read\)/],
      [['evaluate', '--model', '/dev/zero'], /model \/dev\/zero is larger than the limit of 256 MiB/],
      [['predict', '--model', '/dev/zero', '3'], /model \/dev\/zero is larger than the limit/],
      [['train', 'mnist', '--model-src', '/dev/zero'], /model program \/dev\/zero is larger than the limit/],
    ];
    for (const [args, why] of cases) {
      const r = run(args, { node: ['--max-old-space-size=300'] });
      userError(r, why, args.join(' '));
      expect(r.ms, args.join(' ')).toBeLessThan(15_000);
    }
  }, 120_000);

  it('derivative orders and outputs that would not fit stop with exit 2 within seconds under a 512 MB heap', () => {
    const cases: [string[], RegExp][] = [
      [['diff', 'sin(x)*exp(x)*log(x)*cos(x)*tan(x)*sqrt(x)*atan(x)*x', '--order', '30'], /derivative already has [\d,]+ distinct subexpressions/],
      [['diff', 'x^x^x^x^x^x', '--order', '10000'], /derivative already has/],
      [['diff', 'x^x^x^x^x^x', '--order', '9'], /nodes when written out in full .*--cse/],
      [['diff', 'sin(x)', '--order', '100000'], /order 100000 is too large \(at most 10000\)/],
      [['diff', 'sin(x)', '--order', '1e9'], /--order expects a non-negative integer/],
    ];
    for (const [args, why] of cases) {
      const r = run(args, { node: ['--max-old-space-size=512'] });
      userError(r, why, args.join(' '));
      expect(r.ms, args.join(' ')).toBeLessThan(30_000);
    }
    const chain = ['a0 = x', ...Array.from({ length: 4000 }, (_, i) => `a${i + 1} = a${i}*a${i} + 1`)].join('\n');
    writeFileSync(join(dir, 'chain.exg'), chain);
    userError(run(['diff', '--file', join(dir, 'chain.exg'), '--cse']), /beyond the float64 range/, 'chain --cse');
    const links = ['a0 = x', ...Array.from({ length: 3999 }, (_, i) => `a${i + 1} = sin(a${i})*a${i}`)].join('\n');
    writeFileSync(join(dir, 'links.exg'), links);
    const r = run(['diff', '--file', join(dir, 'links.exg'), '--cse'], { node: ['--max-old-space-size=512'] });
    userError(r, /simplifying this expression needs more than 1,000,000 steps/, 'links --cse');
    expect(r.ms).toBeLessThan(45_000);
  }, 180_000);

  it('messages that quote a file or an argument never pass terminal escapes', () => {
    const m = Model.create(SRC, 1).toJSON() as any;
    const evil = '\x1b]0;pwned\x07\x1b[2J\x1b[32mOK\x1b[0m\u009b2J';
    const cases: [string, (j: any) => void][] = [
      ['version', (j) => (j.version = evil)],
      ['format', (j) => (j.format = evil)],
      ['dtype', (j) => (j.params.W1.dtype = evil)],
      ['name', (j) => (j.params[evil] = j.params.b1)],
    ];
    for (const [what, put] of cases) {
      const j = JSON.parse(JSON.stringify(m));
      put(j);
      const path = join(dir, `evil-${what}.json`);
      writeFileSync(path, JSON.stringify(j));
      userError(run(['predict', '--model', path, '3']), /\\u(\{1b\}|001b)/, what);
    }
    userError(run([evil]), /unknown command/, 'command');
    userError(run(['diff', '--file', join(dir, `no${evil}`)]), /no such file/, 'file name');
    userError(run(['eval', 'x', `x=${evil}`]), /./, 'binding');
  }, 120_000);

  it('user mistakes that used to exit 70 exit 2 with a message', () => {
    const seven = join(dir, 'seven.exg');
    writeFileSync(seven, SRC.replace(/10\]/g, '7]'));
    const sevenModel = join(dir, 'seven.json');
    writeFileSync(sevenModel, JSON.stringify(Model.create(SRC.replace(/10\]/g, '7]'), 1).toJSON()));
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, JSON.stringify(Model.create(SRC, 1).toJSON()));
    const small = ['--limit', '300', '--epochs', '1'];
    const cases: [string[], RegExp][] = [
      [['train', 'mnist', '--data', ok, ...small, '--save', 'a.json'], /is not a folder/],
      [['evaluate', '--model', ok, '--data', ok], /is not a folder/],
      [['train', 'mnist', '--mode', 'threads=0', ...small, '--save', 'b.json'], /--mode for the wasm backend must be 'threads=N' \(N ≥ 1\), got 'threads=0'/],
      [['train', 'mnist', '--mode', 'threads=abc', ...small, '--save', 'c.json'], /got 'threads=abc'/],
      [['train', 'mnist', '--backend', 'gpujs', '--mode', 'cuda', ...small, '--save', 'c.json'], /unknown gpu.js mode 'cuda'/],
      [['train', 'mnist', '--model-src', seven, ...small, '--save', 'd.json'], /label [789] at index \d+ is not a class of the model \(it has 7: 0…6\)/],
      [['evaluate', '--model', sevenModel], /label [789] at index \d+ is not a class of the model/],
    ];
    for (const [args, why] of cases) userError(run(args), why, args.join(' '));
    expect(readdirSync(dir).filter((n) => /^[abcd]\.|\.svg$/.test(n))).toEqual([]);
  }, 240_000);
});
