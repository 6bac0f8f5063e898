/**
 * The slot table: which data canister owns each of the {@link SLOT_COUNT} slots, which
 * slots are migrating, and a version. The index canister keeps the authoritative table
 * (`canisters/lib/SlotTable.mo`); clients cache this one, route with it, and replace it
 * when a data canister answers with a newer version.
 *
 * Invariants:
 * 1. Each slot has exactly one owner: the canister that holds its committed data.
 * 2. Versions only increase. An operation that changes the table returns a new table with
 *    version + 1; one that changes nothing returns the same table.
 * 3. A slot is `stable(owner)` or `migrating(from, to)` with `from` its owner and
 *    `to ≠ from`. While it migrates, writes go to `to`, and reads go to `to` and may fall
 *    back to `from`, until {@link SlotTable.commitMigration} makes it `stable(to)`.
 * 4. Tables are immutable, so a router can keep reading a table while a newer one is built.
 *
 * Representation: a list of canisters and, per slot, a u16 index into it (128 KiB), plus a
 * map of the few migrating slots to their target's index. On the wire a table is its
 * version and its maximal runs of equal state ({@link SlotRange}), a handful per canister
 * when slots move in contiguous blocks (see `planner.ts`).
 */
import { SlotTableError } from './errors.ts';
import { assertSlot, SLOT_COUNT, type Slot } from './key.ts';

/** A data canister, as principal text (e.g. `"rrkah-fqaaa-aaaaa-aaaaq-cai"`). */
export type CanisterId = string;

/** What a router needs to know about one slot. */
export type SlotState =
  | { kind: 'stable'; owner: CanisterId }
  | { kind: 'migrating'; from: CanisterId; to: CanisterId };

/**
 * The slots `start ..= end` (both inclusive) share one state: owned by `owner` and, if
 * `migratingTo` is present, migrating from `owner` to `migratingTo`.
 */
export interface SlotRange {
  start: Slot;
  end: Slot;
  owner: CanisterId;
  migratingTo?: CanisterId;
}

/** Owner indexes are u16, so a table can name at most this many canisters. */
export const MAX_CANISTERS = 65_536;

export class SlotTable {
  /** Increases with every change (invariant 2). */
  readonly version: bigint;
  /**
   * Every canister this table has named, in order of first appearance. May include
   * canisters that own no slot any more; see {@link SlotTable.slotsOf}.
   */
  readonly canisters: readonly CanisterId[];
  /** Slot → index into `canisters` of its owner. */
  readonly #owners: Uint16Array;
  /** Migrating slot → index into `canisters` of its target. */
  readonly #migratingTo: ReadonlyMap<Slot, number>;

  private constructor(version: bigint, canisters: readonly CanisterId[], owners: Uint16Array, migratingTo: ReadonlyMap<Slot, number>) {
    this.version = version;
    this.canisters = canisters;
    this.#owners = owners;
    this.#migratingTo = migratingTo;
  }

  /** A table in which `owner` owns every slot. */
  static create(owner: CanisterId, version: bigint = 1n): SlotTable {
    return new SlotTable(version, [owner], new Uint16Array(SLOT_COUNT), new Map());
  }

  /**
   * Rebuilds a table from its wire form.
   * REQUIRES: `ranges` sorted, covering `0 ..= SLOT_COUNT - 1` exactly once, and no range
   * migrating to its own owner.
   * @throws SlotTableError naming the first range that breaks this.
   */
  static fromRanges(version: bigint, ranges: readonly SlotRange[]): SlotTable {
    const canisters: CanisterId[] = [];
    const indexes = new Map<CanisterId, number>();
    const indexOf = (canister: CanisterId): number => {
      let index = indexes.get(canister);
      if (index === undefined) {
        index = canisters.push(canister) - 1;
        indexes.set(canister, index);
      }
      return index;
    };
    const owners = new Uint16Array(SLOT_COUNT);
    const migratingTo = new Map<Slot, number>();
    let nextSlot = 0;
    for (const [i, range] of ranges.entries()) {
      const where = `range ${i} (${range.start}..=${range.end})`;
      if (!Number.isInteger(range.start) || !Number.isInteger(range.end) || range.start > range.end || range.end >= SLOT_COUNT) {
        throw new SlotTableError(`${where} is not a slot range within 0..=${SLOT_COUNT - 1}`);
      }
      if (range.start !== nextSlot) throw new SlotTableError(`${where} should start at slot ${nextSlot}`);
      if (range.migratingTo === range.owner) throw new SlotTableError(`${where} migrates from ${range.owner} to itself`);
      owners.fill(indexOf(range.owner), range.start, range.end + 1);
      if (range.migratingTo !== undefined) {
        const target = indexOf(range.migratingTo);
        for (let slot = range.start; slot <= range.end; slot++) migratingTo.set(slot, target);
      }
      nextSlot = range.end + 1;
    }
    if (nextSlot !== SLOT_COUNT) throw new SlotTableError(`ranges stop before slot ${nextSlot}; they must cover 0..=${SLOT_COUNT - 1}`);
    if (canisters.length > MAX_CANISTERS) throw new SlotTableError(`ranges name ${canisters.length} canisters; MAX_CANISTERS is ${MAX_CANISTERS}`);
    return new SlotTable(version, canisters, owners, migratingTo);
  }

