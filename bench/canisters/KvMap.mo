/// A plain key-value canister: one `mo:core` Map from Blob to Blob, no sharding.
/// The benchmarks' baseline for "what a user would do instead" of BigMap.
import Map "mo:core/Map";
import Blob "mo:core/Blob";

persistent actor KvMap {
  let store = Map.empty<Blob, Blob>();

  public func put(key : Blob, value : Blob) : async () {
    Map.add(store, Blob.compare, key, value);
  };

  public func putMany(entries : [(Blob, Blob)]) : async () {
    for ((k, v) in entries.vals()) Map.add(store, Blob.compare, k, v);
  };

  public query func get(key : Blob) : async ?Blob {
    Map.get(store, Blob.compare, key);
  };

  public func delete(key : Blob) : async () {
    Map.remove(store, Blob.compare, key);
  };

  public query func size() : async Nat { Map.size(store) };
};
