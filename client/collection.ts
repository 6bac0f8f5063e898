/**
 * A typed collection: values of one codec under keys of one collection name.
 *
 * Single calls (`put`, `get`, `has`, `delete`) made in the same tick are coalesced into
 * one batch per data canister. `*Many` calls go out as batches at once and answer per
 * item, in the caller's order. Values above `chunkThresholdBytes` are stored in chunks
 * and read back whole (values.ts). A put or delete that replaces a chunked value deletes
 * its chunks, from the replaced manifest the data canister returns (`returnPrevious`);
 * to a principal that may write but not read, it returns only the chunk references
 * (chunk size, count and id; not the value's size or SHA-256), which is all that takes.
 *
 * @example
 * const users = bm.collection('users', { value: codecs.json<User>() });
 * await users.put('alice', { name: 'Alice' });
 * const alice = await users.get('alice');
 */
import type { Codec } from './codecs.ts';
import { dropReplacedChunks, readChunks, writeChunks, deleteChunks } from './chunking.ts';
import type { ClientCore } from './core.ts';
import { BigMapError, ConflictError, InvalidKeyError, ValueTooLargeError } from './errors/index.ts';
import type { Condition, DeleteResultValue, GetResultValue, PutItemValue, PutResultValue, ScanItemValue } from './idl/data.ts';
import { partBytes, sortBytes, storedKey, userKey, userSortKey, type ItemKey, type Key, type KeyFormat, type KeyPart, type OutputKey, type SortPart } from './keys.ts';
import { scanCollection, scanPartition } from './scan.ts';
import { MANIFEST_BYTES, encodeManifest, frameInline, manifestOf, unframeInline } from './values.ts';

export interface PutOptions {
  /** Write only if the key's current version is this (from `getEntry` or a previous put). */
  ifVersion?: bigint;
  /** Write only if the key is absent. */
  ifAbsent?: boolean;
}

export interface Entry<V> {
  value: V;
  /** Increases with every write of the key; use it with `ifVersion`. */
  version: bigint;
}

/** A per-item outcome of a batch call. */
export type ItemResult<T> = ({ ok: true } & T) | { ok: false; error: BigMapError };

export interface ScanOptions {
  partition: KeyPart;
  /** First sort key included. */
  from?: SortPart;
  /** First sort key excluded. */
  to?: SortPart;
  /** Highest sort keys first. @default false */
  reverse?: boolean;
  /** Stop after this many items. @default all */
  limit?: number;
}

/** Times a read retries a large value whose chunks a concurrent overwrite just replaced. */
const CHUNKED_READ_ATTEMPTS = 3;

export class Collection<V, F extends KeyFormat = 'text'> {
  readonly name: string;
  readonly #core: ClientCore;
  readonly #codec: Codec<V>;
  readonly #keyFormat: F;

  constructor(core: ClientCore, name: string, codec: Codec<V>, keyFormat: F) {
    if (name.startsWith('\u0001')) throw new InvalidKeyError(`Collection names starting with U+0001 are reserved for BigMap's chunks, got ${JSON.stringify(name)}`);
    storedKey(name, ''); // checks the name against the key rules now, not at the first call
    this.#core = core;
    this.name = name;
    this.#codec = codec;
    this.#keyFormat = keyFormat;
  }

  // ------------------------------------------------------------------ writes

  /**
   * Stores `value` under `key`.
   * @returns the new version
   * @throws ConflictError if `ifVersion`/`ifAbsent` did not hold; ValueTooLargeError; InvalidKeyError
   */
  async put(key: Key, value: V, options: PutOptions = {}): Promise<{ version: bigint }> {
    const [result] = await this.#put([{ key, value, options }], true);
    if (!result.ok) throw result.error;
    return { version: result.version };
  }

  /** Stores many entries; one result per entry, in order. */
  async putMany(entries: Iterable<readonly [Key, V]>): Promise<Array<ItemResult<{ version: bigint }>>> {
    return this.#put([...entries].map(([key, value]) => ({ key, value, options: {} })), false);
  }

