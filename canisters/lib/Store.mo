/// A data canister's items: an ordered map from stored key to entry (a `mo:core` B-tree),
/// with exact per-slot key and byte counts kept alongside.
///
/// Invariants:
/// 1. `slotKeys[s]` and `slotBytes[s]` are the number and total size (key + value bytes) of
///    the entries whose key starts with slot `s`; `keys` and `bytes` are their sums.
/// 2. Every stored key starts with its 2-byte slot (`Key.encodeKey`), so a slot is one
///    contiguous key range.
///
/// Stability: a `Store` is a stable type; a persistent actor keeps it across upgrades.
///
/// Performance: `get`, `put` and `delete` are `O(log n)` B-tree operations plus `O(1)`
/// counter updates; the counters take 2 × 65,536 words (1 MiB).
import Blob "mo:core/Blob";
import Map "mo:core/Map";
import Nat8 "mo:core/Nat8";
import Nat16 "mo:core/Nat16";
import Nat64 "mo:core/Nat64";
import VarArray "mo:core/VarArray";
import Types "Api";

module {
  public type Entry = Types.Entry;

  public type Store = {
    entries : Map.Map<Blob, Entry>;
    slotKeys : [var Nat64];
    slotBytes : [var Nat64];
    var keys : Nat;
    var bytes : Nat;
  };

  public func new() : Store {
    {
      entries = Map.empty<Blob, Entry>();
      slotKeys = VarArray.repeat<Nat64>(0, 65_536);
      slotBytes = VarArray.repeat<Nat64>(0, 65_536);
      var keys = 0;
      var bytes = 0;
    };
  };

  /// The slot of a stored key: its first two bytes. REQUIRES: `key.size() >= 2`.
  public func slotOf(key : Blob) : Nat16 {
    Nat16.fromNat(Nat8.toNat(key.get(0)) * 256 + Nat8.toNat(key.get(1)));
  };

  /// Bytes an entry counts for: its key and value.
  public func sizeOf(key : Blob, entry : Entry) : Nat = key.size() + entry.value.size();

  public func get(self : Store, key : Blob) : ?Entry {
    Map.get(self.entries, Blob.compare, key);
  };

  /// Inserts or replaces; returns the previous entry.
  ///
  /// Runtime: `O(log n)`.
  public func put(self : Store, key : Blob, entry : Entry) : ?Entry {
    let previous = Map.swap(self.entries, Blob.compare, key, entry);
    switch previous {
      case null count(self, key, 1, sizeOf(key, entry));
      case (?old) {
        uncount(self, key, 1, sizeOf(key, old));
        count(self, key, 1, sizeOf(key, entry));
      };
    };
    previous;
  };

  /// Inserts only if the key is absent; returns whether it inserted.
  public func insertIfAbsent(self : Store, key : Blob, entry : Entry) : Bool {
    if (Map.containsKey(self.entries, Blob.compare, key)) return false;
    ignore put(self, key, entry);
    true;
  };

  /// Removes a key; returns the entry it had.
  public func delete(self : Store, key : Blob) : ?Entry {
    let previous = Map.take(self.entries, Blob.compare, key);
    switch previous {
      case null {};
      case (?old) uncount(self, key, 1, sizeOf(key, old));
    };
    previous;
  };

  func count(self : Store, key : Blob, keys : Nat, bytes : Nat) {
    let s = Nat16.toNat(slotOf(key));
    self.slotKeys[s] += Nat64.fromNat(keys);
    self.slotBytes[s] += Nat64.fromNat(bytes);
    self.keys += keys;
    self.bytes += bytes;
  };

  func uncount(self : Store, key : Blob, keys : Nat, bytes : Nat) {
    let s = Nat16.toNat(slotOf(key));
    self.slotKeys[s] -= Nat64.fromNat(keys);
    self.slotBytes[s] -= Nat64.fromNat(bytes);
    self.keys -= keys;
    self.bytes -= bytes;
  };
};
