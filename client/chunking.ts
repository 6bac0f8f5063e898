/**
 * Large values: written as chunks plus a manifest, read back whole (see values.ts for
 * the layout and the invariants that make a large value appear atomically).
 */
import { sortKey } from '../sharding/index.ts';
import { BigMapError, ChunkMissingError } from './errors/index.ts';
import type { ClientCore } from './core.ts';
import { storedKey } from './keys.ts';
import { checksum, manifestOf, type Manifest } from './values.ts';

/** The hidden collection holding a collection's chunks. User collection names may not start with 0x01. */
export const chunkCollection = (collection: string) => `\u0001${collection}`;

function chunkKeys(collection: string, m: Manifest): Uint8Array[] {
  return Array.from({ length: m.chunkCount }, (_, i) => storedKey(chunkCollection(collection), { partition: m.chunkId, sort: sortKey.u32(i) }));
}

/**
 * Stores `value` as chunks under a fresh chunk id. @returns the manifest naming them
 * (store it under the user's key to make the value visible).
 */
export async function writeChunks(core: ClientCore, collection: string, value: Uint8Array): Promise<Manifest> {
  const chunkBytes = core.options.chunkSizeBytes;
  const manifest: Manifest = {
    totalBytes: value.length,
    chunkBytes,
    chunkCount: Math.ceil(value.length / chunkBytes),
    chunkId: crypto.getRandomValues(new Uint8Array(16)),
    sha256: checksum(value),
  };
  const keys = chunkKeys(collection, manifest);
  const results = await core.putMany(
    keys.map((key, i) => ({ key, value: value.subarray(i * chunkBytes, (i + 1) * chunkBytes), condition: [], writeId: [], returnPrevious: [] })),
  );
  const failed = results.find((r) => r instanceof BigMapError || !('ok' in r));
  if (failed) {
    await deleteChunks(core, collection, manifest);
    throw failed instanceof BigMapError ? failed : new BigMapError(`Storing a chunk failed: ${JSON.stringify(failed)}`);
  }
  return manifest;
}

/** Reads a chunked value whole, checking the chunk count and checksum. @throws ChunkMissingError */
export async function readChunks(core: ClientCore, collection: string, m: Manifest): Promise<Uint8Array> {
  const results = await core.getMany(chunkKeys(collection, m), true);
  const value = new Uint8Array(m.totalBytes);
  let offset = 0;
  for (const [i, r] of results.entries()) {
    if (r instanceof BigMapError) throw r;
    if (!('found' in r)) throw new ChunkMissingError(`chunk ${i} of ${m.chunkCount} is missing`);
    const chunk = Uint8Array.from(r.found.value);
    if (offset + chunk.length > value.length) throw new ChunkMissingError(`chunk ${i} overruns the value's ${m.totalBytes} bytes`);
    value.set(chunk, offset);
    offset += chunk.length;
  }
  if (offset !== m.totalBytes) throw new ChunkMissingError(`the chunks hold ${offset} bytes, the manifest says ${m.totalBytes}`);
  if (!equalBytes(checksum(value), m.sha256)) throw new ChunkMissingError('the chunks do not match the SHA-256 in the manifest');
  return value;
}

/** Deletes a manifest's chunks (best effort: a chunk that is already gone is fine). */
export async function deleteChunks(core: ClientCore, collection: string, m: Manifest): Promise<void> {
  await core.deleteMany(chunkKeys(collection, m).map((key) => ({ key, condition: [], returnPrevious: [] })));
}

/**
 * After a write or delete replaced `previous` (the leading bytes of the old value):
 * deletes the old value's chunks if it was chunked (invariant 3 of values.ts).
 */
export async function dropReplacedChunks(core: ClientCore, collection: string, previous: [] | [Uint8Array | number[]], keep?: Uint8Array): Promise<void> {
  const head = previous[0];
  if (!head) return;
  const m = manifestOf(Uint8Array.from(head));
  if (m && !(keep && equalBytes(keep, m.chunkId))) await deleteChunks(core, collection, m);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
