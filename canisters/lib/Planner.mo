/// Migration planning for the index canister: which slots move when a data canister fills
/// (`planSplit`) and when load is uneven (`planRebalance`). The Motoko twin of
/// `sharding/planner.ts`; `sharding/vectors.json` proves both make the same decisions.
///
/// Pure and deterministic: integer arithmetic only (`Nat`, so sums cannot overflow), ties
/// broken by slot order and by the order canisters are given in. Generic in the canister
/// type `C`, which is only carried from input to output (the index uses `Principal`).
///
/// Invariants of every plan:
/// 1. Only the slots a plan lists change owner.
/// 2. Every move takes a block of slots at the low or the high end of what the source owns,
///    in slot order, so the slot table stays a few ranges per canister.
/// 3. A split's larger side holds at most `total/2 + largestSlot/2` bytes.
/// 4. A rebalance never widens the spread (most loaded − least loaded).
///
/// Example:
/// ```motoko
/// import Planner "Planner";
///
/// let plan = Planner.planSplit([{ slot = 7; bytes = 7 }, { slot = 1; bytes = 5 }, { slot = 3; bytes = 10 }]);
/// assert plan == #move({ slots = [1, 3]; movedBytes = 15; keptBytes = 7 });
/// ```

import Array "mo:core/Array";
import List "mo:core/List";
import Nat "mo:core/Nat";
import Nat16 "mo:core/Nat16";
import Nat64 "mo:core/Nat64";
import Runtime "mo:core/Runtime";
import VarArray "mo:core/VarArray";

