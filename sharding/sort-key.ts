/**
 * Order-preserving sort-key parts. A data canister orders a partition's items by the
 * bytewise order of their sort keys, so numbers are written big-endian at a fixed width:
 * then bytewise order is numeric order.
 *
 * Composite keys: `sortKey.concat(sortKey.u64(block), sortKey.u32(logIndex))` orders by
 * block, then log index. Put at most one variable-length part (`text` or raw bytes), and
 * put it last: a variable-length part followed by another part does not keep its order
 * ("a" ‖ 0xFF sorts after "ab" ‖ 0x00).
 */
import { concatBytes } from '@noble/hashes/utils';

const U64_LIMIT = 1n << 64n;
const U32_LIMIT = 2 ** 32;

const utf8Encoder = new TextEncoder();

export const sortKey = {
  /** 8 bytes big-endian. REQUIRES: an integer in 0 .. 2^64 - 1. */
  u64(value: bigint | number): Uint8Array {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`Expected a safe integer or a bigint for sortKey.u64, got ${value}`);
    }
    const n = BigInt(value);
    if (n < 0n || n >= U64_LIMIT) throw new RangeError(`Expected 0 ≤ value < 2^64 for sortKey.u64, got ${n}`);
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, n, false);
    return out;
  },

  /** 4 bytes big-endian. REQUIRES: an integer in 0 .. 2^32 - 1. */
  u32(value: number): Uint8Array {
    if (!Number.isInteger(value) || value < 0 || value >= U32_LIMIT) {
      throw new RangeError(`Expected an integer 0 ≤ value < 2^32 for sortKey.u32, got ${value}`);
    }
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, value, false);
    return out;
  },

  /** UTF-8 as is. Bytewise order of UTF-8 is code-point order, not locale order. */
  text(value: string): Uint8Array {
    return utf8Encoder.encode(value);
  },

  /** The parts one after another; see the module comment on variable-length parts. */
  concat(...parts: readonly Uint8Array[]): Uint8Array {
    return concatBytes(...parts);
  },
} as const;
