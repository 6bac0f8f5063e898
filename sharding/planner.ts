/**
 * Migration planning: which slots move when a data canister fills ({@link planSplit}) and
 * when load is uneven across canisters ({@link planRebalance}).
 *
 * Pure and deterministic: integer arithmetic only, ties broken by slot order and by the
 * order canisters are given in. `canisters/lib/Planner.mo` makes the same decisions
 * (`vectors.json` proves it), so a plan the index canister makes can be predicted and
 * checked by a client or a test.
 *
 * Invariants of every plan:
 * 1. Only the slots a plan lists change owner; every other slot keeps its owner.
 * 2. Every move takes slots that are contiguous in the source's slot order: a block at
 *    the low or the high end of what the source owns, so the slot table stays a few
 *    ranges per canister.
 * 3. A split's larger side holds at most `total/2 + largestSlot/2` bytes.
 * 4. A rebalance never widens the spread (most loaded − least loaded).
 */
import { assertSlot, type Slot } from './key.ts';

/** One slot and the bytes stored under it. */
export interface SlotBytes {
  slot: Slot;
  /** Stored bytes (keys and values) in this slot. REQUIRES: a non-negative safe integer. */
  bytes: number;
}

/** Why a canister cannot be split. */
export type UnsplittableReason =
  /** The canister stores no bytes. */
  | 'noData'
  /** All bytes are in one slot, and a slot is the smallest unit that can move. */
  | 'oneSlotHoldsAllData';

/** The result of {@link planSplit}. */
export type SplitPlan =
  | { kind: 'move'; slots: Slot[]; movedBytes: number; keptBytes: number }
  | { kind: 'unsplittable'; slots: []; reason: UnsplittableReason };

/**
 * Which slots of a full canister to move to a new canister so that each side holds about
 * half of the bytes.
 *
 * Steps: sort the slots ascending; walk them accumulating bytes; cut where the moved
 * prefix and the kept rest are closest to equal (on a tie, the earlier cut, which moves
 * fewer bytes). The moved set is that prefix: one contiguous block, so the table gains at
 * most one range.
 *
 * Guarantee: the larger side holds at most `total/2 + largestSlot/2` bytes. The cut moves
 * past `total/2` one slot at a time, and the best cut is within half a slot of it. With
 * no slot above 10% of the bytes, neither side exceeds 55%.
 *
 * Pass every slot the canister owns, empty ones included: then the moved prefix is one
 * contiguous range of the slot table, not several.
 * REQUIRES: distinct slots; bytes non-negative safe integers.
 * Runtime: O(n log n) for n slots.
 */
export function planSplit(slotBytes: readonly SlotBytes[]): SplitPlan {
  const slots = sortedBySlot(slotBytes);
  const totalBytes = sumBytes(slots);
  if (totalBytes === 0) return { kind: 'unsplittable', slots: [], reason: 'noData' };
  if (slots.filter((s) => s.bytes > 0).length === 1) return { kind: 'unsplittable', slots: [], reason: 'oneSlotHoldsAllData' };

  // Two slots hold data, so some cut in 1 .. n-1 separates them and beats the empty move.
  let bestCut = 0;
  let bestImbalance = Infinity;
  let prefixBytes = 0;
  for (let cut = 1; cut < slots.length; cut++) {
    prefixBytes += slots[cut - 1].bytes;
    const imbalance = Math.abs(2 * prefixBytes - totalBytes);
    if (imbalance < bestImbalance) {
      bestCut = cut;
      bestImbalance = imbalance;
    }
  }
  const moved = slots.slice(0, bestCut);
  const movedBytes = sumBytes(moved);
  return { kind: 'move', slots: moved.map((s) => s.slot), movedBytes, keptBytes: totalBytes - movedBytes };
}

/** A canister and the slots it owns, input to {@link planRebalance}. */
export interface CanisterLoad<C = string> {
  canister: C;
  slots: readonly SlotBytes[];
}

/** One step of a rebalance: move `slots` (worth `bytes`) from `from` to `to`. */
export interface RebalanceMove<C = string> {
  from: C;
  to: C;
  slots: Slot[];
  bytes: number;
}

export interface RebalanceOptions {
  /**
   * Stop once `max − min ≤ tolerance × mean` (loads in bytes), as a fraction of the mean:
   * 0.1 accepts a spread of 10% of the mean. Resolved to parts per million so that the
   * comparison is exact integer arithmetic, the same in TypeScript and Motoko.
   * Minimum: 0.
   */
  tolerance: number;
}

/**
 * Moves that even out the bytes across canisters.
 *
 * Steps, repeated:
 * 1. Pick the most loaded and the least loaded canister (ties: the one given first).
 * 2. Stop if `max − min ≤ tolerance × mean`.
 * 3. From the most loaded canister's slots (in slot order), take the block at the low or
 *    the high end whose bytes are closest to `min(max − mean, mean − min)`: what brings
 *    one of the two to the mean without overshooting it, so adding a canister to N equal
 *    ones moves the ideal 1/(N+1) of the bytes (ties: fewer bytes, then the low end, then
 *    fewer slots).
 * 4. Stop if that block does not narrow the gap between the two, i.e. unless
 *    `0 < bytes < max − min`. Otherwise move it to the least loaded canister.
 *
 * Each move strictly lowers the sum of squared loads, so the loop ends; each puts both
 * canisters strictly between the old min and max, so the spread never grows. Moves are in
 * order: a later move may take slots an earlier one delivered.
 *
 * REQUIRES: slots distinct across all canisters; bytes non-negative safe integers.
 * Runtime: O(moves × slots).
 */
