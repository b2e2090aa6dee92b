// The command-line interface, in process (main(argv, io) with fake streams) and as a real process (bin/exprgrad.js,
// which needs dist/: `npm test` builds first). Exit 0 on success, 2 on bad input or usage, with a message on stderr
// and never a stack trace.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { commands } from '../../src/cli/commands.js';
import { errorCases } from '../parse/error-cases.js';

interface Run {
  status: number;
  out: string;
  err: string;
}

async function cli(argv: string[], stdin: string[] = []): Promise<Run> {
  let out = '';
  let err = '';
  const status = await main(argv, {
    stdin: Readable.from(stdin),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { status, out, err };
}

/** A stack frame such as "    at parse (file.js:1:2)" or a source path with a line number. */
const STACK = /^\s+at\s|\.(?:ts|js|mjs):\d+/m;

function expectUsageError(r: Run, pattern?: RegExp) {
  expect(r.status).toBe(2);
  expect(r.err).toMatch(/^exprgrad: /);
  if (pattern) expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(STACK);
  expect(r.err).not.toMatch(/internal error/);
}

describe('eval', () => {
  it('evaluates with right-associative powers', async () => {
    expect(await cli(['eval', '2^3^2'])).toEqual({ status: 0, out: '512\n', err: '' });
  });

  it('evaluates -2^2 as -(2^2), also when the expression looks like an option', async () => {
    expect(await cli(['eval', '-2^2'])).toEqual({ status: 0, out: '-4\n', err: '' });
    expect(await cli(['eval', '--', '-2^2'])).toEqual({ status: 0, out: '-4\n', err: '' });
    expect((await cli(['eval', '-x', 'x=2'])).out).toBe('-2\n');
  });

  it('takes variable values, which may be constant expressions', async () => {
    expect(await cli(['eval', 'sin(exp(x^3))', 'x=2'])).toEqual({ status: 0, out: '0.40176297151886475\n', err: '' });
    expect((await cli(['eval', 'x*y', 'x=pi/4', 'y=4'])).out).toBe(`${Math.PI}\n`);
    expect((await cli(['eval', 'x', 'x = -2^2'])).out).toBe('-4\n');
  });

  it('prints full float64 precision, -0, Infinity and NaN', async () => {
    expect((await cli(['eval', '0.1+0.2'])).out).toBe('0.30000000000000004\n');
    expect((await cli(['eval', '-0'])).out).toBe('-0\n');
    expect((await cli(['eval', '1/0'])).out).toBe('Infinity\n');
    expect((await cli(['eval', '0/0'])).out).toBe('NaN\n');
    expect((await cli(['eval', '1e300*1e10'])).out).toBe('Infinity\n');
  });

  it('evaluates programs', async () => {
    expect((await cli(['eval', 'a = 2; b = a^2; b + 1'])).out).toBe('5\n');
    expect((await cli(['eval', 'a = 2\nb = a^2 # square\nb + 1'])).out).toBe('5\n');
  });

  it('treats prototype names as ordinary variables', async () => {
    expect((await cli(['eval', '__proto__ + 1', '__proto__=2'])).out).toBe('3\n');
    expect((await cli(['eval', 'constructor*toString', 'constructor=2', 'toString=3'])).out).toBe('6\n');
    expect((await cli(['eval', '__proto__ = 2; __proto__ + 1'])).out).toBe('3\n');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers --json', async () => {
    const r = await cli(['eval', '3*x^2', 'x=2', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ input: '3*x^2', value: 12 });
    expect(JSON.parse((await cli(['eval', '1/0', '--json'])).out)).toEqual({ input: '1/0', value: 'Infinity' });
    expect(JSON.parse((await cli(['eval', '0/0', '--json'])).out)).toEqual({ input: '0/0', value: 'NaN' });
  });

  it('reports a bad expression as JSON on stdout and as text on stderr with --json', async () => {
    const r = await cli(['eval', '2**', '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.out)).toEqual({ error: 'syntax', message: "expected an expression, got '*'", line: 1, column: 3, offset: 2 });
    expectUsageError(r, /Syntax error at line 1, column 3/);
  });

  it('reports bad values', async () => {
    expectUsageError(await cli(['eval', 'x']), /no value given for x/);
    expectUsageError(await cli(['eval', 'x', 'x=y']), /must be a constant, but uses y/);
    expectUsageError(await cli(['eval', 'x', 'x']), /expected a value like x=2/);
    expectUsageError(await cli(['eval', 'x', 'x=1e999']), /too large for float64/);
    expectUsageError(await cli(['eval', 'x', 'x=(']), /in the value of x/);
  });
});

describe('print', () => {
  it('prints unicode by default, plain and latex on request', async () => {
    expect(await cli(['print', '3*x^2'])).toEqual({ status: 0, out: '3x²\n', err: '' });
    expect(await cli(['print', '3*x^2', '--format', 'plain'])).toEqual({ status: 0, out: '3*x^2\n', err: '' });
    expect(await cli(['print', '3*x^2', '--format', 'latex'])).toEqual({ status: 0, out: '3x^{2}\n', err: '' });
    expect((await cli(['print', '--format=latex', 'exp(-x^2/2)/sqrt(2*pi)'])).out).toBe(
      '\\frac{\\exp\\left(-\\frac{x^{2}}{2}\\right)}{\\sqrt{2\\pi}}\n',
    );
    expect((await cli(['print', '-2^2', '--format', 'plain'])).out).toBe('-2^2\n');
  });

  it('answers --json', async () => {
    expect(JSON.parse((await cli(['print', '3*x^2', '--json'])).out)).toEqual({ input: '3*x^2', unicode: '3x²' });
    expect(JSON.parse((await cli(['print', 'x^-1', '--json', '--format', 'latex'])).out)).toEqual({ input: 'x^-1', latex: 'x^{-1}' });
  });

  it('rejects an unknown format', async () => {
    expectUsageError(await cli(['print', 'x', '--format', 'ascii']), /unknown format 'ascii'/);
  });
});

describe('standard input', () => {
  it('answers one line per input line, a bad line with an empty line and a message naming the input line', async () => {
    const r = await cli(['eval', '-', 'x=3'], ['1+1\n2**\nx^2\n']);
    expect(r.out).toBe('2\n\n9\n');
    expect(r.out.split('\n')).toHaveLength(4); // three answers, aligned with the three input lines
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^input line 2: Syntax error at line 1, column 3: expected an expression, got '\*'\n {2}2\*\*\n {4}\^\n$/);
    expect(r.err).not.toMatch(STACK);
  });

  it('reads standard input when no expression is given', async () => {
    const r = await cli(['eval'], ['2^3^2\n', '-2^2\n']);
    expect(r).toEqual({ status: 0, out: '512\n-4\n', err: '' });
  });

  it('reads standard input for print, with the format applied to each line', async () => {
    const r = await cli(['print', '--format', 'plain'], ['3x²\n√x\n']);
    expect(r).toEqual({ status: 0, out: '3*x^2\nsqrt(x)\n', err: '' });
  });

  it('keeps empty lines and CRLF line ends aligned', async () => {
    const r = await cli(['eval'], ['1\r\n\r\n2\r\n   \n3']);
    expect(r).toEqual({ status: 0, out: '1\n\n2\n\n3\n', err: '' });
  });

  it('handles chunks that split lines', async () => {
    const r = await cli(['eval'], ['2^', '3^2\n1', '+1\n']);
    expect(r.out).toBe('512\n2\n');
  });

  it('answers --json per line, errors included', async () => {
    const r = await cli(['eval', '-', 'x=3', '--json'], ['1+1\n2**\nx^2\n']);
    expect(r.status).toBe(2);
    const lines = r.out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { input: '1+1', value: 2 },
      { error: 'syntax', message: "expected an expression, got '*'", line: 1, column: 3, offset: 2, input_line: 2 },
      { input: 'x^2', value: 9 },
    ]);
  });

  it('reports several bad lines, each with its number, and goes on', async () => {
    const r = await cli(['eval'], ['sinn(1)\n1+1\nx\n' + 'x+'.repeat(60_000) + 'x\n4']);
    expect(r.out).toBe('\n2\n\n\n4\n');
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^input line 1: .*unknown function sinn\(\)/m);
    expect(r.err).toMatch(/^input line 3: .*no value given for x/m);
    expect(r.err).toMatch(/^input line 4: .*120,001 characters long/m);
    expect(r.err.length).toBeLessThan(2000);
    expect(r.err).not.toMatch(STACK);
  });

  it('answers an empty input with nothing', async () => {
    expect(await cli(['eval'], [])).toEqual({ status: 0, out: '', err: '' });
  });
});

