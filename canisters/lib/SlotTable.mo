/// The slot table the index canister stores: which data canister owns each of the 65,536
/// slots, which slots are migrating, and a version. The Motoko twin of
/// `sharding/slot-table.ts`, which clients use to route; `sharding/vectors.json` proves that
/// the same operations give the same ranges and version.
///
/// Invariants:
/// 1. Each slot has exactly one owner: the canister that holds its committed data.
/// 2. The version only increases: every operation that changes the table adds one; an
///    operation that changes nothing leaves it.
/// 3. A slot is `#stable_(owner)` or `#migrating { from; to }` with `from` its owner and
///    `to != from`. While it migrates, writes go to `to`, and reads go to `to` and may fall
///    back to `from`, until `commitMigration` makes it `#stable_(to)`.
/// 4. `owners[s]` and `migratingTo[s]` index into `canisters`.
///
/// Stability: `SlotTable` is a stable type, so a `persistent actor` keeps it across upgrades
/// with no serialization step. Layout: `canisters` lists every canister the table has named
/// (in order of first appearance; it may include canisters that now own no slot), and
/// `owners` and `migratingTo` hold, per slot, an index into it: two arrays of 65,536 words,
/// 1 MiB of heap.
///
/// Example:
/// ```motoko
/// import SlotTable "SlotTable";
/// import Principal "mo:core/Principal";
///
/// persistent actor {
///   let first = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
///   let second = Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai");
///   let table = SlotTable.new(first);
///   assert SlotTable.beginMigration(table, [0, 1], second) == #ok;
///   assert SlotTable.commitMigration(table, [0, 1], second) == #ok;
///   assert SlotTable.ownerOf(table, 1) == second;
///   assert table.version == 3;
/// }
/// ```
///
/// Performance: `ownerOf` and `stateOf` are `O(1)`; `toRanges` and `slotsOf` scan all slots,
/// `O(65,536)`; the others are `O(s + c)` for `s` slots given and `c` canisters named.

import Array "mo:core/Array";
import List "mo:core/List";
import Nat "mo:core/Nat";
import Nat16 "mo:core/Nat16";
import Principal "mo:core/Principal";
import Result "mo:core/Result";
import VarArray "mo:core/VarArray";

