/**
 * A canister's wasm memory with the dirty-page journal that the instrumented module
 * keeps (see ../wasm/instrument.ts): rollback and commit cost what a message wrote.
 *
 * Invariants:
 *  1. Between executions the dirty list is empty and every bitmap byte is 0.
 *  2. While an execution runs, the undo memory holds, for each listed page, its content
 *     when the execution started.
 *  3. {@link dirtySinceCheckpoint} lists every page a committed execution wrote since the
 *     last checkpoint (persistence writes only those).
 *
 * Instances that share a memory (an upgrade with `keep` runs the new module against the
 * old module's memory) share the journal, so one rollback undoes both.
 */
import { BITMAP_BYTES, COUNT_OFFSET, DIRTY_MEMORY_PAGES, LIST_OFFSET } from '../wasm/instrument.ts';

export const WASM_PAGE_BYTES = 65536;

export class MemoryJournal {
  readonly memory64: boolean;
  readonly main: WebAssembly.Memory;
  readonly dirty: WebAssembly.Memory;
  readonly undo: WebAssembly.Memory;
  readonly dirtySinceCheckpoint = new Set<number>();

  constructor(memory64: boolean, initialPages: bigint) {
    this.memory64 = memory64;
    this.main = newMemory(memory64, initialPages);
    this.dirty = newMemory(memory64, BigInt(DIRTY_MEMORY_PAGES));
    this.undo = newMemory(memory64, 1n);
  }

  /** The `env` imports an instrumented module needs. */
  imports(): Record<string, WebAssembly.Memory> {
    return { memory: this.main, __bigmap_dirty: this.dirty, __bigmap_undo: this.undo };
  }

  /** Size of the main memory in 64 KiB pages. */
  get pages(): number {
    return this.main.buffer.byteLength / WASM_PAGE_BYTES;
  }

  /** Keeps the execution's writes. @returns the pages it wrote */
  commit(): number[] {
    const pages = this.#takeList();
    for (const p of pages) this.dirtySinceCheckpoint.add(p);
    return pages;
  }

  /**
   * Puts memory back as it was at {@link begin}, at the cost of the pages written.
   *
   * Memory cannot shrink, and replacing it costs a copy of all of it, so memory that grew
   * during the execution stays grown, holding zeros as new pages do (every page written
   * after the growth was journaled as the zeros it held). The IC would shrink it back; the
   * difference shows only in memory sizes (`canister_status`) and storage charges.
   */
  rollback(): void {
    const main = new Uint8Array(this.main.buffer);
    const undo = new Uint8Array(this.undo.buffer);
    this.#takeList().forEach((p, k) => {
      main.set(undo.subarray(k * WASM_PAGE_BYTES, (k + 1) * WASM_PAGE_BYTES), p * WASM_PAGE_BYTES);
    });
  }

  /**
   * Journals a write the host is about to make into wasm memory (a `*_copy` System API
   * call): the same steps as the module's injected `touch`, so host writes roll back too.
   */
  touch(start: number, length: number): void {
    if (length === 0) return;
    const view = new DataView(this.dirty.buffer);
    const bitmap = new Uint8Array(this.dirty.buffer, 0, BITMAP_BYTES);
    const first = Math.floor(start / WASM_PAGE_BYTES);
    const last = Math.floor((start + length - 1) / WASM_PAGE_BYTES);
    for (let p = first; p <= last; p++) {
      if (bitmap[p]) continue;
      bitmap[p] = 1;
      const k = this.memory64 ? Number(view.getBigUint64(COUNT_OFFSET, true)) : view.getUint32(COUNT_OFFSET, true);
      if (this.memory64) view.setBigUint64(LIST_OFFSET + 8 * k, BigInt(p), true);
      else view.setUint32(LIST_OFFSET + 8 * k, p, true);
      const undoPages = this.undo.buffer.byteLength / WASM_PAGE_BYTES;
      if (undoPages <= k) (this.undo.grow as (delta: number | bigint) => number)(this.memory64 ? BigInt(k + 1) : k + 1);
      new Uint8Array(this.undo.buffer).set(new Uint8Array(this.main.buffer, p * WASM_PAGE_BYTES, WASM_PAGE_BYTES), k * WASM_PAGE_BYTES);
      if (this.memory64) view.setBigUint64(COUNT_OFFSET, BigInt(k + 1), true);
      else view.setUint32(COUNT_OFFSET, k + 1, true);
    }
  }

  /** Reads the dirty list, clears it and the bitmap bytes it names. */
  #takeList(): number[] {
    const view = new DataView(this.dirty.buffer);
    const bitmap = new Uint8Array(this.dirty.buffer, 0, BITMAP_BYTES);
    const count = this.memory64 ? Number(view.getBigUint64(COUNT_OFFSET, true)) : view.getUint32(COUNT_OFFSET, true);
    const pages = new Array<number>(count);
    for (let k = 0; k < count; k++) {
      const p = this.memory64 ? Number(view.getBigUint64(LIST_OFFSET + 8 * k, true)) : view.getUint32(LIST_OFFSET + 8 * k, true);
      pages[k] = p;
      bitmap[p] = 0;
    }
    if (this.memory64) view.setBigUint64(COUNT_OFFSET, 0n, true);
    else view.setUint32(COUNT_OFFSET, 0, true);
    return pages;
  }
}

export function newMemory(memory64: boolean, pages: bigint): WebAssembly.Memory {
  // The memory64 JS API takes BigInt sizes; lib.dom's types predate it.
  const descriptor = memory64 ? { initial: pages, address: 'i64' } : { initial: Number(pages) };
  return new WebAssembly.Memory(descriptor as unknown as WebAssembly.MemoryDescriptor);
}
