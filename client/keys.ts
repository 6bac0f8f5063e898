/**
 * What a user's key becomes on the wire: a collection, a partition and a sort key
 * (sharding/key.ts encodes them; only collection and partition choose the slot).
 *
 * A key is a string or bytes (the partition, no sort key: plain key-value use), or
 * `{ partition, sort }` for items kept in order inside a partition. Sort keys given as
 * numbers or bigints are 8-byte big-endian, so numeric order is byte order.
 */
import { encodeKey, sortKey, decodeKey, InvalidKeyError as ShardingKeyError } from '../sharding/index.ts';
import { InvalidKeyError, KeyTooLargeError } from './errors/index.ts';

export type KeyPart = string | Uint8Array;
export type SortPart = KeyPart | number | bigint;
export type Key = KeyPart | { partition: KeyPart; sort?: SortPart };

/** How a collection hands keys back from scans: as text (UTF-8) or as bytes. */
export type KeyFormat = 'text' | 'bytes';
export type OutputKey<F extends KeyFormat> = F extends 'text' ? string : Uint8Array;
/** A key as scans return it: the partition alone, or the partition and the sort key. */
export type ItemKey<F extends KeyFormat> = OutputKey<F> | { partition: OutputKey<F>; sort: OutputKey<F> };

const utf8 = new TextEncoder();

export function partBytes(part: KeyPart): Uint8Array {
  if (typeof part !== 'string') return part;
  // TextEncoder turns every lone surrogate into U+FFFD: 'a\uD800' and 'a\uDBFF' would be one key.
  if (/\p{Cs}/u.test(part)) throw new InvalidKeyError(`A text key part must be valid Unicode; ${JSON.stringify(part)} has a lone UTF-16 surrogate (pass bytes for binary keys)`);
  return utf8.encode(part);
}

export function sortBytes(sort: SortPart | undefined): Uint8Array {
  if (sort === undefined) return new Uint8Array();
  if (typeof sort === 'number' || typeof sort === 'bigint') {
    if (typeof sort === 'number' && !Number.isSafeInteger(sort)) throw new InvalidKeyError(`A numeric sort key must be a non-negative safe integer, got ${sort}`);
    if (sort < 0) throw new InvalidKeyError(`A numeric sort key must be non-negative (it is stored as an unsigned 64-bit number), got ${sort}`);
    return sortKey.u64(sort);
  }
  return partBytes(sort);
}

/** The stored key of `key` in `collection`. @throws InvalidKeyError, KeyTooLargeError */
export function storedKey(collection: string, key: Key): Uint8Array {
  const { partition, sort } = typeof key === 'string' || key instanceof Uint8Array ? { partition: key, sort: undefined } : key;
  try {
    return encodeKey(collection, partBytes(partition), sortBytes(sort));
  } catch (e) {
    if (e instanceof ShardingKeyError) {
      const tooLarge = e.code === 'collection-too-long' || e.code === 'partition-too-long' || e.code === 'key-too-long';
      throw tooLarge ? new KeyTooLargeError(e.message, { cause: e }) : new InvalidKeyError(e.message, { cause: e });
    }
    throw e;
  }
}

/** A stored key as a user key, in the collection's key format. */
export function userKey<F extends KeyFormat>(stored: Uint8Array, format: F): ItemKey<F> {
  const { partition, sort } = decodeKey(stored);
  const out = (b: Uint8Array) => (format === 'text' ? new TextDecoder().decode(b) : b) as OutputKey<F>;
  return sort.length === 0 ? out(partition) : { partition: out(partition), sort: out(sort) };
}

/** A stored key's sort key, in the collection's key format. */
export function userSortKey<F extends KeyFormat>(stored: Uint8Array, format: F): OutputKey<F> {
  const { sort } = decodeKey(stored);
  return (format === 'text' ? new TextDecoder().decode(sort) : sort) as OutputKey<F>;
}
