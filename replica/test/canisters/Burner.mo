/// Burns instructions on purpose: what the metering tests (replica/metering.test.ts) run
/// against the instruction limits of each message kind.
///
/// One "round" of burning is `Region.storeBlob` of a CHUNK-byte blob: one
/// `ic0.stable64_write`, which the IC charges per byte (plus a fixed overhead), so a
/// round costs CHUNK + about 270 instructions (262.4 K) in about 10 µs of wall time,
/// and 40 B instructions take about 1.5 s. A plain loop would need tens of seconds.
/// (256 KiB keeps the copy in the CPU cache; 1 MiB rounds were three times slower.)
import Prim "mo:⛔";
import Region "mo:core/Region";
import Blob "mo:core/Blob";
import Array "mo:core/Array";
import Nat8 "mo:core/Nat8";

persistent actor class Burner(initRounds : Nat) {
  /// Bytes per round.
  let CHUNK : Nat64 = 262144;
  /// Region layout: [0, CHUNK) receives the chunk; a marker word at MARKER.
  let MARKER : Nat64 = CHUNK;

  let region = Region.new();
  ignore Region.grow(region, 32); // 2 MiB: the chunk and the marker
  var counter : Nat = 0;
  /// Instructions the init message had used when it finished (performance_counter).
  var initInstructions : Nat64 = 0;

  /// The bytes written each round (0xAB…, so a write that stuck would show).
  let chunk : Blob = Blob.fromArray(Array.repeat<Nat8>(0xAB, Prim.nat64ToNat(CHUNK)));

  func burnRounds(rounds : Nat) {
    var i = 0;
    while (i < rounds) {
      Region.storeBlob(region, 0, chunk);
      i += 1;
    };
  };

  if (initRounds > 0) burnRounds(initRounds);
  initInstructions := Prim.performanceCounter(0);

  /// Changes the counter and the marker, then burns `rounds` rounds; returns the
  /// instructions counted so far in this message, as the canister reads them.
  public func burn(rounds : Nat) : async Nat64 {
    counter += 1;
    Region.storeNat64(region, MARKER, Prim.natToNat64(counter));
    burnRounds(rounds);
    Prim.performanceCounter(0);
  };

  /// The same work as `burn`, in a query (5 B limit).
  public query func burnQuery(rounds : Nat) : async Nat64 {
    counter += 1;
    Region.storeNat64(region, MARKER, Prim.natToNat64(counter));
    burnRounds(rounds);
    Prim.performanceCounter(0);
  };

  /// Guarded by canister_inspect_message, which burns `rounds` rounds before accepting.
  public func guarded(rounds : Nat) : async Nat {
    ignore rounds;
    counter += 1;
    counter;
  };

  /// (counter, marker word, first word of the chunk area).
  public query func state() : async (Nat, Nat64, Nat64) {
    (counter, Region.loadNat64(region, MARKER), Region.loadNat64(region, 0));
  };

  public query func initCost() : async Nat64 { initInstructions };

  system func inspect({
    arg : Blob;
    caller : Principal;
    msg : {
      #burn : () -> Nat;
      #burnQuery : () -> Nat;
      #guarded : () -> Nat;
      #initCost : () -> ();
      #state : () -> ();
    };
  }) : Bool {
    ignore (arg, caller);
    switch msg {
      case (#guarded rounds) { burnRounds(rounds()); true };
      case _ true;
    };
  };
};
