/**
 * Decides, per canister, which memory pages a checkpoint writes, and copies them.
 *
 * A canister's pages are a chain of files: a full one, then the pages changed since each
 * checkpoint (the memory journal and stable memory list them, so a checkpoint costs what
 * changed, not the canister's size). A full file is written when the canister got new
 * memories (install, reinstall, upgrade without `keep`, uninstall) and when the chain of
 * changes outweighs a full file, so restore time stays bounded.
 */
import type { Canister } from '../execution/canister.ts';
import { WASM_PAGE_BYTES, type MemoryJournal } from '../execution/memory-journal.ts';
import type { StableMemory } from './stable-memory.ts';
import { isZeroPage, type Pages } from './page-file.ts';

/** Files of changes after which the next checkpoint writes a full file. */
const MAX_CHAIN_FILES = 16;

interface Persisted {
  journal: MemoryJournal | undefined;
  stable: StableMemory;
  chainFiles: number;
  fullPages: number;
  changedPages: number;
}

export class PageCapture {
  readonly #persisted = new Map<string, Persisted>();

  /**
   * Copies what the checkpoint must write of `c`'s memories (REQUIRES: no execution runs).
   * @returns undefined when nothing changed since the last capture
   */
  capture(c: Canister): { full: boolean; pages: Pages } | undefined {
    const journal = c.code?.instance.journal;
    const known = this.#persisted.get(c.key);
    const full = !known || known.journal !== journal || known.stable !== c.stable || known.chainFiles >= MAX_CHAIN_FILES || known.changedPages > known.fullPages;
    const pages: Pages = full ? this.#everything(c) : this.#changes(c);
    journal?.dirtySinceCheckpoint.clear();
    const count = pages.memory.size + pages.stable.size;
    if (full) this.#persisted.set(c.key, { journal, stable: c.stable, chainFiles: 1, fullPages: count, changedPages: 0 });
    else if (count === 0) return undefined;
    else {
      known!.chainFiles++;
      known!.changedPages += count;
    }
    return { full, pages };
  }

  /** Records that `c`'s memories were just restored from a chain of `chainFiles` files. */
  adopt(c: Canister, chainFiles: number, storedPages: number): void {
    this.#persisted.set(c.key, { journal: c.code?.instance.journal, stable: c.stable, chainFiles, fullPages: storedPages, changedPages: 0 });
  }

  /** Forgets what was persisted (after a failed write): every canister gets a full file next. */
  reset(): void {
    this.#persisted.clear();
  }

  /** Forgets canisters that no longer exist. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.#persisted.keys()) if (!keys.has(key)) this.#persisted.delete(key);
  }

  #everything(c: Canister): Pages {
    const memory = new Map<number, Uint8Array>();
    const stable = new Map<number, Uint8Array>();
    const instance = c.code?.instance;
    if (instance) {
      const bytes = new Uint8Array(instance.memory.buffer, 0, instance.memoryBytes);
      for (let p = 0; p * WASM_PAGE_BYTES < bytes.length; p++) {
        const page = bytes.subarray(p * WASM_PAGE_BYTES, (p + 1) * WASM_PAGE_BYTES);
        if (!isZeroPage(page)) memory.set(p, page.slice());
      }
    }
    c.stable.takeDirtyPages();
    for (const [p, page] of c.stable.pages()) if (p < c.stable.sizePages && !isZeroPage(page)) stable.set(p, page.slice());
    return { memory, stable };
  }

  #changes(c: Canister): Pages {
    const memory = new Map<number, Uint8Array>();
    const instance = c.code?.instance;
    if (instance) {
      const logicalPages = Number(instance.memoryPages);
      const buffer = instance.memory.buffer;
      for (const p of instance.journal.dirtySinceCheckpoint) {
        if (p < logicalPages) memory.set(p, new Uint8Array(buffer, p * WASM_PAGE_BYTES, WASM_PAGE_BYTES).slice());
      }
    }
    const stable = new Map<number, Uint8Array>();
    for (const [p, page] of c.stable.takeDirtyPages()) stable.set(p, page.slice());
    return { memory, stable };
  }
}