describe('help and usage', () => {
  it.each(Object.keys(commands))('%s --help', async (name) => {
    for (const flag of ['--help', '-h']) {
      const r = await cli([name, flag]);
      expect(r.status).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(new RegExp(`^Usage: exprgrad ${name} `));
      expect(r.out).toContain(commands[name].summary);
      for (const option of Object.keys(commands[name].options)) expect(r.out).toContain(`--${option}`);
      expect(r.out).toContain('--help');
    }
  });

  it('--help wins over an expression', async () => {
    const r = await cli(['eval', '2**', '--help']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^Usage: exprgrad eval /);
  });

  it('prints the command list for --help, -h and help (exit 0) and with no arguments (exit 2)', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await cli(argv);
      expect(r.status).toBe(0);
      for (const name of Object.keys(commands)) expect(r.out).toContain(`  ${name}`);
    }
    const bare = await cli([]);
    expect(bare.status).toBe(2);
    expect(bare.out + bare.err).toMatch(/Usage: exprgrad <command>/);
  });

  it('prints the version', async () => {
    expect((await cli(['--version'])).out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('rejects an unknown command', async () => {
    const r = await cli(['frobnicate', 'x']);
    expectUsageError(r, /unknown command 'frobnicate'/);
    expect(r.out).toBe('');
  });

  it('rejects prototype names as commands', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expectUsageError(await cli([name, 'x']), /unknown command/);
    }
  });

  it('rejects an unknown option', async () => {
    const r = await cli(['eval', '1+1', '--bogus']);
    expectUsageError(r, /Unknown option '--bogus'.*exprgrad eval --help/);
    expect(r.out).toBe('');
    expectUsageError(await cli(['print', 'x', '--format']), /--format/); // option without its value
    expectUsageError(await cli(['eval', '1', '--format', 'plain']), /Unknown option '--format'/);
  });

  it('tells how to pass an expression that starts with --, and keeps the message short', async () => {
    expectUsageError(await cli(['eval', '--2']), /Unknown option '--2'.*put '--' before an expression/);
    expect((await cli(['eval', '--', '--2'])).out).toBe('2\n');
    const long = await cli(['eval', '-'.repeat(10_000) + 'x', 'x=1']);
    expectUsageError(long, /Unknown option '-{30}…'/);
    expect(long.err.length).toBeLessThan(200);
  });
});