  async #put(entries: Array<{ key: Key; value: V; options: PutOptions }>, single: boolean): Promise<Array<ItemResult<{ version: bigint }>>> {
    const prepared = await Promise.all(
      entries.map(async ({ key, value, options }) => {
        try {
          const stored = storedKey(this.name, key);
          const bytes = this.#codec.encode(value);
          if (bytes.length > this.#core.options.maxValueBytes) throw new ValueTooLargeError(bytes.length, this.#core.options.maxValueBytes);
          const manifest = bytes.length > this.#core.options.chunkThresholdBytes ? await writeChunks(this.#core, this.name, bytes) : undefined;
          const condition: [] | [Condition] = options.ifAbsent ? [{ ifAbsent: null }] : options.ifVersion !== undefined ? [{ ifVersion: options.ifVersion }] : [];
          const item: PutItemValue = {
            key: stored,
            value: manifest ? encodeManifest(manifest) : frameInline(bytes),
            condition,
            // A conditional write carries an id, so a retry of it is not taken for a conflict.
            writeId: condition.length > 0 ? [crypto.getRandomValues(new Uint8Array(16))] : [],
            returnPrevious: [BigInt(MANIFEST_BYTES)],
          };
          return { item, manifest, error: undefined };
        } catch (e) {
          return { item: undefined, manifest: undefined, error: asBigMapError(e) };
        }
      }),
    );
    const items = prepared.flatMap((p) => (p.item ? [p.item] : []));
    const answers = single && items.length === 1 ? [await this.#core.puts.load(items[0]).catch(asBigMapError)] : await this.#core.putMany(items);
    let next = 0;
    return Promise.all(
      prepared.map(async (p): Promise<ItemResult<{ version: bigint }>> => {
        if (p.error) return { ok: false, error: p.error };
        const answer = answers[next++];
        const outcome = await this.#afterPut(answer, p.manifest?.chunkId);
        if (!outcome.ok && p.manifest) await deleteChunks(this.#core, this.name, p.manifest);
        return outcome;
      }),
    );
  }

  async #afterPut(answer: PutResultValue | BigMapError, ownChunks: Uint8Array | undefined): Promise<ItemResult<{ version: bigint }>> {
    if (answer instanceof BigMapError) return { ok: false, error: answer };
    if ('ok' in answer) {
      await dropReplacedChunks(this.#core, this.name, answer.ok.previous, ownChunks);
      return { ok: true, version: answer.ok.version };
    }
    if ('conflict' in answer) return { ok: false, error: new ConflictError(answer.conflict.current[0]) };
    if ('invalid' in answer) return { ok: false, error: new BigMapError(`The data canister refused the item: ${answer.invalid}`) };
    return { ok: false, error: new BigMapError(`Unexpected answer to put: ${Object.keys(answer)[0]}`) };
  }

  /**
   * Deletes `key`. @returns whether it existed
   * @throws ConflictError if `ifVersion` did not hold
   */
  async delete(key: Key, options: { ifVersion?: bigint } = {}): Promise<boolean> {
    const answer = await this.#core.deletes
      .load({ key: storedKey(this.name, key), condition: options.ifVersion === undefined ? [] : [{ ifVersion: options.ifVersion }], returnPrevious: [BigInt(MANIFEST_BYTES)] })
      .catch(asBigMapError);
    const result = await this.#afterDelete(answer);
    if (!result.ok) throw result.error;
    return result.existed;
  }

  /** Deletes many keys; one result per key, in order. */
  async deleteMany(keys: Iterable<Key>): Promise<Array<ItemResult<{ existed: boolean }>>> {
    const list = [...keys];
    const stored = list.map((k) => keyOrError(this.name, k));
    const answers = await this.#core.deleteMany(stored.flatMap((k) => (k instanceof BigMapError ? [] : [{ key: k, condition: [], returnPrevious: [BigInt(MANIFEST_BYTES)] }])));
    let next = 0;
    return Promise.all(stored.map((k) => (k instanceof BigMapError ? { ok: false as const, error: k } : this.#afterDelete(answers[next++]))));
  }

  async #afterDelete(answer: DeleteResultValue | BigMapError): Promise<ItemResult<{ existed: boolean }>> {
    if (answer instanceof BigMapError) return { ok: false, error: answer };
    if ('ok' in answer) {
      await dropReplacedChunks(this.#core, this.name, answer.ok.previous);
      return { ok: true, existed: answer.ok.existed };
    }
    if ('conflict' in answer) return { ok: false, error: new ConflictError(answer.conflict.current[0]) };
    if ('invalid' in answer) return { ok: false, error: new BigMapError(`The data canister refused the key: ${answer.invalid}`) };
    return { ok: false, error: new BigMapError(`Unexpected answer to delete: ${Object.keys(answer)[0]}`) };
  }

  // ------------------------------------------------------------------ reads

  /** The value under `key`, or undefined. */
  async get(key: Key): Promise<V | undefined> {
    return (await this.getEntry(key))?.value;
  }

  /** The value and version under `key`, or undefined. */
  async getEntry(key: Key): Promise<Entry<V> | undefined> {
    const stored = storedKey(this.name, key);
    for (let attempt = 1; ; attempt++) {
      const answer = await this.#core.gets.load(stored).catch(asBigMapError);
      try {
        return await this.#entryOf(answer);
      } catch (e) {
        // A concurrent overwrite may have replaced the chunks we were reading: read again.
        if (e instanceof BigMapError && e.name === 'ChunkMissingError' && attempt < CHUNKED_READ_ATTEMPTS) continue;
        throw e;
      }
    }
  }

  /** Whether `key` holds a value (reads no value bytes). */
  async has(key: Key): Promise<boolean> {
    const answer = await this.#core.versions.load(storedKey(this.name, key)).catch(asBigMapError);
    if (answer instanceof BigMapError) throw answer;
    return 'found' in answer;
  }

  /** Reads many keys; one result per key, in order (`value` undefined when absent). */
  async getMany(keys: Iterable<Key>): Promise<Array<ItemResult<{ value: V | undefined; version: bigint | undefined }>>> {
    const stored = [...keys].map((k) => keyOrError(this.name, k));
    const answers = await this.#core.getMany(stored.flatMap((k) => (k instanceof BigMapError ? [] : [k])), true);
    let next = 0;
    return Promise.all(
      stored.map(async (k) => {
        if (k instanceof BigMapError) return { ok: false as const, error: k };
        try {
          const entry = await this.#entryOf(answers[next++]);
          return { ok: true as const, value: entry?.value, version: entry?.version };
        } catch (e) {
          return { ok: false as const, error: asBigMapError(e) };
        }
      }),
    );
  }

  async #entryOf(answer: GetResultValue | BigMapError): Promise<Entry<V> | undefined> {
    if (answer instanceof BigMapError) throw answer;
    if ('absent' in answer) return undefined;
    if ('found' in answer) return { value: await this.#decodeStored(Uint8Array.from(answer.found.value)), version: answer.found.version };
    if ('invalid' in answer) throw new BigMapError(`The data canister refused the key: ${answer.invalid}`);
    throw new BigMapError(`Unexpected answer to get: ${Object.keys(answer)[0]}`);
  }

  async #decodeStored(stored: Uint8Array): Promise<V> {
    const manifest = manifestOf(stored);
    const bytes = manifest ? await readChunks(this.#core, this.name, manifest) : unframeInline(stored);
    return this.#codec.decode(bytes);
  }

  // ------------------------------------------------------------------ scans

  /**
   * The items of one partition in sort-key order (`reverse` for the opposite), within
   * `[from, to)`: yields `[sortKey, value]`.
   * @example
   * for await (const [block, log] of logs.scan({ partition: address, from: 100n, to: 200n })) { … }
   */
  async *scan(options: ScanOptions): AsyncGenerator<[OutputKey<F>, V]> {
    const items = scanPartition(this.#core, {
      collection: this.name,
      partition: partBytes(options.partition),
      ...(options.from === undefined ? {} : { from: sortBytes(options.from) }),
      ...(options.to === undefined ? {} : { to: sortBytes(options.to) }),
      reverse: options.reverse ?? false,
      limit: options.limit ?? Number.MAX_SAFE_INTEGER,
    });
    for await (const item of items) yield [userSortKey(Uint8Array.from(item.key), this.#keyFormat), await this.#valueOf(item)];
  }

  /**
   * Every item of the collection, from all data canisters in parallel: yields
   * `[key, value]`, in no particular order. Memory stays bounded however many items.
   */
  async *entries(options: { parallel?: number } = {}): AsyncGenerator<[ItemKey<F>, V]> {
    for await (const item of scanCollection(this.#core, this.name, options.parallel ?? 4)) {
      yield [userKey(Uint8Array.from(item.key), this.#keyFormat), await this.#valueOf(item)];
    }
  }

  #valueOf(item: ScanItemValue): Promise<V> {
    return this.#decodeStored(Uint8Array.from(item.value));
  }
}

function asBigMapError(e: unknown): BigMapError {
  return e instanceof BigMapError ? e : new BigMapError(e instanceof Error ? e.message : String(e), { cause: e });
}

function keyOrError(collection: string, key: Key): Uint8Array | BigMapError {
  try {
    return storedKey(collection, key);
  } catch (e) {
    return asBigMapError(e);
  }
}
