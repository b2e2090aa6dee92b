// The convolution ops of the registry (src/ir/conv-ops.ts): keyword arguments (parse, defaults, printing that
// parses back), shape rules, and the errors a whole class of bad programs gets (what, where, the shapes).
import { describe, expect, it } from 'vitest';
import { compile, parse, parseProgram, format, ExprError, STYLES } from '../../src/index.js';

const shapesOf = (src: string) => parseProgram(src).shapes;

function fails(src: string, pattern: RegExp, code?: string): void {
  let err: unknown;
  try {
    const p = parseProgram(src);
    compile(src, { shapes: p.shapes, wrt: [] });
  } catch (e) {
    err = e;
  }
  expect(err, src).toBeInstanceOf(ExprError);
  if (code) expect((err as ExprError).code, src).toBe(code);
  expect((err as Error).message, src).toMatch(pattern);
}

describe('keyword arguments', () => {
  it('fill defaults, so every spelling of one call is one node', () => {
    const same = [
      ['conv2d(x, K)', 'conv2d(x, K, 1, 0)', 'conv2d(x, K, stride=1, pad=0)', 'conv2d(x, K, pad=0, stride=1)', 'conv2d(x, K, 1, pad=0)'],
      ['max_pool2d(x)', 'max_pool2d(x, size=2)', 'max_pool2d(x, 2, 2)', 'max_pool2d(x, stride=2)'],
      ['max_pool2d(x, size=3)', 'max_pool2d(x, size=3, stride=3)', 'max_pool2d(x, 3)'],
      ['dropout(h)', 'dropout(h, rate=0.5)', 'dropout(h, 0.5)'],
    ];
    for (const group of same) for (const s of group) expect(parse(s), s).toBe(parse(group[0]));
    expect(parse('max_pool2d(x, size=3, stride=2)')).not.toBe(parse('max_pool2d(x, size=3)'));
  });

  it('print by name, leave out defaults, and parse back in plain style', () => {
    const cases: [string, string][] = [
      ['conv2d(x, K, 1, 0)', 'conv2d(x, K)'],
      ['conv2d(x, K, stride=2, pad=1)', 'conv2d(x, K, stride=2, pad=1)'],
      ['conv2d(x, K, pad=1)', 'conv2d(x, K, pad=1)'],
      ['max_pool2d(x, 3, 2)', 'max_pool2d(x, size=3, stride=2)'],
      ['avg_pool2d(x, size=2)', 'avg_pool2d(x)'],
      ['dropout(h, rate=0.25)', 'dropout(h, rate=0.25)'],
      ['conv2d_transpose(g, K, stride=2, height=7)', 'conv2d_transpose(g, K, stride=2, height=7)'],
      ['conv2d_backprop_filter(x, g, 3, 3)', 'conv2d_backprop_filter(x, g, 3, 3)'],
      ['reshape(x, 2, -1)', 'reshape(x, 2, -1)'],
    ];
    for (const [src, plain] of cases) {
      const e = parse(src);
      expect(format(e, 'plain'), src).toBe(plain);
      expect(parse(format(e, 'plain')), src).toBe(e);
      for (const style of STYLES) expect(format(e, style), `${src} ${style}`).toMatch(/\S/);
    }
    expect(format(parse('conv2d(x, K, stride=2)'), 'latex')).toBe('\\operatorname{conv2d}\\left(x, K, stride=2\\right)');
  });

  it('refuse bad keyword arguments with the place and what is allowed', () => {
    const bad: [string, RegExp][] = [
      ['conv2d(x, K, strides=2)', /unknown keyword argument strides= \(conv2d\(\) takes stride=, pad=\)/],
      ['max_pool2d(x, size=2, size=3)', /size= is given twice/],
      ['conv2d(x, K, 2, stride=2)', /stride= is also given as argument 3/],
      ['conv2d(x, K, stride=n)', /stride= of conv2d\(\) must be an integer literal/],
      ['conv2d(x, K, pad=1.5)', /pad= of conv2d\(\) must be an integer literal/],
      ['dropout(h, rate=r)', /rate= of dropout\(\) must be a number literal/],
      ['conv2d(x, stride=2, K)', /positional arguments must come before stride=/],
      ['conv2d_backprop_filter(x, g, stride=2)', /needs argument 3/],
      ['sin(x, axis=1)', /unknown keyword argument axis=|takes no axis= argument/],
      ['flatten(x, stride=1)', /unknown keyword argument stride=/],
    ];
    for (const [src, msg] of bad) {
      let err: unknown;
      try {
        parse(src);
      } catch (e) {
        err = e;
      }
      expect(err, src).toBeInstanceOf(ExprError);
      expect((err as Error).message, src).toMatch(msg);
      expect((err as ExprError).location, src).toBeDefined();
    }
  });
});