module {
  /// One slot and the bytes (keys and values) stored under it.
  public type SlotBytes = { slot : Nat16; bytes : Nat64 };

  /// Why a canister cannot be split: it stores nothing, or all its bytes are in one slot
  /// (a slot is the smallest unit that can move).
  public type UnsplittableReason = { #noData; #oneSlotHoldsAllData };

  public type SplitPlan = {
    #move : { slots : [Nat16]; movedBytes : Nat64; keptBytes : Nat64 };
    #unsplittable : UnsplittableReason;
  };

  /// A canister and the slots it owns.
  public type CanisterLoad<C> = { canister : C; slots : [SlotBytes] };

  /// One step of a rebalance: move `slots` (worth `bytes`) from `from` to `to`.
  public type Move<C> = { from : C; to : C; slots : [Nat16]; bytes : Nat64 };

  /// Which slots of a full canister to move to a new canister so that each side holds about
  /// half of the bytes.
  ///
  /// Steps: sort the slots ascending; walk them accumulating bytes; cut where the moved
  /// prefix and the kept rest are closest to equal (on a tie, the earlier cut, which moves
  /// fewer bytes). The moved set is that prefix, one contiguous block.
  ///
  /// Guarantee: the larger side holds at most `total/2 + largestSlot/2` bytes.
  /// Pass every slot the canister owns, empty ones included, so that the moved prefix is
  /// one contiguous range of the slot table.
  /// Traps if a slot appears twice (broken invariant: a canister owns each slot once).
  ///
  /// Example:
  /// ```motoko include=import
  /// assert Planner.planSplit([{ slot = 9; bytes = 100 }]) == #unsplittable(#oneSlotHoldsAllData);
  /// ```
  ///
  /// Runtime: `O(n log n)`.
  /// Space: `O(n)`.
  /// where `n` denotes the number of slots.
  public func planSplit(slots : [SlotBytes]) : SplitPlan {
    let sorted = sortedBySlot(slots);
    let totalBytes = sumBytes(sorted);
    if (totalBytes == 0) return #unsplittable(#noData);
    if (Array.filter<SlotBytes>(sorted, func s = s.bytes > 0).size() == 1) return #unsplittable(#oneSlotHoldsAllData);

    // Two slots hold data, so some cut in 1 .. n-1 separates them and beats the empty move.
    var bestCut = 0;
    var bestImbalance = totalBytes + 1;
    var prefixBytes = 0;
    for (cut in Nat.range(1, sorted.size())) {
      prefixBytes += Nat64.toNat(sorted[cut - 1].bytes);
      let imbalance = absDiff(2 * prefixBytes, totalBytes);
      if (imbalance < bestImbalance) {
        bestCut := cut;
        bestImbalance := imbalance;
      };
    };
    let moved = Array.sliceToArray(sorted, 0, bestCut);
    let movedBytes = sumBytes(moved);
    #move({
      slots = Array.map<SlotBytes, Nat16>(moved, func s = s.slot);
      movedBytes = Nat64.fromNat(movedBytes);
      keptBytes = Nat64.fromNat(totalBytes - movedBytes : Nat);
    });
  };

  /// Moves that even out the bytes across `canisters`.
  ///
  /// Steps, repeated:
  /// 1. Pick the most loaded and the least loaded canister (ties: the one given first).
  /// 2. Stop if `max − min ≤ tolerance × mean`, with the tolerance in parts per million of
  ///    the mean (100_000 accepts a spread of 10% of the mean), compared as
  ///    `(max − min) · n · 1_000_000 ≤ tolerancePpm · total`.
  /// 3. From the most loaded canister's slots (in slot order), take the block at the low or
  ///    the high end whose bytes are closest to `min(max − mean, mean − min)`: what brings one
  ///    of the two to the mean without overshooting it (ties: fewer bytes, then the low end,
  ///    then fewer slots).
  /// 4. Stop unless `0 < bytes < max − min` (the block narrows the gap); otherwise move it to
  ///    the least loaded canister.
  ///
  /// Each move strictly lowers the sum of squared loads, so the loop ends, and leaves both
  /// canisters strictly between the old min and max, so the spread never grows. A later move
  /// may take slots an earlier one delivered; apply moves in order.
  /// Traps if a slot appears twice (broken invariant: each slot has one owner).
  ///
  /// Example:
  /// ```motoko include=import
  /// let moves = Planner.planRebalance<Text>(
  ///   [{ canister = "a"; slots = [{ slot = 1; bytes = 100 }, { slot = 2; bytes = 100 }] }, { canister = "b"; slots = [] }],
  ///   100_000,
  /// );
  /// assert moves == [{ from = "a"; to = "b"; slots = [1]; bytes = 100 }];
  /// ```
  ///
  /// Runtime: `O(m · n)`.
  /// Space: `O(n)`.
  /// where `n` denotes the number of slots and `m` the number of moves.
  public func planRebalance<C>(canisters : [CanisterLoad<C>], tolerancePpm : Nat) : [Move<C>] {
    let count = canisters.size();
    let owned = VarArray.tabulate<[SlotBytes]>(count, func i = sortedBySlot(canisters[i].slots));
    ignore sortedBySlot(Array.flatten(VarArray.toArray(owned))); // traps if two canisters share a slot
    let loads = VarArray.map<[SlotBytes], Nat>(owned, sumBytes);
    let totalBytes = VarArray.foldLeft<Nat, Nat>(loads, 0, Nat.add);
    let moves = List.empty<Move<C>>();

    label planning while (count >= 2) {
      let most = indexOfExtreme(loads, func(a, b) = a > b);
      let least = indexOfExtreme(loads, func(a, b) = a < b);
      let gapBytes = loads[most] - loads[least] : Nat;
      if (gapBytes * count * 1_000_000 <= tolerancePpm * totalBytes) break planning;

      // min(max − mean, mean − min), times the canister count to stay in integers.
      let targetTimesCount = Nat.min(count * loads[most] - totalBytes : Nat, totalBytes - count * loads[least] : Nat);
      let ?block = bestEndBlock(owned[most], gapBytes, targetTimesCount, count) else break planning;
      let source = owned[most];
      let moved = Array.sliceToArray(source, block.start, block.end);
      owned[most] := Array.concat(Array.sliceToArray(source, 0, block.start), Array.sliceToArray(source, block.end, source.size()));
      owned[least] := mergeBySlot(owned[least], moved);
      loads[most] -= block.bytes;
      loads[least] += block.bytes;
      List.add(
        moves,
        {
          from = canisters[most].canister;
          to = canisters[least].canister;
          slots = Array.map<SlotBytes, Nat16>(moved, func s = s.slot);
          bytes = Nat64.fromNat(block.bytes);
        },
      );
    };
    List.toArray(moves);
  };

  // Private helpers.

  /// Index range `[start, end)` in a source's sorted slots, and its bytes.
  type Block = { start : Nat; end : Nat; bytes : Nat };

  /// The prefix or suffix of `slots` whose bytes are closest to `targetTimesCount / count`,
  /// among those that narrow the gap (`0 < bytes < gap`); ties as in `planRebalance` step 3.
  func bestEndBlock(slots : [SlotBytes], gapBytes : Nat, targetTimesCount : Nat, count : Nat) : ?Block {
    var best : ?Block = null;
    var bestScore = 0;
    // Candidates arrive low end first, shorter first, so keeping the first of equals
    // implements "then the low end, then fewer slots".
    func consider(candidate : Block) {
      if (candidate.bytes == 0 or candidate.bytes >= gapBytes) return;
      let score = absDiff(targetTimesCount, count * candidate.bytes);
      let better = switch best {
        case null true;
        case (?current) score < bestScore or (score == bestScore and candidate.bytes < current.bytes);
      };
      if (better) {
        best := ?candidate;
        bestScore := score;
      };
    };
    let size = slots.size();
    var prefixBytes = 0;
    for (end in Nat.range(1, size + 1)) {
      prefixBytes += Nat64.toNat(slots[end - 1].bytes);
      consider({ start = 0; end; bytes = prefixBytes });
    };
    var suffixBytes = 0;
    for (length in Nat.range(1, size + 1)) {
      let start = size - length : Nat;
      suffixBytes += Nat64.toNat(slots[start].bytes);
      consider({ start; end = size; bytes = suffixBytes });
    };
    best;
  };

  /// Index of the first element that no other beats under `beats`. REQUIRES: `values` non-empty.
  func indexOfExtreme(values : [var Nat], beats : (Nat, Nat) -> Bool) : Nat {
    var index = 0;
    for (i in Nat.range(1, values.size())) {
      if (beats(values[i], values[index])) index := i;
    };
    index;
  };

  func sumBytes(slots : [SlotBytes]) : Nat {
    Array.foldLeft<SlotBytes, Nat>(slots, 0, func(total, s) = total + Nat64.toNat(s.bytes));
  };

  func absDiff(a : Nat, b : Nat) : Nat {
    if (a >= b) a - b : Nat else b - a : Nat;
  };

  /// A copy sorted by slot; traps if a slot appears twice.
  func sortedBySlot(slots : [SlotBytes]) : [SlotBytes] {
    let sorted = Array.sort<SlotBytes>(slots, func(a, b) = Nat16.compare(a.slot, b.slot));
    for (i in Nat.range(1, sorted.size())) {
      if (sorted[i].slot == sorted[i - 1].slot) {
        Runtime.trap("Invariant broken: each slot has one owner, but slot " # Nat16.toText(sorted[i].slot) # " appears twice");
      };
    };
    sorted;
  };

  func mergeBySlot(a : [SlotBytes], b : [SlotBytes]) : [SlotBytes] {
    let merged = List.empty<SlotBytes>();
    var i = 0;
    var j = 0;
    while (i < a.size() or j < b.size()) {
      if (j == b.size() or (i < a.size() and a[i].slot < b[j].slot)) {
        List.add(merged, a[i]);
        i += 1;
      } else {
        List.add(merged, b[j]);
        j += 1;
      };
    };
    List.toArray(merged);
  };
};
