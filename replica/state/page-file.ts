/**
 * A page file: some 64 KiB pages of one canister's wasm memory and stable memory, as one
 * checkpoint wrote them.
 *
 * ```
 * u32 BE n ‖ JSON header (n bytes) ‖ page ‖ page ‖ …
 * header = { memory: [page numbers…], stable: [page numbers…] }   (pages in this order)
 * ```
 *
 * Files are written and read a page at a time, so a canister of several GiB never needs
 * one buffer of its size.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
// Wasm memory pages and stable memory pages are both 64 KiB.
import { PAGE_BYTES } from './stable-memory.ts';

export interface Pages {
  memory: Map<number, Uint8Array>;
  stable: Map<number, Uint8Array>;
}

/** Writes `pages` to `file` from its start. @returns the file's SHA-256 (hex) and size */
export async function writePageFile(file: FileHandle, pages: Pages): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  const header = new TextEncoder().encode(JSON.stringify({ memory: [...pages.memory.keys()], stable: [...pages.stable.keys()] }));
  const prefix = new Uint8Array(4 + header.length);
  new DataView(prefix.buffer).setUint32(0, header.length);
  prefix.set(header, 4);
  let bytes = 0;
  const write = async (chunk: Uint8Array) => {
    hash.update(chunk);
    await file.write(chunk, 0, chunk.length, bytes);
    bytes += chunk.length;
  };
  await write(prefix);
  for (const page of pages.memory.values()) await write(page);
  for (const page of pages.stable.values()) await write(page);
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Reads a page file, handing each page to `onPage` (the page is a fresh copy), and checks
 * the file against its expected SHA-256 once read.
 * @throws Error naming the file when it is truncated, malformed or does not match the checksum
 */
export async function readPageFile(
  file: FileHandle,
  name: string,
  expectedSha256: string,
  onPage: (space: 'memory' | 'stable', page: number, data: Uint8Array) => void,
): Promise<void> {
  const hash = createHash('sha256');
  let position = 0;
  const read = async (length: number): Promise<Uint8Array> => {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    if (bytesRead !== length) throw new Error(`${name} is truncated (expected ${length} more bytes at offset ${position})`);
    position += length;
    hash.update(buffer);
    return buffer;
  };
  const length = new DataView((await read(4)).buffer).getUint32(0);
  let header: { memory: number[]; stable: number[] };
  try {
    header = JSON.parse(new TextDecoder().decode(await read(length))) as typeof header;
    if (!Array.isArray(header.memory) || !Array.isArray(header.stable)) throw new Error('missing page lists');
  } catch (e) {
    throw new Error(`${name} has a malformed header: ${(e as Error).message}`);
  }
  for (const page of header.memory) onPage('memory', page, await read(PAGE_BYTES));
  for (const page of header.stable) onPage('stable', page, await read(PAGE_BYTES));
  const { size } = await file.stat();
  if (size !== position) throw new Error(`${name} has ${size - position} bytes after its last page`);
  const actual = hash.digest('hex');
  if (actual !== expectedSha256) throw new Error(`${name} does not match its checksum (SHA-256 ${actual}, the manifest says ${expectedSha256})`);
}

/** Whether a page holds only zeros (such pages need not be written in a full checkpoint). */
export function isZeroPage(page: Uint8Array): boolean {
  const words = new BigUint64Array(page.buffer, page.byteOffset, page.length / 8);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0n) return false;
  return true;
}
