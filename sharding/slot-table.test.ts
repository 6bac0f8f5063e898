import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotTableError } from './errors.ts';
import { SLOT_COUNT } from './key.ts';
import { SlotTable, type SlotRange } from './slot-table.ts';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 0x5eed), numRuns: 100 });

/**
 * The model: plain arrays, one owner and one optional migration target per slot, and the
 * rules of slot-table.ts written out directly.
 */
class ModelTable {
  version = 1n;
  readonly owners: string[];
  readonly targets: Array<string | undefined> = new Array<string | undefined>(SLOT_COUNT).fill(undefined);

  constructor(first: string) {
    this.owners = new Array<string>(SLOT_COUNT).fill(first);
  }

  /** Applies `op`; returns false (and changes nothing) if the table must refuse it. */
  apply({ op, slots, canister }: Operation): boolean {
    const allowed = slots.every((s) =>
      op === 'assign'
        ? true
        : op === 'beginMigration'
          ? this.targets[s] === canister || (this.targets[s] === undefined && this.owners[s] !== canister)
          : this.targets[s] === canister || (this.targets[s] === undefined && this.owners[s] === canister),
    );
    if (!allowed) return false;
    let changed = false;
    for (const s of slots) {
      const before = `${this.owners[s]}>${this.targets[s]}`;
      if (op === 'assign') [this.owners[s], this.targets[s]] = [canister, undefined];
      else if (op === 'beginMigration') this.targets[s] = canister;
      else if (this.targets[s] === canister) [this.owners[s], this.targets[s]] = [canister, undefined];
      changed ||= before !== `${this.owners[s]}>${this.targets[s]}`;
    }
    if (changed) this.version++;
    return true;
  }

  ranges(): SlotRange[] {
    const ranges: SlotRange[] = [];
    for (let s = 0; s < SLOT_COUNT; s++) {
      const last = ranges.at(-1);
      if (last && last.owner === this.owners[s] && last.migratingTo === this.targets[s]) last.end = s;
      else ranges.push({ start: s, end: s, owner: this.owners[s], ...(this.targets[s] === undefined ? {} : { migratingTo: this.targets[s] }) });
    }
    return ranges;
  }
}

interface Operation {
  op: 'assign' | 'beginMigration' | 'commitMigration';
  slots: number[];
  canister: string;
}

// Few canisters and slots, so that operations collide with each other's state often.
const operation: fc.Arbitrary<Operation> = fc.record({
  op: fc.constantFrom('assign', 'beginMigration', 'commitMigration'),
  slots: fc.oneof(fc.uniqueArray(fc.constantFrom<number>(0, 1, 2, 3, 100, 65535), { minLength: 1, maxLength: 3 }), fc.constant<number[]>([4, 5, 6, 7])),
  canister: fc.constantFrom('a', 'b', 'c'),
});

describe('SlotTable against a model', () => {
  it('agrees with the model on versions, ranges and refusals over random operations', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 8 }), (operations) => {
        const model = new ModelTable('a');
        let table = SlotTable.create('a');
        for (const o of operations) {
          const before = table;
          if (model.apply(o)) {
            table = table[o.op](o.slots, o.canister);
          } else {
            expect(() => table[o.op](o.slots, o.canister)).toThrow(SlotTableError);
          }
          expect(table.version).toBe(model.version);
          expect(table.version === before.version).toBe(table === before); // a no-op returns the same table
        }
        const ranges = table.toRanges();
        expect(ranges).toEqual(model.ranges());
        expect(SlotTable.fromRanges(table.version, ranges).toRanges()).toEqual(ranges);
        for (const s of [0, 4, 100, 65535]) {
          expect(table.ownerOf(s)).toBe(model.owners[s]);
          const target = model.targets[s];
          expect(table.stateOf(s)).toEqual(target === undefined ? { kind: 'stable', owner: model.owners[s] } : { kind: 'migrating', from: model.owners[s], to: target });
        }
      }),
    );
  });
});

describe('SlotTable', () => {
  it('starts with one canister owning every slot, at version 1', () => {
    const table = SlotTable.create('a');
    expect(table.version).toBe(1n);
    expect(table.toRanges()).toEqual([{ start: 0, end: 65535, owner: 'a' }]);
  });

  it('keeps a migrating slot owned by its source, with writes going to the target, until commit', () => {
    const migrating = SlotTable.create('a').beginMigration([9], 'b');
    expect(migrating.ownerOf(9)).toBe('a');
    expect(migrating.stateOf(9)).toEqual({ kind: 'migrating', from: 'a', to: 'b' });
    expect(migrating.slotsOf('a')).toContain(9);
    const committed = migrating.commitMigration([9], 'b');
    expect(committed.stateOf(9)).toEqual({ kind: 'stable', owner: 'b' });
    expect(committed.slotsOf('b')).toEqual([9]);
    expect(committed.version).toBe(3n);
  });

  it('is immutable: an operation returns a new table and leaves the old one as it was', () => {
    const original = SlotTable.create('a');
    const moved = original.assign([1, 2], 'b');
    expect(original.ownerOf(1)).toBe('a');
    expect(original.version).toBe(1n);
    expect(moved.ownerOf(1)).toBe('b');
  });

  it('refuses an operation atomically: no slot changes if one slot breaks the precondition', () => {
    const table = SlotTable.create('a').beginMigration([5], 'c');
    expect(() => table.beginMigration([4, 5], 'b')).toThrow('slot 5 cannot begin migrating to b: it is migrating(a → c)');
    expect(() => table.commitMigration([5, 6], 'c')).toThrow('slot 6 cannot commit a migration to c: it is stable(a)');
    expect(table.stateOf(4)).toEqual({ kind: 'stable', owner: 'a' });
  });

  it('fromRanges rejects ranges that leave a gap, overlap, or migrate a slot to its owner', () => {
    const attempt = (ranges: SlotRange[]) => {
      try {
        SlotTable.fromRanges(1n, ranges);
        return 'accepted';
      } catch (e) {
        return e instanceof SlotTableError ? e.message : String(e);
      }
    };
    expect([
      attempt([{ start: 0, end: 10, owner: 'a' }]),
      attempt([{ start: 0, end: 10, owner: 'a' }, { start: 12, end: 65535, owner: 'b' }]),
      attempt([{ start: 0, end: 10, owner: 'a' }, { start: 10, end: 65535, owner: 'b' }]),
      attempt([{ start: 0, end: 65535, owner: 'a', migratingTo: 'a' }]),
      attempt([{ start: 5, end: 4, owner: 'a' }]),
      attempt([]),
    ]).toMatchInlineSnapshot(`
      [
        "ranges stop before slot 11; they must cover 0..=65535",
        "range 1 (12..=65535) should start at slot 11",
        "range 1 (10..=65535) should start at slot 11",
        "range 0 (0..=65535) migrates from a to itself",
        "range 0 (5..=4) is not a slot range within 0..=65535",
        "ranges stop before slot 0; they must cover 0..=65535",
      ]
    `);
  });

  it('rejects slots outside 0..65535 (REQUIRES)', () => {
    const table = SlotTable.create('a');
    expect(() => table.ownerOf(65536)).toThrow(RangeError);
    expect(() => table.assign([-1], 'b')).toThrow(RangeError);
  });
});
