/// ShardingVectors: a test canister that exposes the sharding modules of `canisters/lib/`
/// as query methods, so that `sharding/vectors.json` can be run against the compiled wasm on
/// a replica, the same way the TypeScript implementation runs it in `sharding/vectors.test.ts`.
///
/// Role: test only; BigMap never deploys it. Stable state: none, so upgrades are trivial.
/// Every method is a query anyone may call; each mirrors one library function and adds
/// nothing. Results use Motoko's `Result` (`variant { ok; err }` in Candid) where the library
/// does, with the library's error text.
///
/// Example (from TypeScript, on the replica; see canisters/test/sharding-vectors.test.ts):
/// ```ts
/// const slot = await actor.slotOf('users', new TextEncoder().encode('alice')); // { ok: 1876 }
/// ```
///
/// Cost per call: `xxh64`, the key functions and `slotRange` are linear in their input bytes;
/// `planSplit` is `O(n log n)` in slots; `planRebalance` `O(moves × slots)`; `replaySlotTable`
/// scans the 65,536-slot table once per call plus once per operation's slots.

import Array "mo:core/Array";
import Nat16 "mo:core/Nat16";
import Result "mo:core/Result";
import Key "../lib/Key";
import Planner "../lib/Planner";
import SlotTable "../lib/SlotTable";
import XxHash64 "../lib/XxHash64";

persistent actor ShardingVectors {
  /// Inclusive slot spans, so a call can name thousands of slots compactly.
  public type SlotSpan = { start : Nat16; end : Nat16 };

  /// One slot-table operation to replay, as in `vectors.json`'s `slotTable` vectors.
  public type SlotTableOperation = {
    #assign : { slots : [SlotSpan]; canister : Principal };
    #beginMigration : { slots : [SlotSpan]; canister : Principal };
    #commitMigration : { slots : [SlotSpan]; canister : Principal };
  };

  /// A table's wire form: its version and ranges.
  public type SlotTableSnapshot = { version : Nat64; ranges : [SlotTable.SlotRange] };

  /// `XxHash64.hash(data, seed)`.
  public query func xxh64(data : Blob, seed : Nat64) : async Nat64 {
    XxHash64.hash(data, seed);
  };

  /// `Key.slotOf(collection, partition)`.
  public query func slotOf(collection : Text, partition : Blob) : async Result.Result<Nat16, Text> {
    Key.slotOf(collection, partition);
  };

  /// `Key.encodeKey(collection, partition, sort)`.
  public query func encodeKey(collection : Text, partition : Blob, sort : Blob) : async Result.Result<Blob, Text> {
    Key.encodeKey(collection, partition, sort);
  };

  /// `Key.decodeKey(key)`.
  public query func decodeKey(key : Blob) : async Result.Result<Key.Key, Text> {
    Key.decodeKey(key);
  };

  /// `Key.partitionRange(collection, partition, from, to)`.
  public query func partitionRange(collection : Text, partition : Blob, from : ?Blob, to : ?Blob) : async Result.Result<Key.KeyRange, Text> {
    Key.partitionRange(collection, partition, from, to);
  };

  /// `Key.slotRange(slot)`.
  public query func slotRange(slot : Nat16) : async Key.KeyRange {
    Key.slotRange(slot);
  };

  /// `Planner.planSplit(slots)`. Traps on a duplicate slot, as the library does.
  public query func planSplit(slots : [Planner.SlotBytes]) : async Planner.SplitPlan {
    Planner.planSplit(slots);
  };

  /// `Planner.planRebalance(canisters, tolerancePpm)`. Traps on a duplicate slot.
  public query func planRebalance(canisters : [Planner.CanisterLoad<Principal>], tolerancePpm : Nat) : async [Planner.Move<Principal>] {
    Planner.planRebalance<Principal>(canisters, tolerancePpm);
  };

  /// Starts a table owned by `first`, applies `operations` in order, and returns the table's
  /// wire form, or the first operation's `#err`.
  public query func replaySlotTable(first : Principal, operations : [SlotTableOperation]) : async Result.Result<SlotTableSnapshot, Text> {
    let table = SlotTable.new(first);
    for (operation in operations.values()) {
      let result = switch operation {
        case (#assign { slots; canister }) SlotTable.assign(table, expand(slots), canister);
        case (#beginMigration { slots; canister }) SlotTable.beginMigration(table, expand(slots), canister);
        case (#commitMigration { slots; canister }) SlotTable.commitMigration(table, expand(slots), canister);
      };
      switch result {
        case (#err(message)) return #err(message);
        case (#ok) {};
      };
    };
    #ok({ version = table.version; ranges = SlotTable.toRanges(table) });
  };

  func expand(spans : [SlotSpan]) : [Nat16] {
    Array.flatten(
      Array.map<SlotSpan, [Nat16]>(
        spans,
        func span = Array.tabulate<Nat16>(Nat16.toNat(span.end) + 1 - Nat16.toNat(span.start), func i = span.start + Nat16.fromNat(i)),
      )
    );
  };
};
