// compile() returns three kinds of result, told apart by `kind` alone (TypeScript narrows on it: no casts).
import { describe, expect, it } from 'vitest';
import { compile, type Compiled } from '../../src/compile/compile.js';

function use(c: Compiled): string {
  switch (c.kind) {
    case 'scalar':
      return `scalar ${c.gradient({ x: 2 }).gradient.x}`;
    case 'tensor':
      return `tensor ${c.gradient({ A: Float32Array.of(1, 2, 3) }).value}`;
    case 'shaped':
      return `shaped ${c.evaluate({ A: [1, 2, 3] })}`;
  }
  return c satisfies never; // every kind handled: this line does not compile otherwise
}

describe('compile() result kinds', () => {
  it('a formula, a shaped tensor program and an unshaped one each say what they are', () => {
    expect(use(compile('x^2'))).toBe('scalar 4');
    expect(use(compile('sum(A * A)', { shapes: { A: [3] } }))).toBe('tensor 14');
    expect(use(compile('sum(A * A)'))).toBe('shaped 14');
  });
});
