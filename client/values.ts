/**
 * How values are framed in storage. The first byte says what follows:
 *
 * ```
 * 0x00 ‖ value                                   an inline value
 * 0x01 ‖ u64 totalBytes ‖ u32 chunkBytes ‖ u32 chunkCount ‖ chunkId[16] ‖ sha256[32]
 *                                                a manifest: the value is in chunks
 * ```
 *
 * A chunked value's chunks are items of the hidden collection `"\x01" + collection`, in
 * the partition `chunkId` (so all of them live in one data canister), with sort keys
 * u32 big-endian 0, 1, … Every write of a large value uses a fresh chunkId.
 *
 * Invariants (what makes a large value appear atomically):
 *  1. A writer stores all chunks before it stores the manifest that names them; the
 *     manifest write (one item) is what makes the value visible.
 *  2. Readers check the chunk count and the SHA-256 of the whole value.
 *  3. A write or delete that replaces a manifest learns it (`returnPrevious`) and deletes
 *     the replaced manifest's chunks after its own write succeeded.
 */
import { sha256 } from '@noble/hashes/sha2';
import { BigMapError } from './errors/index.ts';

export const INLINE = 0x00;
export const CHUNKED = 0x01;
export const MANIFEST_BYTES = 1 + 8 + 4 + 4 + 16 + 32;

export interface Manifest {
  totalBytes: number;
  chunkBytes: number;
  chunkCount: number;
  chunkId: Uint8Array;
  sha256: Uint8Array;
}

export function frameInline(value: Uint8Array): Uint8Array {
  const out = new Uint8Array(value.length + 1);
  out[0] = INLINE;
  out.set(value, 1);
  return out;
}

export function encodeManifest(m: Manifest): Uint8Array {
  const out = new Uint8Array(MANIFEST_BYTES);
  const view = new DataView(out.buffer);
  out[0] = CHUNKED;
  view.setBigUint64(1, BigInt(m.totalBytes));
  view.setUint32(9, m.chunkBytes);
  view.setUint32(13, m.chunkCount);
  out.set(m.chunkId, 17);
  out.set(m.sha256, 33);
  return out;
}

/** The manifest a stored value holds, or undefined for an inline value. */
export function manifestOf(stored: Uint8Array): Manifest | undefined {
  if (stored[0] !== CHUNKED) return undefined;
  if (stored.length < MANIFEST_BYTES) throw new BigMapError(`A stored manifest is ${stored.length} bytes; it needs ${MANIFEST_BYTES}.`);
  const view = new DataView(stored.buffer, stored.byteOffset, stored.length);
  return {
    totalBytes: Number(view.getBigUint64(1)),
    chunkBytes: view.getUint32(9),
    chunkCount: view.getUint32(13),
    chunkId: stored.slice(17, 33),
    sha256: stored.slice(33, 65),
  };
}

/** The value of an inline stored value. */
export function unframeInline(stored: Uint8Array): Uint8Array {
  if (stored[0] !== INLINE) throw new BigMapError(`A stored value has an unknown frame byte 0x${(stored[0] ?? 0).toString(16)}.`, { metaMessages: ['It was not written by this BigMap client.'] });
  return stored.subarray(1);
}

export function checksum(value: Uint8Array): Uint8Array {
  return sha256(value);
}
