/**
 * Key encoding: how a BigMap key is routed to a slot and laid out as the ordered-map key
 * a data canister stores.
 *
 * A key is `(collection, partition, sort)`: a collection name (text), a partition key
 * (bytes) and a sort key (bytes, may be empty).
 *
 * Routing. Only the collection and partition are hashed, so every item of one partition
 * lives in one slot, hence one data canister:
 *
 *     slot = xxh64(utf8(collection) ‖ 0x00 ‖ partition, seed 0) >> 48      (top 16 bits)
 *
 * The 0x00 separator is unambiguous because a collection never contains 0x00.
 *
 * Stored key. What the data canister uses as its ordered-map key:
 *
 *     +-----------+-------+----------------+-------------+-----------------+----------+
 *     | slot      | c_len | collection     | p_len       | partition       | sort     |
 *     | u16 BE    | u8    | c_len bytes    | u16 BE      | p_len bytes     | the rest |
 *     +-----------+-------+----------------+-------------+-----------------+----------+
 *       2 bytes     1       1..255 (UTF-8)   2 bytes       0..1024           0..
 *
 * Why this layout:
 * 1. The slot comes first, so the keys of one slot are one contiguous range
 *    ({@link slotRange}): migration copies a slot with a range scan.
 * 2. Collection and partition are length-prefixed, so the keys of one (collection,
 *    partition) share one prefix ({@link partitionPrefix}) and nothing else does.
 * 3. The sort key is last and not length-prefixed, so inside one partition the bytewise
 *    order of stored keys is the bytewise order of sort keys ({@link partitionRange}).
 *
 * Changing any of this (the layout, the seed, the hash or the slot count) remaps or
 * reorders every stored key: it is a data migration, not a refactor.
 * `canisters/lib/Key.mo` implements the same encoding; `vectors.json` proves they agree.
 */
import { concatBytes } from '@noble/hashes/utils';
import { compareBytes, EMPTY_BYTES, u16be } from './bytes.ts';
import { InvalidKeyError } from './errors.ts';
import { xxh64 } from './hash.ts';

/** A slot number, an integer in `0 .. SLOT_COUNT - 1`. */
export type Slot = number;

/** Number of slots. Fixed: changing it remaps every key. */
export const SLOT_COUNT = 65_536;

/** A collection name is at most 255 UTF-8 bytes, because its length is stored in one byte. */
export const MAX_COLLECTION_BYTES = 255;

/**
 * A partition key is at most 1024 bytes: long enough for composite ids and hashes, short
 * enough that a partition prefix stays small next to the values it labels.
 */
export const MAX_PARTITION_BYTES = 1024;

/**
 * An encoded key is at most 2048 bytes (framing, collection, partition and sort key
 * together), so a batch of keys stays far below the IC's 2 MiB message limit and a data
 * canister's ordered map has bounded key comparisons.
 */
export const MAX_KEY_BYTES = 2048;

/** Bytes of framing in every encoded key: slot (2), collection length (1), partition length (2). */
export const KEY_FRAMING_BYTES = 5;

/** A key as the user sees it. */
export interface Key {
  collection: string;
  partition: Uint8Array;
  sort: Uint8Array;
}

/** A stored key taken apart; `slot` is read from the encoding, not recomputed. */
export interface DecodedKey extends Key {
  slot: Slot;
}

/** A range of encoded keys: `start` inclusive, `end` exclusive, compared bytewise. */
export interface KeyRange {
  start: Uint8Array;
  end: Uint8Array;
}

