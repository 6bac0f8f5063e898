import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '@noble/hashes/utils';
import { compareBytes } from './bytes.ts';
import { InvalidKeyError } from './errors.ts';
import {
  decodeKey,
  encodeKey,
  keyInRange,
  MAX_COLLECTION_BYTES,
  MAX_KEY_BYTES,
  MAX_PARTITION_BYTES,
  partitionPrefix,
  partitionRange,
  SLOT_COUNT,
  slotOf,
  slotRange,
  validateKey,
} from './key.ts';

// Fixed so that runs are reproducible; set FC_SEED to explore. fast-check prints the seed
// and the shrunk counterexample of a failure.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 0x5eed), numRuns: 300 });

const utf8 = (text: string) => new TextEncoder().encode(text);

// Small alphabets make different keys share slots, partitions and prefixes often.
const collection = fc.string({ unit: fc.constantFrom('a', 'b', 'é', '日', '🎉'), minLength: 1, maxLength: 6 });
const partition = fc.oneof(fc.uint8Array({ maxLength: 6 }), fc.uint8Array({ maxLength: 4, min: 0xfe, max: 0xff }));
const sort = fc.uint8Array({ maxLength: 8, max: 3 });
const key = fc.record({ collection, partition, sort });

describe('encodeKey and decodeKey', () => {
  it('decodeKey inverts encodeKey', () => {
    fc.assert(
      fc.property(key, (k) => {
        expect(decodeKey(encodeKey(k.collection, k.partition, k.sort))).toEqual({ ...k, slot: slotOf(k.collection, k.partition) });
      }),
    );
  });

  it('lays out slot, collection, partition and sort key as documented', () => {
    const encoded = encodeKey('users', utf8('alice'), Uint8Array.of(1, 2));
    const slot = slotOf('users', utf8('alice'));
    expect(encoded).toEqual(concatBytes(Uint8Array.of(slot >> 8, slot & 0xff, 5), utf8('users'), Uint8Array.of(0, 5), utf8('alice'), Uint8Array.of(1, 2)));
  });

  it('accepts an empty sort key by default', () => {
    expect(encodeKey('users', utf8('alice'))).toEqual(encodeKey('users', utf8('alice'), new Uint8Array()));
  });

  it('orders the keys of one partition as their sort keys, bytewise', () => {
    fc.assert(
      fc.property(collection, partition, sort, sort, (c, p, s1, s2) => {
        expect(Math.sign(compareBytes(encodeKey(c, p, s1), encodeKey(c, p, s2)))).toBe(Math.sign(compareBytes(s1, s2)));
      }),
    );
  });
});

describe('slotOf', () => {
  it('is the top 16 bits of xxh64(collection ‖ 0x00 ‖ partition)', () => {
    // From vectors.json, which the Motoko twin reproduces.
    expect(slotOf('users', utf8('alice'))).toBe(1876);
  });

  it('ignores the sort key: a whole partition lives in one slot', () => {
    fc.assert(
      fc.property(key, (k) => {
        expect(decodeKey(encodeKey(k.collection, k.partition, k.sort)).slot).toBe(slotOf(k.collection, k.partition));
      }),
    );
  });

  it('spreads partitions evenly: each 1/256 of the slots gets 256 ± 100 of 65,536 partitions', () => {
    const counts = new Uint32Array(256);
    for (let i = 0; i < SLOT_COUNT; i++) counts[slotOf('items', Uint8Array.of(i >> 8, i & 0xff)) >> 8]++;
    expect(Math.min(...counts)).toBeGreaterThan(156);
    expect(Math.max(...counts)).toBeLessThan(356);
  });
});

describe('slotRange', () => {
  it('holds every key of its slot and none of the neighbouring slots', () => {
    fc.assert(
      fc.property(key, (k) => {
        const encoded = encodeKey(k.collection, k.partition, k.sort);
        const slot = slotOf(k.collection, k.partition);
        expect(keyInRange(encoded, slotRange(slot))).toBe(true);
        if (slot > 0) expect(keyInRange(encoded, slotRange(slot - 1))).toBe(false);
        if (slot < SLOT_COUNT - 1) expect(keyInRange(encoded, slotRange(slot + 1))).toBe(false);
      }),
    );
  });

  it('holds keys with a 255-byte collection starting with the highest UTF-8 lead byte', () => {
    const collectionName = '\u{10FFFF}'.repeat(63) + 'abc'; // 63 × 4 + 3 = 255 bytes, first byte 0xF4
    const partitionKey = Uint8Array.of(0xff, 0xff);
    const encoded = encodeKey(collectionName, partitionKey, Uint8Array.of(0xff, 0xff, 0xff));
    expect(keyInRange(encoded, slotRange(slotOf(collectionName, partitionKey)))).toBe(true);
  });

  it('starts at the slot in 2 bytes and ends before the next slot', () => {
    expect(slotRange(0)).toEqual({ start: Uint8Array.of(0, 0), end: Uint8Array.of(0, 0, 0xff, 0xff) });
    expect(slotRange(65535)).toEqual({ start: Uint8Array.of(0xff, 0xff), end: Uint8Array.of(0xff, 0xff, 0xff, 0xff) });
  });

  it('rejects a slot outside 0..65535 (REQUIRES)', () => {
    expect(() => slotRange(65536)).toThrow('Expected a slot in 0..65535 (SLOT_COUNT = 65536), got 65536');
    expect(() => slotRange(-1)).toThrow(RangeError);
    expect(() => slotRange(1.5)).toThrow(RangeError);
  });
});

