import { describe, expect, it } from 'vitest';
import { xxh64 } from './hash.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('xxh64', () => {
  // Published XXH64 values (seed 0): the xxHash reference for "", Fastly's VCL docs for "abc",
  // the python-xxhash README for the 39-byte sentence (long enough for the 32-byte stripe
  // loop), and the .NET runtime's XxHash64 tests for the fox.
  it.each([
    ['', 0xef46db3751d8e999n],
    ['abc', 0x44bc2cf5ad770999n],
    ['Nobody inspects the spammish repetition', 0xfbcea83c8a378bf1n],
    ['The quick brown fox jumps over the lazy dog', 0x0b242d361fda71bcn],
  ])('matches the published value for %j', (text, expected) => {
    expect(xxh64(utf8(text))).toBe(expected);
  });

  it('defaults the seed to 0 and changes with it', () => {
    const data = utf8('seeded');
    expect(xxh64(data)).toBe(xxh64(data, 0n));
    expect(xxh64(data, 1n)).not.toBe(xxh64(data, 0n));
  });

  it('returns an unsigned 64-bit value', () => {
    for (const text of ['', 'a', 'abc', 'xxhash']) {
      const h = xxh64(utf8(text), (1n << 64n) - 1n);
      expect(h >= 0n && h < 1n << 64n).toBe(true);
    }
  });

  it('rejects a seed outside 0..2^64-1', () => {
    expect(() => xxh64(utf8('x'), -1n)).toThrow(RangeError);
    expect(() => xxh64(utf8('x'), 1n << 64n)).toThrow('Expected a seed in 0..2^64-1, got 18446744073709551616');
  });
});
