// Deterministic random numbers (mulberry32): the same seed gives the same parameter initialization, batch order
// and dropout masks everywhere.
//
// In: a 32-bit seed. Out: a function returning uniform numbers in [0, 1).

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
