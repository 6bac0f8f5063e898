import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRebalance, planSplit, type CanisterLoad, type RebalanceMove, type SlotBytes } from './planner.ts';
import { SlotTable } from './slot-table.ts';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 0x5eed), numRuns: 200 });

// Byte counts mix empty slots, small ones and large ones, so dominant slots and ties occur.
const bytes = fc.oneof(fc.constant(0), fc.nat({ max: 1_000 }), fc.nat({ max: 4_000_000_000 }));
const slotBytesList = (minLength = 0) =>
  fc.uniqueArray(fc.record({ slot: fc.nat({ max: 65_535 }), bytes }), { selector: (s) => s.slot, minLength, maxLength: 40 });

/** 1 to 5 canisters sharing a set of distinct slots. */
const canisterLoads: fc.Arbitrary<CanisterLoad[]> = fc
  .tuple(fc.integer({ min: 1, max: 5 }), slotBytesList())
  .chain(([count, slots]) => fc.tuple(fc.constant(count), fc.constant(slots), fc.array(fc.nat({ max: count - 1 }), { minLength: slots.length, maxLength: slots.length })))
  .map(([count, slots, owners]) =>
    Array.from({ length: count }, (_, c) => ({ canister: `canister-${c}`, slots: slots.filter((_, i) => owners[i] === c) })),
  );
const tolerance = fc.constantFrom(0, 0.01, 0.1, 0.5);

const sum = (slots: readonly SlotBytes[]) => slots.reduce((total, s) => total + s.bytes, 0);
const bySlot = (a: SlotBytes, b: SlotBytes) => a.slot - b.slot;
const spread = (loads: readonly number[]) => Math.max(...loads) - Math.min(...loads);

describe('planSplit', () => {
  it('moves a prefix of the slots in slot order, at the cut closest to half the bytes', () => {
    fc.assert(
      fc.property(slotBytesList(), (slots) => {
        const plan = planSplit(slots);
        if (plan.kind === 'unsplittable') return;
        const sorted = [...slots].sort(bySlot);
        const total = sum(sorted);
        expect(plan.slots).toEqual(sorted.slice(0, plan.slots.length).map((s) => s.slot));
        expect(plan.movedBytes + plan.keptBytes).toBe(total);
        // Model: try every cut that leaves both sides non-empty.
        for (let cut = 1; cut < sorted.length; cut++) {
          expect(Math.abs(2 * plan.movedBytes - total)).toBeLessThanOrEqual(Math.abs(2 * sum(sorted.slice(0, cut)) - total));
        }
      }),
    );
  });

  it('keeps the larger side at most total/2 + largestSlot/2', () => {
    fc.assert(
      fc.property(slotBytesList(2), (slots) => {
        const plan = planSplit(slots);
        if (plan.kind === 'unsplittable') return;
        const largest = Math.max(...slots.map((s) => s.bytes));
        expect(2 * Math.max(plan.movedBytes, plan.keptBytes)).toBeLessThanOrEqual(sum(slots) + largest);
      }),
    );
  });

  it('keeps each side at most 55% of the bytes when no slot holds more than 10%', () => {
    const evenish = fc.uniqueArray(fc.record({ slot: fc.nat({ max: 65_535 }), bytes: fc.integer({ min: 1_000, max: 2_000 }) }), {
      selector: (s) => s.slot,
      minLength: 20,
      maxLength: 200,
    });
    fc.assert(
      fc.property(evenish, (slots) => {
        const plan = planSplit(slots);
        expect(plan.kind).toBe('move');
        if (plan.kind === 'move') expect(Math.max(plan.movedBytes, plan.keptBytes)).toBeLessThanOrEqual(0.55 * sum(slots));
      }),
    );
  });

  it('moves only the planned slots when applied to a slot table (adding a canister moves nothing else)', () => {
    fc.assert(
      fc.property(slotBytesList(2), (slots) => {
        const plan = planSplit(slots);
        const before = SlotTable.create('full');
        const after = before.beginMigration(plan.slots, 'new').commitMigration(plan.slots, 'new');
        expect(after.slotsOf('new')).toEqual(plan.slots);
        expect(after.slotsOf('full').length).toBe(65_536 - plan.slots.length);
      }),
    );
  });

  it('is deterministic and does not depend on the order of its input', () => {
    fc.assert(
      fc.property(slotBytesList().chain((slots) => fc.tuple(fc.constant(slots), fc.shuffledSubarray(slots, { minLength: slots.length }))), ([slots, shuffled]) => {
        expect(planSplit(shuffled)).toEqual(planSplit(slots));
      }),
    );
  });

  it('cannot split a canister with no data or with all data in one slot', () => {
    expect(planSplit([])).toEqual({ kind: 'unsplittable', slots: [], reason: 'noData' });
    expect(planSplit([{ slot: 1, bytes: 0 }])).toEqual({ kind: 'unsplittable', slots: [], reason: 'noData' });
    expect(planSplit([{ slot: 1, bytes: 0 }, { slot: 2, bytes: 5 }, { slot: 3, bytes: 0 }])).toEqual({
      kind: 'unsplittable',
      slots: [],
      reason: 'oneSlotHoldsAllData',
    });
  });

  it('rejects duplicate slots and invalid byte counts (REQUIRES)', () => {
    expect(() => planSplit([{ slot: 1, bytes: 1 }, { slot: 1, bytes: 2 }])).toThrow('Expected distinct slots, got slot 1 twice');
    expect(() => planSplit([{ slot: 1, bytes: -1 }])).toThrow('Expected bytes of slot 1 to be a non-negative safe integer, got -1');
    expect(() => planSplit([{ slot: 70_000, bytes: 1 }])).toThrow(RangeError);
  });
});

