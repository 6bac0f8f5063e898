/// An append-only journal kept twice, in the heap (a Map) and in stable memory (a Region):
/// what the persistence tests write, kill and restore, then check for consistency.
import Map "mo:core/Map";
import Nat "mo:core/Nat";
import Nat64 "mo:core/Nat64";
import Region "mo:core/Region";
import Blob "mo:core/Blob";

persistent actor Journal {
  let entries = Map.empty<Nat, Blob>();
  let region = Region.new();

  /// Appends entry number `n` (it must be the next one) and returns the new length.
  public func append(n : Nat, payload : Blob) : async Nat {
    assert n == Map.size(entries);
    Map.add(entries, Nat.compare, n, payload);
    let offset = Nat64.fromNat(n) * 8;
    if (Region.size(region) * 65536 < offset + 8) ignore Region.grow(region, 1);
    Region.storeNat64(region, offset, Nat64.fromNat(n) + 1);
    Map.size(entries);
  };

  /// (length, whether heap and stable memory agree on every entry, total payload bytes).
  public query func check() : async (Nat, Bool, Nat) {
    var consistent = true;
    var bytes = 0;
    for ((n, payload) in Map.entries(entries)) {
      if (Region.loadNat64(region, Nat64.fromNat(n) * 8) != Nat64.fromNat(n) + 1) consistent := false;
      bytes += payload.size();
    };
    let size = Map.size(entries);
    // Nothing past the end either.
    if (Region.size(region) * 65536 >= Nat64.fromNat(size) * 8 + 8) {
      if (Region.loadNat64(region, Nat64.fromNat(size) * 8) != 0) consistent := false;
    };
    (size, consistent, bytes);
  };

  public query func entry(n : Nat) : async ?Blob { Map.get(entries, Nat.compare, n) };
};
