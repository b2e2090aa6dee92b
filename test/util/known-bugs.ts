// Bugs the random tests found in src/ and that are not fixed yet. Each entry says which expressions it affects, so
// the random runs can leave exactly those out (and count them) until the fix lands; the test that pins the bug by
// name lives with the report, not here. Remove an entry once src/ is fixed: the random tests then cover it again.

import { Expr } from '../../src/ir/expr.js';

export interface KnownBug {
  readonly name: string;
  /** Input, expected, actual. */
  readonly description: string;
  readonly affects: (e: Expr) => boolean;
}

// None open. (sign(sign(u)) simplifying to u was found here and fixed: see test/simplify/regressions.test.ts.)
export const KNOWN_BUGS: readonly KnownBug[] = [];

/** The first known bug affecting the expression, if any. */
export function knownBug(e: Expr): KnownBug | undefined {
  return KNOWN_BUGS.find((b) => b.affects(e));
}