module {
  /// A slot number, `0 .. 65,535`.
  public type Slot = Nat16;

  public type SlotTable = {
    /// Increases with every change (invariant 2).
    var version : Nat64;
    /// Every canister the table has named; `owners` and `migratingTo` index into it.
    var canisters : [Principal];
    /// Slot → index of its owner.
    owners : [var Nat16];
    /// Slot → index of its migration target, or `null` if the slot is stable.
    migratingTo : [var ?Nat16];
  };

  /// What a router needs to know about one slot. (`stable_` is Candid's `stable`: the
  /// trailing underscore escapes a Motoko keyword.)
  public type SlotState = {
    #stable_ : Principal;
    #migrating : { from : Principal; to : Principal };
  };

  /// Slots `start ..= end` (both inclusive) share one state: owned by `owner`, and migrating
  /// to `migratingTo` if that is not `null`. The table's wire form is a list of these.
  public type SlotRange = { start : Slot; end : Slot; owner : Principal; migratingTo : ?Principal };

  /// Number of slots.
  public let slotCount : Nat = 65_536;

  /// Owner indexes are `Nat16`, so a table names at most this many canisters.
  public let maxCanisters : Nat = 65_536;

  /// A table in which `owner` owns every slot, at version 1.
  ///
  /// Runtime: `O(65,536)`.
  /// Space: `O(65,536)`.
  public func new(owner : Principal) : SlotTable {
    {
      var version = 1;
      var canisters = [owner];
      owners = VarArray.repeat<Nat16>(0, slotCount);
      migratingTo = VarArray.repeat<?Nat16>(null, slotCount);
    };
  };

  /// The owner of `slot`: the canister holding its committed data (the source while it migrates).
  ///
  /// Runtime: `O(1)`.
  /// Space: `O(1)`.
  public func ownerOf(self : SlotTable, slot : Slot) : Principal {
    self.canisters[Nat16.toNat(self.owners[Nat16.toNat(slot)])];
  };

  /// Whether `slot` is stable or migrating, and between which canisters.
  ///
  /// Runtime: `O(1)`.
  /// Space: `O(1)`.
  public func stateOf(self : SlotTable, slot : Slot) : SlotState {
    let owner = ownerOf(self, slot);
    switch (self.migratingTo[Nat16.toNat(slot)]) {
      case null #stable_(owner);
      case (?target) #migrating({ from = owner; to = self.canisters[Nat16.toNat(target)] });
    };
  };

  /// The slots `owner` owns (including those migrating away from it), ascending.
  ///
  /// Runtime: `O(65,536)`.
  /// Space: `O(s)` where `s` denotes the number of slots returned.
  public func slotsOf(self : SlotTable, owner : Principal) : [Slot] {
    let slots = List.empty<Slot>();
    let ?index = indexOf(self, owner) else return [];
    for (slot in Nat.range(0, slotCount)) {
      if (self.owners[slot] == index) List.add(slots, Nat16.fromNat(slot));
    };
    List.toArray(slots);
  };

  /// Makes `owner` the owner of `slots`, all `#stable_(owner)` afterwards; a migration in
  /// progress on one of them is dropped. For initial placement and for slots known to be
  /// empty; moving data goes through `beginMigration`. `#err` only if `owner` would be a
  /// canister beyond `maxCanisters`; the table is then unchanged.
  ///
  /// Runtime: `O(s + c)`.
  /// Space: `O(c)`.
  /// where `s` denotes the number of slots given and `c` the number of canisters named.
  public func assign(self : SlotTable, slots : [Slot], owner : Principal) : Result.Result<(), Text> {
    let current = indexOf(self, owner);
    let needsChange = func(slot : Slot) : Bool {
      let s = Nat16.toNat(slot);
      ?self.owners[s] != current or self.migratingTo[s] != null;
    };
    if (Array.find<Slot>(slots, needsChange) == null) return #ok;
    let index = switch (indexOrAppend(self, owner)) {
      case (#err(message)) return #err(message);
      case (#ok(index)) index;
    };
    for (slot in slots.values()) {
      let s = Nat16.toNat(slot);
      self.owners[s] := index;
      self.migratingTo[s] := null;
    };
    self.version += 1;
    #ok;
  };

  /// Marks `slots` `#migrating { from = owner; to }`: from now on writes go to `to`.
  /// Idempotent: a slot already migrating to `to` is left as is. `#err` naming the first
  /// slot that is not stable under an owner other than `to` (nor already migrating to
  /// `to`); the table is then unchanged.
  ///
  /// Runtime: `O(s + c)`.
  /// Space: `O(c)`.
  /// where `s` denotes the number of slots given and `c` the number of canisters named.
  public func beginMigration(self : SlotTable, slots : [Slot], to : Principal) : Result.Result<(), Text> {
    var changes = 0;
    for (slot in slots.values()) {
      switch (stateOf(self, slot)) {
        case (#migrating(m)) {
          if (m.to != to) return #err(cannot(slot, "begin migrating", to, #migrating(m)));
        };
        case (#stable_(owner)) {
          if (owner == to) return #err(cannot(slot, "begin migrating", to, #stable_(owner)));
          changes += 1;
        };
      };
    };
    if (changes == 0) return #ok;
    let index = switch (indexOrAppend(self, to)) {
      case (#err(message)) return #err(message);
      case (#ok(index)) index;
    };
    for (slot in slots.values()) self.migratingTo[Nat16.toNat(slot)] := ?index;
    self.version += 1;
    #ok;
  };

  /// Commits the move of `slots` to `to`: `#migrating { from; to }` becomes `#stable_(to)`.
  /// Idempotent: a slot already `#stable_(to)` is left as is. `#err` naming the first slot
  /// that is neither; the table is then unchanged.
  ///
  /// Runtime: `O(s + c)`.
  /// Space: `O(1)`.
  /// where `s` denotes the number of slots given and `c` the number of canisters named.
  public func commitMigration(self : SlotTable, slots : [Slot], to : Principal) : Result.Result<(), Text> {
    var changes = 0;
    for (slot in slots.values()) {
      switch (stateOf(self, slot)) {
        case (#migrating(m)) {
          if (m.to != to) return #err(cannot(slot, "commit a migration", to, #migrating(m)));
          changes += 1;
        };
        case (#stable_(owner)) {
          if (owner != to) return #err(cannot(slot, "commit a migration", to, #stable_(owner)));
        };
      };
    };
    if (changes == 0) return #ok;
    for (slot in slots.values()) {
      let s = Nat16.toNat(slot);
      switch (self.migratingTo[s]) {
        case (?target) {
          self.owners[s] := target;
          self.migratingTo[s] := null;
        };
        case null {};
      };
    };
    self.version += 1;
    #ok;
  };

  /// The wire form: maximal runs of slots with equal state, in slot order.
  ///
  /// Runtime: `O(65,536)`.
  /// Space: `O(r)` where `r` denotes the number of ranges returned.
  public func toRanges(self : SlotTable) : [SlotRange] {
    let ranges = List.empty<SlotRange>();
    var start = 0;
    for (slot in Nat.range(1, slotCount + 1)) {
      let runContinues = slot < slotCount and self.owners[slot] == self.owners[start] and self.migratingTo[slot] == self.migratingTo[start];
      if (not runContinues) {
        List.add(
          ranges,
          {
            start = Nat16.fromNat(start);
            end = Nat16.fromNat(slot - 1 : Nat);
            owner = self.canisters[Nat16.toNat(self.owners[start])];
            migratingTo = switch (self.migratingTo[start]) {
              case null null;
              case (?target) ?self.canisters[Nat16.toNat(target)];
            };
          },
        );
        start := slot;
      };
    };
    List.toArray(ranges);
  };

  /// Rebuilds a table from its wire form; `#err` naming the first range that is out of
  /// order, leaves a gap, overlaps, or migrates a slot to its own owner.
  ///
  /// Runtime: `O(65,536 + r·c)`.
  /// Space: `O(65,536)`.
  /// where `r` denotes the number of ranges and `c` the number of canisters named.
  public func fromRanges(version : Nat64, ranges : [SlotRange]) : Result.Result<SlotTable, Text> {
    let table : SlotTable = {
      var version;
      var canisters = [];
      owners = VarArray.repeat<Nat16>(0, slotCount);
      migratingTo = VarArray.repeat<?Nat16>(null, slotCount);
    };
    var nextSlot = 0;
    for ((i, range) in ranges.enumerate()) {
      let start = Nat16.toNat(range.start);
      let end = Nat16.toNat(range.end);
      let where_ = "range " # Nat.toText(i) # " (" # Nat.toText(start) # "..=" # Nat.toText(end) # ")";
      if (start > end) return #err(where_ # " is not a slot range within 0..=65535");
      if (start != nextSlot) return #err(where_ # " should start at slot " # Nat.toText(nextSlot));
      if (range.migratingTo == ?range.owner) {
        return #err(where_ # " migrates from " # Principal.toText(range.owner) # " to itself");
      };
      let owner = switch (indexOrAppend(table, range.owner)) {
        case (#err(message)) return #err(message);
        case (#ok(index)) index;
      };
      let target = switch (range.migratingTo) {
        case null null;
        case (?canister) {
          switch (indexOrAppend(table, canister)) {
            case (#err(message)) return #err(message);
            case (#ok(index)) ?index;
          };
        };
      };
      for (slot in Nat.range(start, end + 1)) {
        table.owners[slot] := owner;
        table.migratingTo[slot] := target;
      };
      nextSlot := end + 1;
    };
    if (nextSlot != slotCount) {
      return #err("ranges stop before slot " # Nat.toText(nextSlot) # "; they must cover 0..=65535");
    };
    #ok(table);
  };

  // Private helpers.

  func indexOf(self : SlotTable, canister : Principal) : ?Nat16 {
    switch (Array.indexOf<Principal>(self.canisters, Principal.equal, canister)) {
      case null null;
      case (?index) ?Nat16.fromNat(index);
    };
  };

  func indexOrAppend(self : SlotTable, canister : Principal) : Result.Result<Nat16, Text> {
    switch (indexOf(self, canister)) {
      case (?index) #ok(index);
      case null {
        let index = self.canisters.size();
        if (index == maxCanisters) {
          return #err("the table already names maxCanisters = " # Nat.toText(maxCanisters) # " canisters");
        };
        self.canisters := Array.concat(self.canisters, [canister]);
        #ok(Nat16.fromNat(index));
      };
    };
  };

  func cannot(slot : Slot, action : Text, to : Principal, state : SlotState) : Text {
    "slot " # Nat16.toText(slot) # " cannot " # action # " to " # Principal.toText(to) # ": it is " # describe(state);
  };

  func describe(state : SlotState) : Text {
    switch state {
      case (#stable_(owner)) "stable(" # Principal.toText(owner) # ")";
      case (#migrating { from; to }) "migrating(" # Principal.toText(from) # " → " # Principal.toText(to) # ")";
    };
  };
};