describe('planRebalance', () => {
  /** Applies `moves` to a model of who owns what, checking each move against the source's holdings. */
  function applyMoves(canisters: CanisterLoad[], moves: RebalanceMove[]): Map<string, SlotBytes[]> {
    const owned = new Map(canisters.map((c) => [c.canister, [...c.slots].sort(bySlot)]));
    for (const move of moves) {
      const source = owned.get(move.from) ?? [];
      const start = source.findIndex((s) => s.slot === move.slots[0]);
      const block = source.slice(start, start + move.slots.length);
      expect(block.map((s) => s.slot)).toEqual(move.slots); // contiguous in the source's slot order
      expect(start === 0 || start + block.length === source.length).toBe(true); // at the low or high end
      expect(sum(block)).toBe(move.bytes);
      owned.set(move.from, source.filter((s) => !move.slots.includes(s.slot)));
      owned.set(move.to, [...(owned.get(move.to) ?? []), ...block].sort(bySlot));
    }
    return owned;
  }

  it('never widens the spread, move by move', () => {
    fc.assert(
      fc.property(canisterLoads, tolerance, (canisters, t) => {
        const moves = planRebalance(canisters, { tolerance: t });
        const loads = new Map(canisters.map((c) => [c.canister, sum(c.slots)]));
        let previous = spread([...loads.values()]);
        for (const move of moves) {
          loads.set(move.from, (loads.get(move.from) ?? 0) - move.bytes);
          loads.set(move.to, (loads.get(move.to) ?? 0) + move.bytes);
          const now = spread([...loads.values()]);
          expect(now).toBeLessThanOrEqual(previous);
          previous = now;
        }
      }),
    );
  });

  it('moves only the planned slots, each from its current owner, as a block at an end of its slots', () => {
    fc.assert(
      fc.property(canisterLoads, tolerance, (canisters, t) => {
        const moves = planRebalance(canisters, { tolerance: t });
        const owned = applyMoves(canisters, moves);

        let table = SlotTable.create('unused');
        for (const c of canisters) table = table.assign(c.slots.map((s) => s.slot), c.canister);
        const before = table;
        for (const move of moves) table = table.beginMigration(move.slots, move.to).commitMigration(move.slots, move.to);

        const planned = new Set(moves.flatMap((m) => m.slots));
        for (const c of canisters) {
          for (const { slot } of c.slots) if (!planned.has(slot)) expect(table.ownerOf(slot)).toBe(before.ownerOf(slot));
          expect(table.slotsOf(c.canister)).toEqual((owned.get(c.canister) ?? []).map((s) => s.slot));
        }
      }),
    );
  });

  it('stops at a fixed point: rebalancing its result moves nothing', () => {
    fc.assert(
      fc.property(canisterLoads, tolerance, (canisters, t) => {
        const owned = applyMoves(canisters, planRebalance(canisters, { tolerance: t }));
        const rebalanced = canisters.map((c) => ({ canister: c.canister, slots: owned.get(c.canister) ?? [] }));
        expect(planRebalance(rebalanced, { tolerance: t })).toEqual([]);
      }),
    );
  });

  it('is deterministic and does not depend on the order of each canister’s slots', () => {
    fc.assert(
      fc.property(canisterLoads, tolerance, (canisters, t) => {
        const reversed = canisters.map((c) => ({ canister: c.canister, slots: [...c.slots].reverse() }));
        expect(planRebalance(reversed, { tolerance: t })).toEqual(planRebalance(canisters, { tolerance: t }));
      }),
    );
  });

  it('gives a new empty canister half of a full canister’s slots', () => {
    const full = { canister: 'full', slots: Array.from({ length: 16 }, (_, slot) => ({ slot, bytes: 1_000 })) };
    expect(planRebalance([full, { canister: 'new', slots: [] }], { tolerance: 0.05 })).toEqual([
      { from: 'full', to: 'new', slots: [0, 1, 2, 3, 4, 5, 6, 7], bytes: 8_000 },
    ]);
  });

  it('moves exactly the ideal 1/(N+1) of the bytes when one empty canister joins N equal ones', () => {
    for (const n of [1, 2, 4, 8]) {
      const slotsEach = 512;
      const full = Array.from({ length: n }, (_, c) => ({
        canister: `full-${c}`,
        slots: Array.from({ length: slotsEach }, (_, i) => ({ slot: c * slotsEach + i, bytes: 1_000 })),
      }));
      const moves = planRebalance([...full, { canister: 'new', slots: [] }], { tolerance: 0.05 });
      const total = n * slotsEach * 1_000;
      const moved = moves.reduce((bytes, m) => bytes + m.bytes, 0);
      expect(moves.every((m) => m.to === 'new')).toBe(true);
      // Each of the N moves rounds to whole slots (1,000 bytes each).
      expect(Math.abs(moved - total / (n + 1))).toBeLessThanOrEqual(n * 1_000);
    }
  });

  it('moves nothing when the spread is within tolerance or no block narrows it', () => {
    const a = { canister: 'a', slots: [{ slot: 0, bytes: 1_000 }] };
    expect(planRebalance([a, { canister: 'b', slots: [{ slot: 1, bytes: 950 }] }], { tolerance: 0.1 })).toEqual([]);
    expect(planRebalance([a, { canister: 'b', slots: [] }], { tolerance: 0 })).toEqual([]);
  });

  it('rejects a slot owned twice and a negative tolerance (REQUIRES)', () => {
    const a = { canister: 'a', slots: [{ slot: 3, bytes: 1 }] };
    expect(() => planRebalance([a, { canister: 'b', slots: [{ slot: 3, bytes: 1 }] }], { tolerance: 0 })).toThrow(
      'Expected each slot to have one owner, got slot 3 in two canisters',
    );
    expect(() => planRebalance([a], { tolerance: -0.1 })).toThrow('Expected tolerance to be a finite number ≥ 0, got -0.1');
  });
});
