/**
 * A canister's stable memory: 64 KiB pages, stored sparsely (a page never written reads
 * as zeros and takes no space).
 *
 * Invariants:
 *  1. `sizePages` only changes through {@link grow} and {@link rollback}.
 *  2. While a transaction is open, the first write to a page saves its previous content
 *     in the journal, so {@link rollback} costs what the execution changed, not the size.
 *     Transactions nest (a composite query holds one open around each of its steps).
 *  3. Pages written since the last {@link takeDirtyPages} are listed there (checkpoints
 *     write only those).
 */
import { ErrorCode, Trap } from '../errors.ts';

export const PAGE_BYTES = 65536;
/** 500 GiB, the IC's stable memory limit, in pages. */
export const MAX_STABLE_PAGES = (500 * 1024 * 1024 * 1024) / PAGE_BYTES;

export class StableMemory {
  sizePages = 0;
  readonly #pages = new Map<number, Uint8Array>();
  /** Open transactions, innermost last: page → content before its first write (undefined: absent). */
  readonly #journals: Array<{ pages: Map<number, Uint8Array | undefined>; sizePages: number }> = [];
  readonly #dirty = new Set<number>();

  /** Starts recording changes so that {@link rollback} can undo them. */
  begin(): void {
    this.#journals.push({ pages: new Map(), sizePages: this.sizePages });
  }

  /** Keeps the changes since the matching {@link begin} (an enclosing transaction can still undo them). */
  commit(): void {
    const inner = this.#journals.pop();
    const outer = this.#journals.at(-1);
    if (!inner || !outer) return;
    for (const [page, before] of inner.pages) if (!outer.pages.has(page)) outer.pages.set(page, before);
  }

  /** Undoes every change since the matching {@link begin}. */
  rollback(): void {
    const journal = this.#journals.pop();
    if (!journal) return;
    for (const [page, before] of journal.pages) {
      if (before) this.#pages.set(page, before);
      else this.#pages.delete(page);
    }
    this.sizePages = journal.sizePages;
  }

  /** Grows by `pages`; returns the previous size in pages, or -1 past the limit. */
  grow(pages: number): number {
    const previous = this.sizePages;
    if (pages < 0 || previous + pages > MAX_STABLE_PAGES) return -1;
    this.sizePages = previous + pages;
    return previous;
  }

  get sizeBytes(): number {
    return this.sizePages * PAGE_BYTES;
  }

  /** Copies `size` bytes at `offset` into `dst[dstOffset..]`. Traps out of bounds. */
  read(offset: number, dst: Uint8Array, dstOffset: number, size: number): void {
    this.#check('stable64_read', offset, size);
    let done = 0;
    while (done < size) {
      const at = offset + done;
      const page = Math.floor(at / PAGE_BYTES);
      const inPage = at % PAGE_BYTES;
      const n = Math.min(size - done, PAGE_BYTES - inPage);
      const data = this.#pages.get(page);
      if (data) dst.set(data.subarray(inPage, inPage + n), dstOffset + done);
      else dst.fill(0, dstOffset + done, dstOffset + done + n);
      done += n;
    }
  }

  /** Copies `size` bytes from `src[srcOffset..]` to `offset`. Traps out of bounds. */
  write(offset: number, src: Uint8Array, srcOffset: number, size: number): void {
    this.#check('stable64_write', offset, size);
    let done = 0;
    while (done < size) {
      const at = offset + done;
      const page = Math.floor(at / PAGE_BYTES);
      const inPage = at % PAGE_BYTES;
      const n = Math.min(size - done, PAGE_BYTES - inPage);
      this.#writablePage(page).set(src.subarray(srcOffset + done, srcOffset + done + n), inPage);
      done += n;
    }
  }

  /** Pages written since the previous call, with their content; clears the list. */
  takeDirtyPages(): Map<number, Uint8Array> {
    const out = new Map<number, Uint8Array>();
    for (const page of this.#dirty) {
      const data = this.#pages.get(page);
      if (data && page < this.sizePages) out.set(page, data);
    }
    this.#dirty.clear();
    return out;
  }

  /** Every stored page (for a full checkpoint). */
  pages(): IterableIterator<[number, Uint8Array]> {
    return this.#pages.entries();
  }

  /** Restores a page from a checkpoint. */
  loadPage(page: number, data: Uint8Array): void {
    this.#pages.set(page, data);
  }

  /** Drops everything (reinstall). */
  clear(): void {
    this.#pages.clear();
    this.#dirty.clear();
    this.sizePages = 0;
  }

  #writablePage(page: number): Uint8Array {
    let data = this.#pages.get(page);
    const journal = this.#journals.at(-1);
    if (journal && !journal.pages.has(page)) journal.pages.set(page, data?.slice());
    if (!data) {
      data = new Uint8Array(PAGE_BYTES);
      this.#pages.set(page, data);
    }
    this.#dirty.add(page);
    return data;
  }

  #check(name: string, offset: number, size: number): void {
    if (offset < 0 || size < 0 || offset + size > this.sizeBytes) {
      throw new Trap(ErrorCode.CanisterTrapped, `ic0.${name}: out of bounds access (offset ${offset}, size ${size}, stable memory ${this.sizeBytes} bytes)`);
    }
  }
}
