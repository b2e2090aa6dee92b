// Types for bench/sympy-measure.mjs (plain JavaScript shared by the test and the benchmark).
export function sizeOf(lib: unknown, text: string): number;
export function quantile(xs: readonly number[], q: number): number;
export function usable(lib: unknown, entry: unknown): { e?: unknown; theirs?: number; theirsSimp?: number; why?: string };
export function measureCorpus(lib: unknown, corpus: unknown): { rows: unknown[]; skipped: { expr: string; why: string }[] };