/** Sort-key bounds of a partition scan: `from` inclusive, `to` exclusive; absent means open. */
export interface SortBounds {
  from?: Uint8Array;
  to?: Uint8Array;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Between collection and partition in the slot hash input. */
const SEPARATOR = Uint8Array.of(0x00);
/** Appended to a slot's 2 bytes to bound its keys; see {@link slotRange}. */
const SLOT_RANGE_END_SUFFIX = Uint8Array.of(0xff, 0xff);

/**
 * Checks the key rules, in this order: collection non-empty, ≤ {@link MAX_COLLECTION_BYTES},
 * free of 0x00; partition ≤ {@link MAX_PARTITION_BYTES}; whole encoded key ≤
 * {@link MAX_KEY_BYTES}.
 * @returns the first broken rule, or `undefined` if the key is valid.
 */
export function validateKey(collection: string, partition: Uint8Array, sort: Uint8Array = EMPTY_BYTES): InvalidKeyError | undefined {
  const collectionBytes = encodeCollection(collection);
  if (collectionBytes instanceof InvalidKeyError) return collectionBytes;
  return validateEncodedParts(collectionBytes, partition, sort.length);
}

/**
 * The slot of a (collection, partition): the top 16 bits of
 * `xxh64(utf8(collection) ‖ 0x00 ‖ partition, seed 0)`.
 * @throws InvalidKeyError if the collection or partition breaks a key rule.
 */
export function slotOf(collection: string, partition: Uint8Array): Slot {
  return slotOfParts(validParts(collection, partition, 0), partition);
}

/**
 * The stored form of a key (see the layout at the top of this file).
 * @throws InvalidKeyError naming the broken limit and the actual size.
 */
export function encodeKey(collection: string, partition: Uint8Array, sort: Uint8Array = EMPTY_BYTES): Uint8Array {
  const collectionBytes = validParts(collection, partition, sort.length);
  return concatBytes(prefixOf(collectionBytes, partition), sort);
}

/**
 * Takes a stored key apart. Checks the framing and the key rules; does not recompute the
 * hash, so a key whose slot bytes were altered decodes with the altered slot.
 * @throws InvalidKeyError if the bytes are not an encoded key.
 */
export function decodeKey(key: Uint8Array): DecodedKey {
  if (key.length < KEY_FRAMING_BYTES) throw truncated(key.length, KEY_FRAMING_BYTES);
  const collectionBytesEnd = 3 + key[2];
  const partitionStart = collectionBytesEnd + 2;
  if (key.length < partitionStart) throw truncated(key.length, partitionStart);
  const partitionEnd = partitionStart + ((key[collectionBytesEnd] << 8) | key[collectionBytesEnd + 1]);
  if (key.length < partitionEnd) throw truncated(key.length, partitionEnd);

  const collectionBytes = key.subarray(3, collectionBytesEnd);
  let collection: string;
  try {
    collection = utf8Decoder.decode(collectionBytes);
  } catch {
    throw new InvalidKeyError('collection-not-utf8', 'collection is not valid UTF-8');
  }
  const partition = key.slice(partitionStart, partitionEnd);
  const sort = key.slice(partitionEnd);
  const broken = validateEncodedParts(collectionBytes, partition, sort.length);
  if (broken) throw broken;
  return { slot: (key[0] << 8) | key[1], collection, partition, sort };
}

/**
 * The bytes every stored key of (collection, partition) starts with, and no other key does.
 * @throws InvalidKeyError if the collection or partition breaks a key rule.
 */
export function partitionPrefix(collection: string, partition: Uint8Array): Uint8Array {
  return prefixOf(validParts(collection, partition, 0), partition);
}

/**
 * The stored-key range holding the items of one partition whose sort key is in
 * `[from, to)`. Absent `from` starts at the partition's first key; absent `to` ends after
 * its last key (at the successor of the partition prefix). If `from ≥ to` the range is empty.
 * Bounds are not checked against {@link MAX_KEY_BYTES}: a bound need not be a key.
 * @throws InvalidKeyError if the collection or partition breaks a key rule.
 */
export function partitionRange(collection: string, partition: Uint8Array, bounds: SortBounds = {}): KeyRange {
  const prefix = partitionPrefix(collection, partition);
  return {
    start: concatBytes(prefix, bounds.from ?? EMPTY_BYTES),
    end: bounds.to === undefined ? prefixSuccessor(prefix) : concatBytes(prefix, bounds.to),
  };
}

/**
 * The stored-key range holding exactly the keys of one slot:
 * `[u16be(slot), u16be(slot) ‖ 0xFF 0xFF)`.
 *
 * Why `0xFF 0xFF` bounds the slot: after the slot come the collection length (≤ 0xFF) and,
 * if that length is 0xFF, the collection's first byte, which is UTF-8 and so never 0xFF.
 * Every key of the slot is therefore below the end, and every key of the next slot above.
 * REQUIRES: `slot` is an integer in `0 .. SLOT_COUNT - 1`.
 */
export function slotRange(slot: Slot): KeyRange {
  assertSlot(slot);
  const start = u16be(slot);
  return { start, end: concatBytes(start, SLOT_RANGE_END_SUFFIX) };
}

/** Throws a RangeError unless `slot` is an integer in `0 .. SLOT_COUNT - 1`. */
export function assertSlot(slot: Slot): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) {
    throw new RangeError(`Expected a slot in 0..${SLOT_COUNT - 1} (SLOT_COUNT = ${SLOT_COUNT}), got ${slot}`);
  }
}

