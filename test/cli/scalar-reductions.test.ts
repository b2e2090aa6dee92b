// Reductions of a scalar (sum, mean, max of one number are that number) through the API and the CLI, and the clear
// error for every other tensor op in a scalar command. No internal error, no TypeError, exit status 2 for the
// errors; and no message suggests a command that does not exist.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { parse } from '../../src/parse/parse.js';
import { derivative, gradient } from '../../src/diff/diff.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { ExprError } from '../../src/errors.js';
import { tensorOps } from '../../src/ir/tensor-ops.js';

async function cli(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await main(argv, {
    stdin: Readable.from([]),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { status, out, err };
}

const STACK = /^\s+at\s|\.(?:ts|js|mjs):\d+/m;

/** Scalar formulas u; each reduction form of u must behave exactly as u. */
const BODIES = ['x', 'x^2 + 1', 'sin(x)*exp(-x)', 'log(1 + x^2)/x', '3x - 2'];
const FORMS = ['sum(U)', 'mean(U)', 'max(U)', 'sum(U, axis=0)', 'mean(U, axis=1)', 'max(U, axis=1)', 'sum(U, 0)', 'sum(mean(U))'];

describe('sum, mean and max of a scalar are the scalar', () => {
  for (const body of BODIES) {
    for (const form of FORMS) {
      const text = form.replace('U', body);
      it(`${text}`, async () => {
        const e = parse(text);
        const u = parse(body);
        // API: the same derivatives (hash-consed graphs: equal means identical), values and gradients
        expect(derivative(e, 'x')).toBe(derivative(u, 'x'));
        expect(derivative(e, 'x', 2)).toBe(derivative(u, 'x', 2));
        expect(gradient(e).get('x')).toBe(gradient(u).get('x'));
        for (const x of [0.5, 2, 3.25]) expect(evaluate(e, { x })).toBe(evaluate(u, { x }));
        // CLI: diff, eval and eval --grad print what they print for u
        for (const argv of [['diff'], ['eval', 'x=1.5'], ['eval', 'x=1.5', '--grad'], ['diff', '--order', '2']]) {
          const [cmd, ...rest] = argv;
          const got = await cli([cmd, text, ...rest]);
          const want = await cli([cmd, body, ...rest]);
          expect(got.status, got.err).toBe(0);
          expect(got).toEqual(want);
        }
      });
    }
  }
});

/** Every other tensor op, called with its least number of arguments (integer literals where literals are required). */
function tensorCalls(): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, spec] of Object.entries(tensorOps)) {
    if (name === 'sum' || name === 'mean' || name === 'amax') continue;
    if (name === 'matmul') out.push([name, 'x @ y']);
    else if (name === 'transpose') out.push([name, 'xᵀ']);
    else {
      const args = ['x'];
      for (let i = 1; i < spec.minArgs; i++) args.push((spec as { literalArgs?: readonly number[] }).literalArgs?.includes(i) ? '1' : 'y');
      out.push([name, `${name}(${args.join(', ')})`]);
    }
  }
  return out;
}

describe('other tensor ops in scalar commands', () => {
  it('covers every tensor op of the table', () => {
    expect(tensorCalls().length).toBe(Object.keys(tensorOps).length - 3);
  });

  it.each(tensorCalls())('%s: a usage error, never an internal one', async (_name, text) => {
    const e = parse(text);
    for (const f of [() => derivative(e, 'x'), () => evaluate(e, { x: 1, y: 2 }), () => gradient(e)]) {
      expect(f).toThrow(ExprError);
      try {
        f();
      } catch (err) {
        expect((err as ExprError).code).toBe('usage');
        expect((err as ExprError).reason).toMatch(/tensor operation/);
      }
    }
    for (const argv of [['diff', text, '--wrt', 'x'], ['eval', text, 'x=1', 'y=2'], ['eval', text, 'x=1', 'y=2', '--grad']]) {
      const r = await cli(argv);
      expect(r.status, `${argv.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(/^exprgrad: .*tensor operation/);
      expect(r.err).not.toMatch(STACK);
      expect(r.err).not.toMatch(/internal error|TypeError/);
    }
  });

  it('rejects eval --grad of a program with declared shapes clearly', async () => {
    const r = await cli(['eval', 'x : [2]; y = sum(x)', 'x=1', '--grad']);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^exprgrad: .*scalar formulas/);
    expect(r.err).not.toMatch(STACK);
  });
});

describe('messages name only commands that exist', () => {
  it('every "exprgrad <command>" in the messages of scalar commands on tensor ops is a real command', async () => {
    const listed = (await cli(['no-such-command'])).err;
    expect(listed).toMatch(/Commands: /);
    const known = new Set(listed.split('Commands: ')[1].trim().split(/,\s*/));
    expect(known.has('eval')).toBe(true);
    const messages: string[] = [];
    for (const [, text] of tensorCalls()) {
      for (const f of [() => derivative(parse(text), 'x'), () => evaluate(parse(text), { x: 1, y: 2 })]) {
        try {
          f();
        } catch (err) {
          messages.push((err as Error).message);
        }
      }
      for (const argv of [['diff', text, '--wrt', 'x'], ['eval', text, 'x=1', 'y=2', '--grad']]) messages.push((await cli(argv)).err);
    }
    messages.push((await cli(['eval', 'x : [2]; y = sum(x)', 'x=1', '--grad'])).err);
    const named = messages.flatMap((m) => [...m.matchAll(/\bexprgrad ([a-z][a-z-]*)/g)].map((x) => x[1]));
    expect(named.length).toBeGreaterThan(0); // the messages do point somewhere
    for (const name of named) expect(known, `exprgrad ${name}`).toContain(name);
  });
});