  /** The wire form: maximal runs of slots with equal state, in slot order. Runtime: O(SLOT_COUNT). */
  toRanges(): SlotRange[] {
    const ranges: SlotRange[] = [];
    let start = 0;
    for (let slot = 1; slot <= SLOT_COUNT; slot++) {
      const runContinues =
        slot < SLOT_COUNT && this.#owners[slot] === this.#owners[start] && this.#migratingTo.get(slot) === this.#migratingTo.get(start);
      if (runContinues) continue;
      const range: SlotRange = { start, end: slot - 1, owner: this.canisters[this.#owners[start]] };
      const target = this.#migratingTo.get(start);
      if (target !== undefined) range.migratingTo = this.canisters[target];
      ranges.push(range);
      start = slot;
    }
    return ranges;
  }

  /** The owner of `slot`: the canister holding its committed data (the source while it migrates). */
  ownerOf(slot: Slot): CanisterId {
    assertSlot(slot);
    return this.canisters[this.#owners[slot]];
  }

  /** Whether `slot` is stable or migrating, and between which canisters. */
  stateOf(slot: Slot): SlotState {
    const owner = this.ownerOf(slot);
    const target = this.#migratingTo.get(slot);
    return target === undefined ? { kind: 'stable', owner } : { kind: 'migrating', from: owner, to: this.canisters[target] };
  }

  /** The slots `owner` owns (including those migrating away from it), ascending. Runtime: O(SLOT_COUNT). */
  slotsOf(owner: CanisterId): Slot[] {
    const index = this.canisters.indexOf(owner);
    const slots: Slot[] = [];
    if (index < 0) return slots;
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (this.#owners[slot] === index) slots.push(slot);
    return slots;
  }

  /**
   * Makes `owner` the owner of `slots`, all `stable(owner)` afterwards; a migration in
   * progress on one of them is dropped. For initial placement and for slots known to be
   * empty; moving data goes through {@link SlotTable.beginMigration}.
   */
  assign(slots: Iterable<Slot>, owner: CanisterId): SlotTable {
    return this.#edit((draft) => {
      const ownerIndex = draft.indexOf(owner);
      for (const slot of slots) {
        assertSlot(slot);
        draft.setOwner(slot, ownerIndex);
        draft.clearMigration(slot);
      }
    });
  }

  /**
   * Marks `slots` `migrating(owner, to)`: from now on writes go to `to`. Idempotent: a slot
   * already migrating to `to` is left as is.
   * REQUIRES: every slot is stable and owned by a canister other than `to`, or already
   * migrating to `to`.
   * @throws SlotTableError naming the first slot that breaks this; the table is unchanged.
   */
  beginMigration(slots: Iterable<Slot>, to: CanisterId): SlotTable {
    return this.#edit((draft) => {
      const toIndex = draft.indexOf(to);
      for (const slot of slots) {
        const state = this.stateOf(slot);
        if (state.kind === 'migrating' && state.to === to) continue;
        if (state.kind === 'migrating' || state.owner === to) {
          throw new SlotTableError(`slot ${slot} cannot begin migrating to ${to}: it is ${describe(state)}`);
        }
        draft.setMigration(slot, toIndex);
      }
    });
  }

  /**
   * Commits the move of `slots` to `to`: `migrating(from, to)` becomes `stable(to)`.
   * Idempotent: a slot already `stable(to)` is left as is.
   * REQUIRES: every slot is migrating to `to` or already `stable(to)`.
   * @throws SlotTableError naming the first slot that breaks this; the table is unchanged.
   */
  commitMigration(slots: Iterable<Slot>, to: CanisterId): SlotTable {
    return this.#edit((draft) => {
      const toIndex = draft.indexOf(to);
      for (const slot of slots) {
        const state = this.stateOf(slot);
        if (state.kind === 'stable' && state.owner === to) continue;
        if (state.kind === 'stable' || state.to !== to) {
          throw new SlotTableError(`slot ${slot} cannot commit a migration to ${to}: it is ${describe(state)}`);
        }
        draft.setOwner(slot, toIndex);
        draft.clearMigration(slot);
      }
    });
  }

  /**
   * Runs one operation on a copy of this table's state. The copy is thrown away if the
   * operation throws or changes nothing, which keeps tables immutable and operations atomic.
   */
  #edit(operation: (draft: Draft) => void): SlotTable {
    const draft = new Draft(this.canisters, this.#owners, this.#migratingTo);
    operation(draft);
    return draft.changed ? new SlotTable(this.version + 1n, draft.canisters, draft.owners, draft.migratingTo) : this;
  }
}

function describe(state: SlotState): string {
  return state.kind === 'stable' ? `stable(${state.owner})` : `migrating(${state.from} → ${state.to})`;
}

/** Private: the editable copy of a table's state that one operation works on. */
class Draft {
  changed = false;
  readonly canisters: CanisterId[];
  readonly owners: Uint16Array;
  readonly migratingTo: Map<Slot, number>;

  constructor(canisters: readonly CanisterId[], owners: Uint16Array, migratingTo: ReadonlyMap<Slot, number>) {
    this.canisters = [...canisters];
    this.owners = owners.slice();
    this.migratingTo = new Map(migratingTo);
  }

  /** The index of `canister`, appending it if new. A new canister only survives if a slot changes. */
  indexOf(canister: CanisterId): number {
    const index = this.canisters.indexOf(canister);
    if (index >= 0) return index;
    if (this.canisters.length === MAX_CANISTERS) throw new SlotTableError(`the table already names MAX_CANISTERS = ${MAX_CANISTERS} canisters`);
    return this.canisters.push(canister) - 1;
  }

  setOwner(slot: Slot, ownerIndex: number): void {
    if (this.owners[slot] === ownerIndex) return;
    this.owners[slot] = ownerIndex;
    this.changed = true;
  }

  setMigration(slot: Slot, targetIndex: number): void {
    this.migratingTo.set(slot, targetIndex);
    this.changed = true;
  }

  clearMigration(slot: Slot): void {
    if (this.migratingTo.delete(slot)) this.changed = true;
  }
}
