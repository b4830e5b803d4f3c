/**
 * Seeded, portable randomness: the same inputs give the same text and vectors on every machine,
 * so tests can compare the simulator's output exactly.
 */

/** FNV-1a over the UTF-16 code units of `text`, continuing from `hash`. */
export function hashString(text: string, hash = 0x811c9dc5): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A small fast PRNG (mulberry32): a function returning floats in [0, 1). */
export type Random = () => number;

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function pickIndex(random: Random, n: number): number {
  return Math.floor(random() * n);
}
