/// A counter with a stable-memory region and timers: what the replica tests use to
/// check upgrades with `keep`, rollback of a trapping message, timers and limits.
import Region "mo:core/Region";
import Runtime "mo:core/Runtime";
import Timer "mo:core/Timer";
import Blob "mo:core/Blob";
import Array "mo:core/Array";
import Nat8 "mo:core/Nat8";
import Principal "mo:core/Principal";
import Time "mo:core/Time";

persistent actor Counter {
  /// The management canister's canister_status, typed as in the IC specification's ic.did
  /// (the fields read here; Candid subtyping ignores the others).
  type CanisterStatus = {
    status : { #running; #stopping; #stopped };
    memory_size : Nat;
    cycles : Nat;
    module_hash : ?Blob;
    settings : { controllers : [Principal]; freezing_threshold : Nat; wasm_memory_limit : Nat };
    query_stats : { num_calls_total : Nat; num_instructions_total : Nat };
  };
  transient let ic = actor "aaaaa-aa" : actor {
    canister_status : { canister_id : Principal } -> async CanisterStatus;
  };

  var count : Nat = 0;
  var timerFired : Nat = 0;
  let region = Region.new();

  public func inc() : async Nat {
    count += 1;
    count;
  };

  public query func get() : async Nat { count };

  /// Changes heap, stable memory and timers, then traps: all of it must roll back.
  public func incThenTrap() : async () {
    count += 1;
    if (Region.size(region) == 0) ignore Region.grow(region, 1);
    Region.storeNat8(region, 0, 99);
    ignore Timer.setTimer<system>(#seconds 10, func() : async () { timerFired += 1 });
    Runtime.trap("boom after changing state");
  };

  public func writeStable(value : Nat8) : async () {
    if (Region.size(region) == 0) ignore Region.grow(region, 1);
    Region.storeNat8(region, 0, value);
  };

  public query func readStable() : async Nat8 {
    if (Region.size(region) == 0) 0 else Region.loadNat8(region, 0);
  };

  public func setTimer(seconds : Nat) : async () {
    ignore Timer.setTimer<system>(#seconds seconds, func() : async () { timerFired += 1 });
  };

  /// canister_status of this canister, decoded by Motoko: (memory_size, cycles, has module hash).
  public func selfStatus() : async (Nat, Nat, Bool) {
    let s = await ic.canister_status({ canister_id = Principal.fromActor(Counter) });
    (s.memory_size, s.cycles, s.module_hash != null);
  };

  /// ic0.time twice in one execution: they must be equal.
  public func now() : async (Int, Int) { (Time.now(), Time.now()) };

  public query func timerCount() : async Nat { timerFired };

  /// A reply of `n` bytes (to hit the reply limit).
  public query func blobOf(n : Nat) : async Blob {
    Blob.fromArray(Array.tabulate<Nat8>(n, func(i) = Nat8.fromNat(i % 256)));
  };

  /// Grows the heap by about `mb` MiB (to hit wasm_memory_limit).
  public func allocate(mb : Nat) : async Nat {
    let chunks = Array.tabulate<Blob>(mb, func(_) = Blob.fromArray(Array.repeat<Nat8>(1, 1024 * 1024)));
    chunks.size();
  };
};
