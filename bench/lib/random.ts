/** Seeded randomness for benchmarks, so the same seed picks the same keys and values on every run. */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** A seeded generator of numbers in [0, 1) (pure-rand's xoroshiro128+). */
export function seededRandom(seed: number): () => number {
  const rng = xoroshiro128plus(seed);
  return () => uniformFloat64(rng);
}

/** `count` distinct indices in `0 .. n-1` (all of them when `count ≥ n`), in ascending order. */
export function sampleIndices(random: () => number, n: number, count: number): number[] {
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * n));
  return [...picked].sort((a, b) => a - b);
}