export function planRebalance<C = string>(canisters: readonly CanisterLoad<C>[], options: RebalanceOptions): RebalanceMove<C>[] {
  const tolerancePpm = toPartsPerMillion(options.tolerance);
  const owned = canisters.map((c) => sortedBySlot(c.slots));
  assertDistinctSlots(owned);
  const loads = owned.map(sumBytes);
  const totalBytes = sumBytes(owned.flat());
  const moves: RebalanceMove<C>[] = [];

  while (canisters.length >= 2) {
    const most = indexOfExtreme(loads, (a, b) => a > b);
    const least = indexOfExtreme(loads, (a, b) => a < b);
    const gapBytes = loads[most] - loads[least];
    // max − min ≤ (tolerancePpm / 1e6) × (total / n), multiplied out to stay in integers.
    if (BigInt(gapBytes) * BigInt(canisters.length) * 1_000_000n <= BigInt(tolerancePpm) * BigInt(totalBytes)) break;

    // min(max − mean, mean − min), times n to stay in integers.
    const n = canisters.length;
    const targetTimesN = Math.min(n * loads[most] - totalBytes, totalBytes - n * loads[least]);
    const block = bestEndBlock(owned[most], gapBytes, targetTimesN, n);
    if (block === undefined) break;
    const moved = owned[most].splice(block.start, block.end - block.start);
    owned[least] = mergeBySlot(owned[least], moved);
    loads[most] -= block.bytes;
    loads[least] += block.bytes;
    moves.push({ from: canisters[most].canister, to: canisters[least].canister, slots: moved.map((s) => s.slot), bytes: block.bytes });
  }
  return moves;
}

// Private helpers.

interface Block {
  /** Index range `[start, end)` in the source's sorted slots. */
  start: number;
  end: number;
  bytes: number;
}

/**
 * The prefix or suffix of `slots` whose bytes are closest to `targetTimesN / n`, among
 * those that narrow the gap (`0 < bytes < gap`); ties as in {@link planRebalance} step 3.
 */
function bestEndBlock(slots: readonly SlotBytes[], gapBytes: number, targetTimesN: number, n: number): Block | undefined {
  let best: Block | undefined;
  let bestScore = Infinity;
  const consider = (start: number, end: number, bytes: number) => {
    if (bytes <= 0 || bytes >= gapBytes) return;
    const score = Math.abs(targetTimesN - n * bytes);
    // Candidates arrive low end first, shorter first, so keeping the first of equals
    // implements "then the low end, then fewer slots".
    const better = best === undefined || score < bestScore || (score === bestScore && bytes < best.bytes);
    if (better) {
      best = { start, end, bytes };
      bestScore = score;
    }
  };
  let prefixBytes = 0;
  for (let end = 1; end <= slots.length; end++) {
    prefixBytes += slots[end - 1].bytes;
    consider(0, end, prefixBytes);
  }
  let suffixBytes = 0;
  for (let start = slots.length - 1; start >= 0; start--) {
    suffixBytes += slots[start].bytes;
    consider(start, slots.length, suffixBytes);
  }
  return best;
}

/** Index of the first element that no other beats under `beats`. */
function indexOfExtreme(values: readonly number[], beats: (a: number, b: number) => boolean): number {
  let index = 0;
  for (let i = 1; i < values.length; i++) if (beats(values[i], values[index])) index = i;
  return index;
}

function sumBytes(slots: readonly SlotBytes[]): number {
  let total = 0;
  for (const s of slots) total += s.bytes;
  return total;
}

/** A validated copy sorted by slot. */
function sortedBySlot(slots: readonly SlotBytes[]): SlotBytes[] {
  for (const { slot, bytes } of slots) {
    assertSlot(slot);
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`Expected bytes of slot ${slot} to be a non-negative safe integer, got ${bytes}`);
  }
  const sorted = slots.map((s) => ({ slot: s.slot, bytes: s.bytes })).sort((a, b) => a.slot - b.slot);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].slot === sorted[i - 1].slot) throw new RangeError(`Expected distinct slots, got slot ${sorted[i].slot} twice`);
  }
  return sorted;
}

function assertDistinctSlots(owned: readonly SlotBytes[][]): void {
  const seen = new Set<Slot>();
  for (const slots of owned) {
    for (const { slot } of slots) {
      if (seen.has(slot)) throw new RangeError(`Expected each slot to have one owner, got slot ${slot} in two canisters`);
      seen.add(slot);
    }
  }
}

function mergeBySlot(a: readonly SlotBytes[], b: readonly SlotBytes[]): SlotBytes[] {
  const merged: SlotBytes[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j === b.length || (i < a.length && a[i].slot < b[j].slot)) merged.push(a[i++]);
    else merged.push(b[j++]);
  }
  return merged;
}

function toPartsPerMillion(tolerance: number): number {
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new RangeError(`Expected tolerance to be a finite number ≥ 0, got ${tolerance}`);
  return Math.round(tolerance * 1_000_000);
}
