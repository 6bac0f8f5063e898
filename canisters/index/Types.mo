/// The index canister's public types: its init argument, and what its queries return.
import Api "../lib/Api";
import SlotTable "../lib/SlotTable";

module {
  /// The index's install argument (`dfx deploy --argument`, see README). Every field but
  /// `owners` has a default.
  public type IndexInit = {
    /// Who administers this BigMap (authorize, revoke, rebalance, upgrade); owners can also
    /// read and write.
    owners : [Principal];
    /// Bytes of keys and values a data canister is meant to hold. @default 4 GiB
    capacityBytes : ?Nat;
    /// Fraction of `capacityBytes` (or of `memoryLimitBytes`, for the heap) at which a data
    /// canister is split. Between 0 and 1. @default 0.75
    splitAt : ?Float;
    /// Wasm memory limit of each data canister (wasm64 allows 6 GiB). @default 6 GiB
    memoryLimitBytes : ?Nat;
    /// Cycles each new data canister is created with (the 0.5 T creation fee comes out of
    /// them). @default 2 T
    cyclesPerCanister : ?Nat;
    /// Data canisters created at the start, slots split evenly among them. @default 1
    initialDataCanisters : ?Nat;
    /// A data canister with fewer cycles is topped up by the index. @default 1 T
    topUpBelowCycles : ?Nat;
    /// Cycles one top-up sends. @default 2 T
    topUpCycles : ?Nat;
    /// How often the driver runs migrations, splits and upgrades (seconds). @default 1
    driverIntervalSeconds : ?Nat;
    /// How often data canisters' loads and cycles are checked (seconds). @default 30
    pollIntervalSeconds : ?Nat;
    /// Largest chunk of items one migration call copies (bytes, under the 2 MiB message
    /// limit). @default 1 MiB
    copyChunkBytes : ?Nat;
  };

  /// The resolved configuration.
  public type Config = {
    capacityBytes : Nat;
    splitAtPerMille : Nat;
    memoryLimitBytes : Nat;
    cyclesPerCanister : Nat;
    initialDataCanisters : Nat;
    topUpBelowCycles : Nat;
    topUpCycles : Nat;
    driverIntervalSeconds : Nat;
    pollIntervalSeconds : Nat;
    copyChunkBytes : Nat;
  };

  public type RoutingTable = { version : Nat64; ranges : [SlotTable.SlotRange] };

  public type MigrationReason = { #split; #rebalance };

  /// Steps of a migration, in order (see the index's header).
  public type Phase = {
    #beginSource;
    #beginTarget;
    #redirectSource;
    #beginTable;
    #copy;
    #commitTarget;
    #commitTable;
    #commitSource;
    #drop;
    #done;
  };

  public type MigrationView = {
    id : Nat;
    reason : MigrationReason;
    from : Principal;
    to : Principal;
    slots : Nat;
    plannedBytes : Nat64;
    phase : Phase;
    copiedKeys : Nat;
    copiedBytes : Nat;
    droppedKeys : Nat;
    startedAtNanos : Int;
    updatedAtNanos : Int;
    attempts : Nat;
    lastError : ?Text;
  };

  public type PlannedMove = { reason : MigrationReason; from : Principal; to : Principal; slots : [Nat16]; bytes : Nat64 };

  public type MigrationStatus = {
    active : ?MigrationView;
    queued : [{ reason : MigrationReason; from : Principal; to : Principal; slots : Nat; bytes : Nat64 }];
    /// Finished migrations, newest first (the last 100).
    history : [MigrationView];
    /// Canisters waiting to be split.
    splitRequests : [Principal];
    /// The last failure of a split, spawn or access sync (migrations keep their own).
    lastError : ?Text;
  };

  public type CanisterStats = {
    id : Principal;
    /// False if the canister did not answer the last poll (the figures are then older).
    reachable : Bool;
    stats : ?Api.DataStats;
  };

  public type IndexStats = {
    version : Nat64;
    canisters : [CanisterStats];
    migrations : MigrationStatus;
    config : Config;
    indexCycles : Nat;
  };

  public type UpgradeStatus = {
    /// Canisters still to upgrade, in order.
    pending : [Principal];
    done : [Principal];
    failed : [(Principal, Text)];
    /// The canister being upgraded and its step.
    current : ?{ canister : Principal; step : { #stop; #install; #start } };
    /// True once every canister was tried; the status stays until the next upgrade.
    finished : Bool;
  };

  /// What one driver step did, and whether more work is waiting.
  public type StepOutcome = { did : Text; more : Bool };
};
