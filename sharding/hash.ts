/**
 * xxHash64 (XXH64), the hash behind slot routing.
 *
 * The WebAssembly build of the reference implementation (`xxhash-wasm`) is instantiated
 * once, with a top-level await, when this module loads; after that every call is
 * synchronous, so the sharding API has no async surface. `canisters/lib/XxHash64.mo` is
 * the Motoko twin; `vectors.json` proves both agree.
 */
import xxhash from 'xxhash-wasm';

const { h64Raw } = await xxhash();

const MAX_U64 = (1n << 64n) - 1n;

/**
 * XXH64 of `bytes` with `seed`, as an unsigned 64-bit integer.
 * REQUIRES: 0 ≤ seed < 2^64.
 * @example xxh64(new TextEncoder().encode('abc')) === 0x44bc2cf5ad770999n
 */
export function xxh64(bytes: Uint8Array, seed: bigint = 0n): bigint {
  if (seed < 0n || seed > MAX_U64) throw new RangeError(`Expected a seed in 0..2^64-1, got ${seed}`);
  return h64Raw(bytes, seed);
}
