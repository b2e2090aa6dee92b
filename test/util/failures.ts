// Collecting failures in the property tests: each one with the expression (plain text, which parses back), the
// point, what was compared, expected and actual; the test then asserts the report is empty, so one run shows them all.

export type Point = Record<string, number>;

export interface Failure {
  readonly index: number;
  readonly expr: string;
  readonly point?: Point;
  readonly what: string;
  readonly expected?: number;
  readonly actual?: number | string;
}

export function show(f: Failure): string {
  const pt = f.point ? ' at ' + Object.entries(f.point).map(([k, v]) => `${k}=${v}`).join(', ') : '';
  return `#${f.index} ${f.expr}${pt}: ${f.what}` + (f.expected !== undefined || f.actual !== undefined ? `: expected ${f.expected ?? "?"}, got ${f.actual}` : '');
}

/** '' when there are no failures, else a count and the first `limit` of them, one a line. */
export function report(failures: readonly Failure[], limit = 25): string {
  return failures.length === 0 ? '' : `${failures.length} failures:\n` + failures.slice(0, limit).map(show).join('\n');
}
