import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes } from './bytes.ts';
import { sortKey } from './sort-key.ts';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 0x5eed), numRuns: 300 });

const sign = (n: number | bigint) => (n > 0 ? 1 : n < 0 ? -1 : 0);

describe('sortKey', () => {
  it('u64 orders bytewise as the numbers do', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (a, b) => {
        expect(sign(compareBytes(sortKey.u64(a), sortKey.u64(b)))).toBe(sign(a - b));
      }),
    );
  });

  it('u32 orders bytewise as the numbers do', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 }), (a, b) => {
        expect(sign(compareBytes(sortKey.u32(a), sortKey.u32(b)))).toBe(sign(a - b));
      }),
    );
  });

  it('concat of fixed-width parts orders by the first part, then the next', () => {
    const part = fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.nat({ max: 2 ** 32 - 1 }));
    fc.assert(
      fc.property(part, part, ([blockA, indexA], [blockB, indexB]) => {
        const a = sortKey.concat(sortKey.u64(blockA), sortKey.u32(indexA));
        const b = sortKey.concat(sortKey.u64(blockB), sortKey.u32(indexB));
        expect(sign(compareBytes(a, b))).toBe(blockA !== blockB ? sign(blockA - blockB) : sign(indexA - indexB));
      }),
    );
  });

  it('writes big-endian at fixed width, and text as UTF-8', () => {
    expect(sortKey.u64(0x0102030405060708n)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    expect(sortKey.u64(258)).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 1, 2));
    expect(sortKey.u32(258)).toEqual(Uint8Array.of(0, 0, 1, 2));
    expect(sortKey.text('é')).toEqual(Uint8Array.of(0xc3, 0xa9));
  });

  it('rejects values that do not fit (REQUIRES)', () => {
    expect(() => sortKey.u64(-1)).toThrow('Expected 0 ≤ value < 2^64 for sortKey.u64, got -1');
    expect(() => sortKey.u64(1n << 64n)).toThrow(RangeError);
    expect(() => sortKey.u64(2 ** 53)).toThrow('Expected a safe integer or a bigint for sortKey.u64, got 9007199254740992');
    expect(() => sortKey.u32(2 ** 32)).toThrow(RangeError);
    expect(() => sortKey.u32(1.5)).toThrow(RangeError);
  });
});
