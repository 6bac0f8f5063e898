/// The types on the wire between clients, the index canister and data canisters: what
/// `client/` encodes with Candid and what the canisters' interfaces (`.did`) show.
///
/// Keys are stored keys (`Key.encodeKey`: slot, collection, partition, sort); values are
/// bytes. Every result that depends on routing carries the data canister's table version,
/// so a client knows whether its cached slot table is older.
module {
  /// A per-item version: strictly increasing per key, `max(previous + 1, time in ns)`, so a
  /// key moved to another canister keeps increasing versions. 0 means "absent".
  public type Version = Nat64;

  /// A stored value, its version, and the id of the conditional write that stored it (so a
  /// retried conditional write is recognised as already applied).
  public type Entry = { value : Blob; version : Version; writeId : ?Blob };

  /// Compare-and-set conditions.
  public type Condition = {
    /// Write only if the key is absent.
    #ifAbsent;
    /// Write only if the key's current version is this (0 = absent).
    #ifVersion : Version;
  };

  public type PutItem = {
    key : Blob;
    value : Blob;
    condition : ?Condition;
    /// Client-chosen id of a conditional write: if the condition fails because this very
    /// write is already stored (a retry), the answer is `#ok`. At most 32 bytes.
    writeId : ?Blob;
    /// Return up to this many leading bytes of the value this write replaces (only to a
    /// caller that may read: a write-only caller gets none).
    returnPrevious : ?Nat;
  };

  public type PutResult = {
    #ok : { version : Version; previous : ?Blob };
    /// The condition did not hold; `current` is the key's version (null: absent).
    #conflict : { current : ?Version };
    /// This canister does not own the key's slot: refresh the slot table.
    #moved : { tableVersion : Nat64 };
    /// The slot is moving to `to`: write there (the table may not say so yet).
    #migrating : { to : Principal; tableVersion : Nat64 };
    /// Try again later (the canister is full, or a migration peer did not answer).
    #unavailable : Text;
    /// The key or value breaks a rule; the text says which and by how much.
    #invalid : Text;
  };

  public type DeleteItem = { key : Blob; condition : ?{ #ifVersion : Version }; returnPrevious : ?Nat };

  public type DeleteResult = {
    #ok : { existed : Bool; previous : ?Blob };
    #conflict : { current : ?Version };
    #moved : { tableVersion : Nat64 };
    #migrating : { to : Principal; tableVersion : Nat64 };
    #unavailable : Text;
    #invalid : Text;
  };

  public type GetOptions = {
    /// Read a slot that is migrating out (only when its target answered `#fallback`).
    fallback : Bool;
    /// Return values (false: versions only, as `has` needs).
    values : Bool;
  };

  public type GetResult = {
    #found : { value : Blob; version : Version };
    #absent;
    #moved : { tableVersion : Nat64 };
    #migrating : { to : Principal; tableVersion : Nat64 };
    /// Not copied here yet: read it from `from` with `fallback = true`.
    #fallback : { from : Principal };
    /// The reply budget ran out before this key: ask again.
    #notIncluded;
    #invalid : Text;
  };

  public type ScanRange = {
    /// Items of one partition whose sort key is in `[from, to)`.
    #partition : { collection : Text; partition : Blob; from : ?Blob; to : ?Blob };
    /// Every item in slots `first ..= last`, optionally of one collection only.
    #slots : { first : Nat16; last : Nat16; collection : ?Text };
  };

  public type ScanRequest = {
    range : ScanRange;
    reverse : Bool;
    /// At most this many items (capped by the canister, see `maxScanItems`).
    limit : Nat;
    /// Continue after this stored key (the `next` of the previous page).
    after : ?Blob;
  };

  public type ScanItem = { key : Blob; value : Blob; version : Version };

  public type ScanPage = { items : [ScanItem]; next : ?Blob };

  public type ScanResult = {
    #ok : ScanPage;
    #moved : { tableVersion : Nat64 };
    #migrating : { to : Principal; tableVersion : Nat64 };
    /// Part of the range is still being copied here: call `scanMerged`, which merges it
    /// with the source's copy.
    #fallback : { from : Principal };
    #invalid : Text;
  };

  /// Who may use a BigMap's data.
  public type Access = { read : Bool; write : Bool };

  /// A data canister's load, as it reports it to the index.
  public type DataStats = {
    keys : Nat;
    /// Bytes of keys and values stored.
    bytes : Nat;
    /// Wasm memory in bytes, and the part the heap uses.
    memoryBytes : Nat;
    heapBytes : Nat;
    /// Slots owned (stable or migrating in).
    slots : Nat;
    cycles : Nat;
    tableVersion : Nat64;
  };

  public type SlotBytes = { slot : Nat16; bytes : Nat64 };

  /// Inclusive slot range.
  public type SlotSpan = { start : Nat16; end : Nat16 };

  public type DataInit = {
    index : Principal;
    /// Slots this canister owns from the start.
    slots : [SlotSpan];
    tableVersion : Nat64;
    acl : [(Principal, Access)];
    /// Stored bytes at which the canister tells the index it is full.
    reportAtBytes : Nat;
    /// Its wasm memory limit: writes are refused (as `#unavailable`) near it.
    memoryLimitBytes : Nat;
  };

  /// A data canister's role in the current migration.
  public type MigrationRole = { #source : { to : Principal }; #target : { from : Principal } };
};