describe('shapes', () => {
  const conv = (x: number[], k: number[], extra = '') => `x : [${x}]\nK : [${k}]\ny = conv2d(x, K${extra})\nloss = sum(y)`;
  const outShape = (src: string, name = 'y') => {
    const p = parseProgram(src);
    const c = compile(src, { shapes: p.shapes, wrt: [], keep: [name] });
    if (c.kind !== 'tensor') throw new Error('not a tensor program');
    const st = p.statements.find((s) => s.name === name)!;
    return c.tape.shapes.get(st.expr);
  };

  it("follow Keras's valid and same arithmetic", () => {
    expect(outShape(conv([128, 28, 28, 1], [3, 3, 1, 32]))).toEqual([128, 26, 26, 32]);
    expect(outShape(conv([2, 28, 28, 1], [3, 3, 1, 4], ', pad=1'))).toEqual([2, 28, 28, 4]);
    expect(outShape(conv([2, 7, 8, 3], [3, 3, 3, 4], ', stride=2, pad=1'))).toEqual([2, 4, 4, 4]);
    expect(outShape(conv([1, 6, 6, 2], [1, 1, 2, 5]))).toEqual([1, 6, 6, 5]);
    expect(outShape('x : [4, 13, 13, 8]\ny = max_pool2d(x)')).toEqual([4, 6, 6, 8]);
    expect(outShape('x : [4, 7, 7, 8]\ny = avg_pool2d(x, size=3, stride=2)')).toEqual([4, 3, 3, 8]);
    expect(outShape('x : [4, 5, 5, 64]\ny = flatten(x)')).toEqual([4, 1600]);
    expect(outShape('x : [4, 6]\ny = reshape(x, 2, -1, 3)')).toEqual([2, 4, 3]);
  });

  it('name the statement, the op and the shapes in errors, for a whole class of bad programs', () => {
    fails(conv([1, 3, 3, 1], [5, 5, 1, 2]), /line 3 \(y = …\): conv2d of x \[1, 3, 3, 1\] and K \[5, 5, 1, 2\]: a 5×5 kernel does not fit a 3×3 input with pad 0/, 'shape');
    fails(conv([1, 3, 8, 1], [4, 3, 1, 2], ', pad=0'), /a 4×3 kernel does not fit a 3×8 input with pad 0/, 'shape');
    fails(conv([2, 8, 8, 3], [3, 3, 1, 2]), /conv2d of x \[2, 8, 8, 3\] and K \[3, 3, 1, 2\]: the filters take 1 input channel but the input has 3/, 'shape');
    fails(conv([2, 8, 8, 3], [3, 3, 4, 2]), /the filters take 4 input channels but the input has 3/, 'shape');
    fails(conv([2, 64], [3, 3, 1, 2]), /the input of conv2d must be an image batch \[batch, height, width, channels\], got \[2, 64\]/, 'shape');
    fails(conv([2, 8, 8, 1], [3, 3, 1]), /filters must be \[height, width, in channels, out channels\], got \[3, 3, 1\]/, 'shape');
    fails(conv([2, 8, 8, 1], [3, 3, 1, 2], ', stride=0'), /stride must be an integer ≥ 1, got 0/, 'shape');
    fails(conv([2, 8, 8, 1], [3, 3, 1, 2], ', pad=-1'), /pad must be an integer ≥ 0, got -1|pad must be an integer ≥ 0/, 'shape');
    fails('x : [1, 3, 3, 2]\ny = max_pool2d(x, size=4)\nloss = sum(y)', /max_pool2d of x \[1, 3, 3, 2\]: a 4×4 window does not fit a 3×3 input with pad 0/, 'shape');
    fails('x : [1, 3, 3, 2]\ny = avg_pool2d(x, size=2, stride=0)\nloss = sum(y)', /stride must be an integer ≥ 1/, 'shape');
    fails('x : [6, 4]\ny = reshape(x, 5, 5)\nloss = sum(y)', /cannot reshape \[6, 4\] \(24 elements\) to \[5, 5\]/, 'shape');
    fails('x : [6, 4]\ny = reshape(x, -1, -1)\nloss = sum(y)', /one may be −1/, 'shape');
    fails('x : [6]\ny = flatten(x)\nloss = sum(y)', /flatten needs a batch of at least rank 2/, 'shape');
    fails('x : [6, 4]\ny = dropout(x, rate=1)\nloss = sum(y)', /the dropout rate must be in \[0, 1\), got 1/, 'shape');
    fails('x : [2, 4, 4, 3]\nb : [2, 1, 1, 3]\ny = x + b\nloss = sum(y)', /past rank 2 an operand must be a scalar, the same shape, or a vector along the last axis/, 'shape');
    fails('x : [2, 4, 4, 3]\ny = sum(x, axis=1)', /axis= needs a vector or a matrix, got rank 4/, 'shape');
    fails('x : [2, 4, 4, 3]\ny = softmax(x)', /softmax needs a vector or a matrix/, 'shape');
    fails('x : [2, 4, 4, 3]\ny = transpose(x)', /transpose needs a vector or a matrix/, 'shape');
    fails('x : [2, 4, 4, 3]\nW : [3, 3]\ny = x @ W', /@ needs two matrices/, 'shape');
    fails('x : [2, 4, 4, 3, 1]\ny = sum(x)', /shapes have at most 4 dimensions, got 5/, 'shape');
  });

  it('broadcast a per-channel bias and scalars over images', () => {
    const src = 'x : [2, 3, 3, 4]\nb : [4]\ny = 2 * x + b\nloss = sum(y)';
    const c = compile(src, { shapes: shapesOf(src), wrt: ['b'], dtype: 'float64' });
    if (c.kind !== 'tensor') throw new Error('tensor');
    const x = Float64Array.from({ length: 72 }, (_, i) => i / 7);
    const b = Float64Array.from([1, 2, 3, 4]);
    const r = c.gradient({ x, b });
    expect(r.value).toBeCloseTo(2 * x.reduce((a, v) => a + v, 0) + 18 * 10, 9);
    expect([...r.gradient.b]).toEqual([18, 18, 18, 18]);
  });
});
