/**
 * Scans: one partition in sort-key order (one data canister), or every item of a
 * collection across all data canisters (in parallel, streamed, memory bounded).
 *
 * A page that meets a moved slot refreshes the slot table and continues from the same
 * cursor (a stored key) at the new owner, so a scan that crosses a migration neither
 * repeats nor misses an item. A range still being copied to its new owner is read with
 * `scanMerged`, which merges the target's items with the source's.
 */
import { partitionRange, slotOf } from '../sharding/index.ts';
import { BigMapError, TooManyRedirectsError, UntrustedRedirectError } from './errors/index.ts';
import type { ClientCore } from './core.ts';
import type { ScanItemValue, ScanRequestValue, ScanResultValue } from './idl/data.ts';
import { callWithRetries } from './routing/dispatch.ts';

export interface ScanPage {
  items: ScanItemValue[];
  /** Continue after this stored key; undefined when the range is done. */
  next: Uint8Array | undefined;
}

/**
 * One page of `request` from whichever canister serves `slot` (following redirects).
 * REQUIRES: every slot of the request is `slot`, or the request is a slot range whose
 * slots the table gives to one canister (entries() asks per owner range).
 */
export async function scanPage(core: ClientCore, slot: number, request: ScanRequestValue): Promise<ScanPage | 'moved'> {
  let target = await core.routes.route(slot);
  for (let hop = 0; hop <= core.options.maxRedirects; hop++) {
    const canister = core.dataCanister(target);
    const call = (merged: boolean) => callWithRetries(core, target, () => {
      core.events.emit('batchDispatched', { canister: target, method: merged ? 'scanMerged' : 'scan', items: 1 });
      return merged ? canister.scanMerged(request) : canister.scan(request);
    });
    let result: ScanResultValue = await call(false);
    if ('fallback' in result) result = await call(true);
    if ('ok' in result) {
      const next = result.ok.next[0];
      return { items: result.ok.items, next: next === undefined ? undefined : Uint8Array.from(next) };
    }
    if ('moved' in result) return 'moved';
    if ('migrating' in result) {
      const to = result.migrating.to.toText();
      // Follow only to a data canister of this BigMap: never read pages from another.
      if (!(await core.routes.isDataCanister(to))) throw new UntrustedRedirectError(target, to);
      core.events.emit('redirected', { from: target, to, reason: 'migrating' });
      target = to;
      continue;
    }
    if ('invalid' in result) throw new BigMapError(`The scan was refused: ${result.invalid}`);
  }
  throw new TooManyRedirectsError(core.options.maxRedirects);
}

export interface PartitionScan {
  collection: string;
  partition: Uint8Array;
  from?: Uint8Array;
  to?: Uint8Array;
  reverse: boolean;
  /** Stop after this many items. */
  limit: number;
}

/** The stored items of one partition, in sort-key order (or reverse), page by page. */
export async function* scanPartition(core: ClientCore, scan: PartitionScan): AsyncGenerator<ScanItemValue> {
  const slot = slotOf(scan.collection, scan.partition);
  partitionRange(scan.collection, scan.partition, scan); // validates the bounds before any call
  let after: Uint8Array | undefined;
  let remaining = scan.limit;
  while (remaining > 0) {
    const request: ScanRequestValue = {
      range: { partition: { collection: scan.collection, partition: scan.partition, from: scan.from ? [scan.from] : [], to: scan.to ? [scan.to] : [] } },
      reverse: scan.reverse,
      limit: BigInt(Math.min(remaining, core.options.scanPageItems)),
      after: after ? [after] : [],
    };
    const page = await scanPage(core, slot, request);
    if (page === 'moved') {
      await core.routes.refresh();
      continue;
    }
    for (const item of page.items.slice(0, remaining)) yield item;
    remaining -= page.items.length;
    if (!page.next) return;
    after = page.next;
  }
}

/**
 * Every stored item of `collection`, from all data canisters. Owner ranges are scanned in
 * parallel (at most `parallel` at once); each keeps at most one page waiting, so memory
 * stays bounded whatever the size. Items come in no particular order across canisters.
 */
export async function* scanCollection(core: ClientCore, collection: string, parallel: number): AsyncGenerator<ScanItemValue> {
  const table = await core.routes.table();
  const ranges = table.toRanges().map((r) => ({ first: r.start, last: r.end }));
  const channel = new Channel<ScanItemValue[]>(parallel);
  let active = 0;
  let failure: unknown;
  const producers = ranges.map((range) => async () => {
    try {
      for await (const page of scanSlots(core, collection, range.first, range.last)) await channel.push(page);
    } catch (e) {
      failure ??= e;
    }
  });
  const start = () => {
    while (active < parallel && producers.length > 0) {
      active++;
      void producers.shift()!().finally(() => {
        active--;
        if (producers.length > 0) start();
        else if (active === 0) channel.close();
      });
    }
  };
  if (producers.length === 0) return;
  start();
  for await (const page of channel) {
    if (failure) throw failure;
    yield* page;
  }
  if (failure) throw failure;
}

/** Pages of a slot range, re-split by the current table when slots moved. */
async function* scanSlots(core: ClientCore, collection: string, first: number, last: number, after?: Uint8Array): AsyncGenerator<ScanItemValue[]> {
  let cursor = after;
  for (;;) {
    const request: ScanRequestValue = {
      range: { slots: { first, last, collection: [collection] } },
      reverse: false,
      limit: BigInt(core.options.scanPageItems),
      after: cursor ? [cursor] : [],
    };
    const page = await scanPage(core, first, request);
    if (page === 'moved') {
      // Slots in this range changed owners: continue each new owner range from the cursor.
      const table = await core.routes.refresh();
      const start = cursor ? Math.max(first, (cursor[0] << 8) | cursor[1]) : first;
      for (const r of table.toRanges()) {
        if (r.end < start || r.start > last) continue;
        yield* scanSlots(core, collection, Math.max(r.start, start), Math.min(r.end, last), cursor);
      }
      return;
    }
    if (page.items.length > 0) yield page.items;
    if (!page.next) return;
    cursor = page.next;
  }
}

/** A bounded async queue: producers wait while it is full, the consumer while it is empty. */
class Channel<T> implements AsyncIterable<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  #closed = false;
  #wakeConsumer: (() => void) | undefined;
  readonly #wakeProducers: Array<() => void> = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  async push(item: T): Promise<void> {
    while (this.#items.length >= this.#capacity) await new Promise<void>((resolve) => this.#wakeProducers.push(resolve));
    this.#items.push(item);
    this.#wakeConsumer?.();
  }

  close(): void {
    this.#closed = true;
    this.#wakeConsumer?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#items.length > 0) {
        yield this.#items.shift()!;
        this.#wakeProducers.shift()?.();
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => {
        this.#wakeConsumer = resolve;
      });
      this.#wakeConsumer = undefined;
    }
  }
}
