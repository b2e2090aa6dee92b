// Standard-input mode writes answers in batches (one write per chunk of input), yet answers a typed line at once,
// keeps every answer in order, and writes a line's blank answer before its message on standard error.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** main() on a live stdin; every write to stdout and stderr is logged in order. */
function start(args: string[]) {
  const stdin = new PassThrough();
  const log: { to: 'out' | 'err'; text: string }[] = [];
  const status = main(args, {
    stdin,
    stdout: { write: (s: string) => log.push({ to: 'out', text: s }) },
    stderr: { write: (s: string) => log.push({ to: 'err', text: s }) },
  });
  const out = () => log.filter((w) => w.to === 'out').map((w) => w.text).join('');
  return { stdin, log, status, out };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('standard-input mode', () => {
  it('answers each typed line before the next one comes, for several commands', async () => {
    for (const [args, lines, answers] of [
      [['diff', '--wrt', 'x'], ['x^2', 'sin(x)', '3x'], ['2x', 'cos(x)', '3']],
      [['simplify'], ['2x + 3x', 'x*x'], ['5x', 'x²']],
      [['eval'], ['1+2', '2^10'], ['3', '1024']],
    ] as [string[], string[], string[]][]) {
      const run = start(args);
      for (let i = 0; i < lines.length; i++) {
        run.stdin.write(lines[i] + '\n');
        await until(() => run.out().split('\n').length > i + 1);
        expect(run.out()).toBe(answers.slice(0, i + 1).map((a) => a + '\n').join(''));
      }
      run.stdin.end();
      expect(await run.status).toBe(0);
    }
  });

  it('writes the answers to many lines of one chunk in a few writes, all of them in order', async () => {
    for (const n of [1, 10, 500, 3000]) {
      const run = start(['diff', '--wrt', 'x']);
      const lines = Array.from({ length: n }, (_, i) => `x^${i + 2}`);
      run.stdin.end(lines.join('\n') + '\n');
      expect(await run.status).toBe(0);
      expect(run.out()).toBe(lines.map((_, i) => `${i + 2}x${i + 1 === 1 ? '' : superscript(i + 1)}\n`).join(''));
      const writes = run.log.filter((w) => w.to === 'out').length;
      // at most one write per 64 KiB of answers, plus the last
      expect(writes).toBeLessThanOrEqual(Math.ceil(run.out().length / 65536) + 1);
    }
  });

  it("writes a failing line's blank answer before its message, between the answers around it", async () => {
    const run = start(['diff', '--wrt', 'x']);
    run.stdin.end('x^2\n2 +* 3\nsin(x)\n\nfoo(x)\nx\n');
    expect(await run.status).toBe(2);
    const order = run.log.map((w) => (w.to === 'err' ? `ERR:${w.text.split(':')[0]}` : w.text)).join('');
    expect(order).toBe('2x\n\nERR:input line 2cos(x)\n\n\nERR:input line 51\n');
  });
});

function superscript(n: number): string {
  return [...String(n)].map((d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]).join('');
}