/** True if `key` lies in `range` (bytewise, start inclusive, end exclusive). */
export function keyInRange(key: Uint8Array, range: KeyRange): boolean {
  return compareBytes(range.start, key) <= 0 && compareBytes(key, range.end) < 0;
}

// Private: validation and assembly.

/** UTF-8 of the collection, or an error if it is not well-formed UTF-16 (a lone surrogate). */
function encodeCollection(collection: string): Uint8Array | InvalidKeyError {
  const bytes = utf8Encoder.encode(collection);
  // TextEncoder silently turns a lone surrogate into U+FFFD, which would store a different name.
  if (utf8Decoder.decode(bytes) !== collection) {
    return new InvalidKeyError('collection-not-utf8', 'collection is not valid UTF-8 (it contains a lone UTF-16 surrogate)');
  }
  return bytes;
}

/** The key rules on already-encoded parts; the messages match `Key.mo`. */
function validateEncodedParts(collectionBytes: Uint8Array, partition: Uint8Array, sortBytes: number): InvalidKeyError | undefined {
  if (collectionBytes.length === 0) {
    return new InvalidKeyError('collection-empty', `collection is empty; it needs 1 to ${MAX_COLLECTION_BYTES} UTF-8 bytes (MAX_COLLECTION_BYTES)`);
  }
  if (collectionBytes.length > MAX_COLLECTION_BYTES) {
    return new InvalidKeyError(
      'collection-too-long',
      `collection is ${collectionBytes.length} UTF-8 bytes; the limit is MAX_COLLECTION_BYTES = ${MAX_COLLECTION_BYTES}`,
    );
  }
  const nulOffset = collectionBytes.indexOf(0);
  if (nulOffset >= 0) {
    return new InvalidKeyError(
      'collection-has-nul',
      `collection has a 0x00 byte at offset ${nulOffset}; 0x00 separates collection from partition in the slot hash`,
    );
  }
  if (partition.length > MAX_PARTITION_BYTES) {
    return new InvalidKeyError(
      'partition-too-long',
      `partition is ${partition.length} bytes; the limit is MAX_PARTITION_BYTES = ${MAX_PARTITION_BYTES}`,
    );
  }
  const keyBytes = KEY_FRAMING_BYTES + collectionBytes.length + partition.length + sortBytes;
  if (keyBytes > MAX_KEY_BYTES) {
    return new InvalidKeyError(
      'key-too-long',
      `encoded key is ${keyBytes} bytes; the limit is MAX_KEY_BYTES = ${MAX_KEY_BYTES} (${KEY_FRAMING_BYTES} bytes of framing + collection + partition + sort)`,
    );
  }
  return undefined;
}

/** The collection's UTF-8 bytes if the key rules hold for a sort key of `sortBytes` bytes; throws otherwise. */
function validParts(collection: string, partition: Uint8Array, sortBytes: number): Uint8Array {
  const collectionBytes = encodeCollection(collection);
  if (collectionBytes instanceof InvalidKeyError) throw collectionBytes;
  const broken = validateEncodedParts(collectionBytes, partition, sortBytes);
  if (broken) throw broken;
  return collectionBytes;
}

function slotOfParts(collectionBytes: Uint8Array, partition: Uint8Array): Slot {
  const hashInput = concatBytes(collectionBytes, SEPARATOR, partition);
  return Number(xxh64(hashInput, 0n) >> 48n);
}

/** `u16be(slot) ‖ u8(c_len) ‖ collection ‖ u16be(p_len) ‖ partition`. */
function prefixOf(collectionBytes: Uint8Array, partition: Uint8Array): Uint8Array {
  return concatBytes(
    u16be(slotOfParts(collectionBytes, partition)),
    Uint8Array.of(collectionBytes.length),
    collectionBytes,
    u16be(partition.length),
    partition,
  );
}

/**
 * The smallest byte string greater than every string that starts with `prefix`: drop
 * trailing 0xFF bytes, then add one to the last byte.
 * REQUIRES: `prefix` has a byte other than 0xFF. A partition prefix always has one: the
 * high byte of the partition length is at most 0x04.
 */
function prefixSuccessor(prefix: Uint8Array): Uint8Array {
  let last = prefix.length - 1;
  while (last >= 0 && prefix[last] === 0xff) last--;
  if (last < 0) throw new Error('Invariant broken: a partition prefix has a byte other than 0xFF');
  const successor = prefix.slice(0, last + 1);
  successor[last]++;
  return successor;
}

function truncated(actualBytes: number, neededBytes: number): InvalidKeyError {
  return new InvalidKeyError('key-truncated', `key is truncated: ${actualBytes} bytes, its header needs ${neededBytes}`);
}