describe('partitionPrefix and partitionRange', () => {
  it('a partition prefix starts every key of that partition and no key of another', () => {
    fc.assert(
      fc.property(key, collection, partition, (k, otherCollection, otherPartition) => {
        const prefix = partitionPrefix(k.collection, k.partition);
        const startsWithPrefix = (bytes: Uint8Array) => compareBytes(bytes.subarray(0, prefix.length), prefix) === 0;
        expect(startsWithPrefix(encodeKey(k.collection, k.partition, k.sort))).toBe(true);
        const samePartition = otherCollection === k.collection && compareBytes(otherPartition, k.partition) === 0;
        expect(startsWithPrefix(encodeKey(otherCollection, otherPartition, k.sort))).toBe(samePartition);
      }),
    );
  });

  it('holds exactly the keys of the partition with from ≤ sort < to', () => {
    const bound = fc.option(sort, { nil: undefined });
    fc.assert(
      fc.property(key, collection, partition, bound, bound, (k, otherCollection, otherPartition, from, to) => {
        const range = partitionRange(k.collection, k.partition, { from, to });
        const inBounds = (s: Uint8Array) => (from === undefined || compareBytes(from, s) <= 0) && (to === undefined || compareBytes(s, to) < 0);
        expect(keyInRange(encodeKey(k.collection, k.partition, k.sort), range)).toBe(inBounds(k.sort));
        const samePartition = otherCollection === k.collection && compareBytes(otherPartition, k.partition) === 0;
        if (!samePartition) expect(keyInRange(encodeKey(otherCollection, otherPartition, k.sort), range)).toBe(false);
      }),
    );
  });

  it('ends an open range at the prefix successor, dropping trailing 0xFF bytes', () => {
    const { start, end } = partitionRange('bin', Uint8Array.of(0x01, 0xff, 0xff));
    expect(end).toEqual(concatBytes(start.subarray(0, start.length - 3), Uint8Array.of(0x02)));
  });
});

describe('key limits', () => {
  const p = utf8('p');

  it('accepts keys exactly at each limit', () => {
    expect(validateKey('c'.repeat(MAX_COLLECTION_BYTES), p)).toBeUndefined();
    expect(validateKey('k', new Uint8Array(MAX_PARTITION_BYTES))).toBeUndefined();
    const sortAtLimit = new Uint8Array(MAX_KEY_BYTES - 5 - 1 - MAX_PARTITION_BYTES);
    expect(encodeKey('k', new Uint8Array(MAX_PARTITION_BYTES), sortAtLimit)).toHaveLength(MAX_KEY_BYTES);
  });

  it('names the broken limit and the actual size', () => {
    const messages = [
      () => encodeKey('', p),
      () => encodeKey('c'.repeat(MAX_COLLECTION_BYTES + 1), p),
      () => encodeKey('日'.repeat(86), p),
      () => encodeKey('a\0b', p),
      () => encodeKey('big', new Uint8Array(MAX_PARTITION_BYTES + 1)),
      () => encodeKey('k', new Uint8Array(MAX_PARTITION_BYTES), new Uint8Array(MAX_KEY_BYTES - 5 - 1 - MAX_PARTITION_BYTES + 1)),
      () => encodeKey('\uD800', p),
    ].map((encode) => {
      try {
        encode();
        return 'no error';
      } catch (e) {
        return e instanceof InvalidKeyError ? `${e.code}: ${e.message}` : String(e);
      }
    });
    expect(messages).toMatchInlineSnapshot(`
      [
        "collection-empty: collection is empty; it needs 1 to 255 UTF-8 bytes (MAX_COLLECTION_BYTES)",
        "collection-too-long: collection is 256 UTF-8 bytes; the limit is MAX_COLLECTION_BYTES = 255",
        "collection-too-long: collection is 258 UTF-8 bytes; the limit is MAX_COLLECTION_BYTES = 255",
        "collection-has-nul: collection has a 0x00 byte at offset 1; 0x00 separates collection from partition in the slot hash",
        "partition-too-long: partition is 1025 bytes; the limit is MAX_PARTITION_BYTES = 1024",
        "key-too-long: encoded key is 2049 bytes; the limit is MAX_KEY_BYTES = 2048 (5 bytes of framing + collection + partition + sort)",
        "collection-not-utf8: collection is not valid UTF-8 (it contains a lone UTF-16 surrogate)",
      ]
    `);
  });

  it('slotOf, partitionPrefix and partitionRange check the collection and partition too', () => {
    expect(() => slotOf('', p)).toThrow(InvalidKeyError);
    expect(() => partitionPrefix('a', new Uint8Array(MAX_PARTITION_BYTES + 1))).toThrow(InvalidKeyError);
    expect(() => partitionRange('a\0', p)).toThrow(InvalidKeyError);
  });

  it('decodeKey rejects truncated framing and bytes that break a key rule', () => {
    const codeOf = (bytes: Uint8Array) => {
      try {
        decodeKey(bytes);
        return 'decoded';
      } catch (e) {
        return e instanceof InvalidKeyError ? e.code : String(e);
      }
    };
    expect(codeOf(Uint8Array.of(0, 0, 1))).toBe('key-truncated');
    expect(codeOf(Uint8Array.of(0, 0, 9, 0x61, 0, 0))).toBe('key-truncated');
    expect(codeOf(Uint8Array.of(0, 0, 1, 0x61, 0, 3, 1))).toBe('key-truncated');
    expect(codeOf(Uint8Array.of(0, 0, 0, 0, 0))).toBe('collection-empty');
    expect(codeOf(Uint8Array.of(0, 0, 1, 0xff, 0, 0))).toBe('collection-not-utf8');
    expect(codeOf(Uint8Array.of(0, 0, 1, 0x00, 0, 0))).toBe('collection-has-nul');
  });
});