describe('bad input through eval', () => {
  const throwing = errorCases.filter(([, , want]) => 'code' in want);
  const returning = errorCases.filter(([, , want]) => 'value' in want && !('vars' in want));

  it.each(throwing)('%s: exit 2, a message, no stack trace', async (_name, input, want) => {
    const r = await cli(['eval', input]);
    expect(r.out).toBe('');
    expectUsageError(r);
    expect(r.err.length).toBeLessThan(500);
    // an input that starts like an option ("--…") is a usage error; every other one reports the parser's error
    if (!input.startsWith('--') && 'at' in want && want.at) {
      expect(r.err).toContain(`line ${want.at[0]}, column ${want.at[1]}`);
      expect(r.err).toMatch(/\n {2} *\^\n$/);
    }
  });

  it.each(returning)('%s: exit 0 with the value', async (_name, input, want) => {
    const r = await cli(['eval', '--', input]);
    expect(r).toEqual({ status: 0, out: `${(want as { value: number }).value}\n`, err: '' });
  });

  // Tensor ops reach the scalar evaluator only to be refused with a clear ExprError (exit 2), never exit 70.
  it('never answers an internal error for input that parses (tensor ops)', async () => {
    for (const input of ['max(1)', 'xᵀ']) {
      const r = await cli(['eval', input, 'x=1']);
      expect([0, 2]).toContain(r.status);
    }
  });
});

describe('the installed command (a real process)', () => {
  const bin = fileURLToPath(new URL('../../bin/exprgrad.js', import.meta.url));
  const built = existsSync(fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url)));
  const run = (args: string[], input?: string) =>
    spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, timeout: 20_000, env: { ...process.env, EXPRGRAD_DEBUG: '' } });

  it('needs dist/ (npm run build)', () => {
    expect(built, "dist/cli/bin.js is missing: run 'npm run build' (npm test does)").toBe(true);
  });

  it.runIf(built)('evaluates 2^3^2 and -2^2', () => {
    const a = run(['eval', '2^3^2']);
    expect([a.status, a.stdout, a.stderr]).toEqual([0, '512\n', '']);
    const b = run(['eval', '-2^2']);
    expect([b.status, b.stdout, b.stderr]).toEqual([0, '-4\n', '']);
  });

  it.runIf(built)('exits 2 on a syntax error, with a caret and no stack trace', () => {
    const r = run(['eval', '2**']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("exprgrad: Syntax error at line 1, column 3: expected an expression, got '*'\n  2**\n    ^\n");
  });

  it.runIf(built)('exits 2 on an unknown command and option, without a stack trace', () => {
    for (const args of [['frobnicate'], ['eval', '1', '--bogus']]) {
      const r = run(args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^exprgrad: /);
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it.runIf(built)('reads standard input', () => {
    const r = run(['eval', '-', 'x=2'], '3x²\n2**\nsin(exp(x^3))\n');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('12\n\n0.40176297151886475\n');
    expect(r.stderr).toMatch(/^input line 2: /);
    expect(r.stderr).not.toMatch(STACK);
  });
});
