/**
 * The client's copy of the index's slot table: which data canister serves each slot.
 *
 * Invariants:
 *  1. The cached table's version only increases: an answer older than the cache is dropped.
 *  2. Refresh is single-flight: callers that ask while a refresh runs share its result.
 *  3. A migrating slot routes to its target (`to`): writes go there, and reads go there
 *     first (the target answers `fallback` for what it does not have yet).
 */
import { SlotTable, type SlotRange } from '../../sharding/index.ts';
import type { IndexService, RoutingTableValue } from '../idl/index.ts';
import type { Emitter, BigMapEvents } from '../events.ts';
import { UnavailableError } from '../errors/index.ts';
import { sleep } from './call-errors.ts';

export class SlotRoutes {
  readonly #index: IndexService;
  readonly #events: Emitter<BigMapEvents>;
  readonly #waitBudgetMs: number;
  #table: SlotTable | undefined;
  #refreshing: Promise<SlotTable> | undefined;
  /** Data canisters the index listed (see isDataCanister). */
  readonly #listed = new Set<string>();

  constructor(index: IndexService, events: Emitter<BigMapEvents>, waitBudgetMs: number) {
    this.#index = index;
    this.#events = events;
    this.#waitBudgetMs = waitBudgetMs;
  }

  get version(): bigint | undefined {
    return this.#table?.version;
  }

  /** The cached table, fetched on first use. */
  async table(): Promise<SlotTable> {
    return this.#table ?? this.refresh();
  }

  /** Fetches the table from the index (once, for all concurrent callers). */
  refresh(): Promise<SlotTable> {
    this.#refreshing ??= this.#fetch().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** The canister (principal text) that requests for `slot` go to. */
  async route(slot: number): Promise<string> {
    return targetOf((await this.table()).stateOf(slot));
  }

  /**
   * Whether `id` is a data canister of this BigMap: named by the cached table, else by a
   * fresh one or by the index's list of data canisters (a split's target is listed before
   * the table names it). Redirects are followed only to these.
   */
  async isDataCanister(id: string): Promise<boolean> {
    const known = () => this.#listed.has(id) || (this.#table?.canisters.includes(id) ?? false);
    if (known()) return true;
    await this.refresh();
    if (known()) return true;
    for (const p of await this.#index.dataCanisters()) this.#listed.add(p.toText());
    return known();
  }

  async #fetch(): Promise<SlotTable> {
    const started = Date.now();
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      const answer = await this.#index.routingTable();
      if (answer.ranges.length > 0) {
        const table = toSlotTable(answer);
        if (!this.#table || table.version >= this.#table.version) this.#table = table;
        this.#events.emit('slotsRefreshed', { version: this.#table.version, ranges: answer.ranges.length });
        return this.#table;
      }
      // A new index creates its first data canisters right after install.
      if (Date.now() - started > this.#waitBudgetMs) throw new UnavailableError('the index has no data canisters yet');
      await sleep(delay);
    }
  }
}

function targetOf(state: ReturnType<SlotTable['stateOf']>): string {
  return state.kind === 'stable' ? state.owner : state.to;
}

function toSlotTable(answer: RoutingTableValue): SlotTable {
  const ranges: SlotRange[] = answer.ranges.map((r) => ({
    start: r.start,
    end: r.end,
    owner: r.owner.toText(),
    ...(r.migratingTo[0] ? { migratingTo: r.migratingTo[0].toText() } : {}),
  }));
  return SlotTable.fromRanges(answer.version, ranges);
}
