/// The BigMap index canister: owns the slot table (65,536 slots → data canister, with a
/// version), spawns data canisters, splits full ones, rebalances, and moves slots between
/// them online. Clients read its routing table and talk to data canisters directly.
///
/// State (persisted memory, kept across upgrades): owners, the access list, the data
/// canisters, the slot table, the migration in progress and the queue of planned moves.
/// Timers are re-created on every upgrade, and the migration resumes where it stopped.
///
/// Migration state machine (one step per driver step, each idempotent, so a trap, a
/// rejected call or an upgrade of either side only delays it):
///  1. `#beginSource`: the source stops taking writes to the slots (answers `#unavailable`,
///     retry shortly; reads are still served there, its copy being complete).
///  2. `#beginTarget`: the target takes writes to them, tombstoning deletes.
///  3. `#redirectSource`: the source sends writes and reads to the target (`#migrating`).
///  4. `#beginTable`: the table marks them `migrating(from, to)` (version + 1).
///  5. `#copy`: chunks of at most `copyChunkBytes` go source → target, insert-if-absent.
///  6. `#commitTarget`: the target owns them; 7. `#commitTable`: `stable(to)` (version + 1);
///  8. `#commitSource`: the source answers `#moved`; 9. `#drop`: it deletes its copy in chunks.
///
/// Splits: a data canister whose stored bytes pass `splitAt × capacity` (or whose heap
/// passes `splitAt × memoryLimit`), seen by the poll timer or reported by the canister, is
/// split: the planner picks a contiguous block of about half its bytes, a new canister is
/// spawned, and the block migrates to it. `rebalance` evens loads the same way.
///
/// Who may call: owners administer; data canisters report their load; anyone may read the
/// routing table and migration status.
import Array "mo:core/Array";
import Cycles "mo:core/Cycles";
import Error "mo:core/Error";
import Float "mo:core/Float";
import Int "mo:core/Int";
import List "mo:core/List";
import Map "mo:core/Map";
import Nat "mo:core/Nat";
import Nat16 "mo:core/Nat16";
import Nat64 "mo:core/Nat64";
import Option "mo:core/Option";
import Queue "mo:core/Queue";
import Principal "mo:core/Principal";
import Runtime "mo:core/Runtime";
import Set "mo:core/Set";
import Time "mo:core/Time";
import Timer "mo:core/Timer";
import Data "../data/Data";
import Api "../lib/Api";
import Planner "../lib/Planner";
import SlotTable "../lib/SlotTable";
import Types "Types";

persistent actor class Index(init : Types.IndexInit) = self {
  // ------------------------------------------------------------------ configuration

  let GiB = 1_073_741_824;
  /// Items deleted per `migrationDrop` call: bounds the instructions of one message.
  let dropChunkKeys = 20_000;
  /// Finished migrations kept for `migrationStatus`.
  let historyLength = 100;

  func resolve(i : Types.IndexInit) : Types.Config {
    let splitAt = switch (i.splitAt) { case (?f) f; case null 0.75 };
    if (not (splitAt > 0.0 and splitAt < 1.0)) Runtime.trap("Invalid IndexInit: splitAt must be between 0 and 1 (exclusive), got " # Float.toText(splitAt));
    {
      capacityBytes = switch (i.capacityBytes) { case (?n) n; case null 4 * GiB };
      splitAtPerMille = Int.abs(Float.toInt(splitAt * 1000.0));
      memoryLimitBytes = switch (i.memoryLimitBytes) { case (?n) n; case null 6 * GiB };
      cyclesPerCanister = switch (i.cyclesPerCanister) { case (?n) n; case null 2_000_000_000_000 };
      initialDataCanisters = switch (i.initialDataCanisters) { case (?n) Nat.max(1, n); case null 1 };
      topUpBelowCycles = switch (i.topUpBelowCycles) { case (?n) n; case null 1_000_000_000_000 };
      topUpCycles = switch (i.topUpCycles) { case (?n) n; case null 2_000_000_000_000 };
      driverIntervalSeconds = switch (i.driverIntervalSeconds) { case (?n) Nat.max(1, n); case null 1 };
      pollIntervalSeconds = switch (i.pollIntervalSeconds) { case (?n) Nat.max(1, n); case null 30 };
      copyChunkBytes = switch (i.copyChunkBytes) { case (?n) Nat.min(Nat.max(n, 1_024), 1_500_000); case null 1_048_576 };
    };
  };

  let config : Types.Config = resolve(init);
  let splitAtBytes = config.capacityBytes * config.splitAtPerMille / 1000;
  let heapSplitBytes = config.memoryLimitBytes * config.splitAtPerMille / 1000;

  // ------------------------------------------------------------------ state

  var owners : [Principal] = init.owners;
  let acl = Map.empty<Principal, Api.Access>();
  /// Data canisters, in creation order.
  var canisters : [Principal] = [];
  let loads = Map.empty<Principal, { stats : ?Api.DataStats; reachable : Bool }>();
  /// Null until the first data canisters exist.
  var table : ?SlotTable.SlotTable = null;
  var ranges : [SlotTable.SlotRange] = [];

  type Migration = {
    id : Nat;
    reason : Types.MigrationReason;
    from : Principal;
    to : Principal;
    slots : [Nat16];
    plannedBytes : Nat64;
    var phase : Types.Phase;
    var after : ?Blob;
    var copiedKeys : Nat;
    var copiedBytes : Nat;
    var droppedKeys : Nat;
    startedAtNanos : Int;
    var updatedAtNanos : Int;
    var attempts : Nat;
    var lastError : ?Text;
  };

  var migration : ?Migration = null;
  var nextMigrationId = 1;
  let queue = Queue.empty<Types.PlannedMove>();
  let splitRequests = Set.empty<Principal>();
  let history = List.empty<Types.MigrationView>();
  /// Canisters found unsplittable (all their data in one slot), with their stored bytes at
  /// the time: not tried again until they hold 10% more.
  let unsplittable = Map.empty<Principal, Nat>();
  /// The last failure of a driver step other than a migration's (those are on the migration).
  var lastError : ?Text = null;
  /// Principals whose access change did not reach every data canister yet.
  let aclPending = Set.empty<Principal>();
  /// Counts access changes (authorize, revoke), so a rolling upgrade can tell whether the
  /// access list it installed into a stopped canister is still the current one.
  var aclChanges = 0;
  /// `aclChanges` when the canister being upgraded got its access list (`#install`).
  var aclChangesAtInstall = 0;

  type UpgradeStep = { #stop; #install; #start };
  type Upgrade = { var pending : [Principal]; var done : [Principal]; var failed : [(Principal, Text)]; var current : ?{ canister : Principal; var step : UpgradeStep }; var finished : Bool };
  /// The rolling upgrade in progress, or the last one (finished), for upgradeStatus.
  var upgrade : ?Upgrade = null;

  func upgrading() : Bool = switch upgrade { case (?u) not u.finished; case null false };

  // ------------------------------------------------------------------ helpers

  func isOwner(p : Principal) : Bool = Array.indexOf<Principal>(owners, Principal.equal, p) != null;
  func isDataCanister(p : Principal) : Bool = Array.indexOf<Principal>(canisters, Principal.equal, p) != null;

  func unauthorized(caller : Principal, what : Text) : Error.Error {
    Error.reject("Unauthorized: " # Principal.toText(caller) # " may not " # what # "; only an owner of this BigMap may");
  };

  func data(id : Principal) : Data.Data = actor (Principal.toText(id));

  func now() : Int = Time.now();

  /// What every data canister's access list holds: owners (read and write) and granted principals.
  func aclEntries() : [(Principal, Api.Access)] {
    let entries = List.empty<(Principal, Api.Access)>();
    for (o in owners.values()) List.add(entries, (o, { read = true; write = true }));
    for ((p, a) in Map.entries(acl)) List.add(entries, (p, a));
    List.toArray(entries);
  };

  /// What changed in the access list since `sent` (a copy of `aclEntries()`): `null` revokes.
  func aclChangesSince(sent : [(Principal, Api.Access)]) : [(Principal, ?Api.Access)] {
    let before = Map.fromIter<Principal, Api.Access>(sent.values(), Principal.compare);
    let changes = List.empty<(Principal, ?Api.Access)>();
    for ((p, a) in aclEntries().values()) {
      switch (Map.take(before, Principal.compare, p)) {
        case (?b) if (b.read != a.read or b.write != a.write) List.add(changes, (p, ?a));
        case null List.add(changes, (p, ?a));
      };
    };
    for ((p, _) in Map.entries(before)) List.add(changes, (p, null));
    List.toArray(changes);
  };

  func refreshRanges() {
    switch table { case (?t) ranges := SlotTable.toRanges(t); case null {} };
  };

  func tableVersion() : Nat64 = switch table { case (?t) t.version; case null 0 };

  func view(m : Migration) : Types.MigrationView {
    {
      id = m.id;
      reason = m.reason;
      from = m.from;
      to = m.to;
      slots = m.slots.size();
      plannedBytes = m.plannedBytes;
      phase = m.phase;
      copiedKeys = m.copiedKeys;
      copiedBytes = m.copiedBytes;
      droppedKeys = m.droppedKeys;
      startedAtNanos = m.startedAtNanos;
      updatedAtNanos = m.updatedAtNanos;
      attempts = m.attempts;
      lastError = m.lastError;
    };
  };

  func busyCanisters() : Set.Set<Principal> {
    let busy = Set.empty<Principal>();
    switch migration {
      case (?m) {
        Set.add(busy, Principal.compare, m.from);
        Set.add(busy, Principal.compare, m.to);
      };
      case null {};
    };
    for (move in Queue.values(queue)) {
      Set.add(busy, Principal.compare, move.from);
      Set.add(busy, Principal.compare, move.to);
    };
    busy;
  };

  func needsSplit(s : Api.DataStats) : Bool = s.bytes >= splitAtBytes or s.heapBytes >= heapSplitBytes;

  func recordLoad(canister : Principal, stats : Api.DataStats) {
    Map.add(loads, Principal.compare, canister, { stats = ?stats; reachable = true });
    let retryLater = switch (Map.get(unsplittable, Principal.compare, canister)) { case (?bytes) stats.bytes < bytes + bytes / 10; case null false };
    if (needsSplit(stats) and not retryLater and not Set.contains(busyCanisters(), Principal.compare, canister)) Set.add(splitRequests, Principal.compare, canister);
  };

  /// Spawns a data canister owning `slots`, with the configured cycles and memory limit.
  func spawn(slots : [Api.SlotSpan]) : async* Principal {
    let sent = aclEntries();
    let created = await (with cycles = config.cyclesPerCanister) (system Data.Data)(
      #new { settings = ?{ controllers = ?[Principal.fromActor(self)]; compute_allocation = null; memory_allocation = null; freezing_threshold = null } }
    )({
      index = Principal.fromActor(self);
      slots;
      // The first data canisters are spawned before the table exists: they get the version
      // it will have, so their `#moved` answers carry a real version, not 0.
      tableVersion = switch table { case (?t) t.version; case null bootstrapVersion() };
      acl = sent;
      reportAtBytes = splitAtBytes;
      memoryLimitBytes = config.memoryLimitBytes;
    });
    let id = Principal.fromActor(created);
    canisters := Array.concat(canisters, [id]);
    // An authorize or revoke that ran while the canister was being created reached only the
    // canisters listed then: bring the new one up to date before it is used.
    let changes = aclChangesSince(sent);
    if (changes.size() > 0) {
      try { await data(id).setAccess(changes) } catch (_) {
        for ((p, _) in changes.values()) Set.add(aclPending, Principal.compare, p);
      };
    };
    // The canister is in service from here: a failed call must not make the caller spawn
    // another. The limit is a safety net (the canister refuses writes past
    // memoryLimitBytes itself), so a refused call only leaves the IC's default limit.
    try {
      await ic.update_settings({ canister_id = id; settings = { controllers = null; wasm_memory_limit = ?config.memoryLimitBytes; freezing_threshold = null } });
    } catch (e) {
      lastError := ?("could not set the memory limit of " # Principal.toText(id) # ": " # Error.message(e));
    };
    id;
  };

  transient let ic = actor "aaaaa-aa" : actor {
    update_settings : { canister_id : Principal; settings : { controllers : ?[Principal]; wasm_memory_limit : ?Nat; freezing_threshold : ?Nat } } -> async ();
    stop_canister : { canister_id : Principal } -> async ();
    start_canister : { canister_id : Principal } -> async ();
    // The fields read here; Candid subtyping ignores the others.
    canister_status : { canister_id : Principal } -> async { cycles : Nat };
    deposit_cycles : { canister_id : Principal } -> async ();
  };

  // ------------------------------------------------------------------ the driver

  /// Bootstraps, then runs the upgrade, the migration, queued moves and splits, one
  /// inter-canister step at a time.
  func stepNow() : async* Types.StepOutcome {
    if (Option.isNull(table)) return await* bootstrap();
    if (not Set.isEmpty(aclPending)) {
      let synced = await* syncAcl();
      // A canister that cannot apply it yet (stopped for an upgrade) must not hold up the
      // rest of the work, the upgrade step that starts it again included.
      if (synced.more) return synced;
    };
    switch upgrade {
      case (?u) if (not u.finished and Option.isNull(migration)) return await* upgradeStep(u);
      case _ {};
    };
    switch migration {
      case (?m) return await* migrationStep(m);
      case null {};
    };
    if (not Queue.isEmpty(queue)) return startNext();
    switch (Set.min(splitRequests)) {
      case (?canister) return await* splitStep(canister);
      case null {};
    };
    { did = "idle"; more = upgrading() };
  };

  func bootstrap() : async* Types.StepOutcome {
    let n = config.initialDataCanisters;
    let k = canisters.size();
    if (k < n) {
      let first = 65_536 * k / n;
      let last = 65_536 * (k + 1) / n - 1 : Nat;
      let id = await* spawn([{ start = Nat16.fromNat(first); end = Nat16.fromNat(last) }]);
      return { did = "spawned data canister " # Principal.toText(id); more = true };
    };
    let t = SlotTable.new(canisters[0]);
    for (i in Nat.range(1, n)) {
      let slots = Array.tabulate<Nat16>(65_536 * (i + 1) / n - 65_536 * i / n, func(j) = Nat16.fromNat(65_536 * i / n + j));
      ignore SlotTable.assign(t, slots, canisters[i]);
    };
    table := ?t;
    refreshRanges();
    { did = "routing table ready with " # Nat.toText(n) # " data canister(s)"; more = true };
  };

  /// The version of the table `bootstrap` builds: `SlotTable.new` is version 1, and each
  /// assign of a non-empty block to another canister adds one.
  func bootstrapVersion() : Nat64 {
    let n = config.initialDataCanisters;
    var version : Nat64 = 1;
    for (i in Nat.range(1, n)) if (65_536 * (i + 1) / n > 65_536 * i / n) version += 1;
    version;
  };

  func syncAcl() : async* Types.StepOutcome {
    let changes = Array.map<Principal, (Principal, ?Api.Access)>(Set.toArray(aclPending), func(p) = (p, Map.get(acl, Principal.compare, p)));
    var unreached = 0;
    for (c in canisters.values()) {
      try { await data(c).setAccess(changes) } catch (_) { unreached += 1 };
    };
    if (unreached > 0) {
      lastError := ?("access list sync: " # Nat.toText(unreached) # " data canister(s) did not apply it yet, will retry");
      return { did = "access list sync reached all but " # Nat.toText(unreached) # " data canister(s), will retry"; more = false };
    };
    // Only what was pushed: a change made meanwhile stays pending if it did not reach everyone.
    for ((p, a) in changes.values()) if (Map.get(acl, Principal.compare, p) == a) Set.remove(aclPending, Principal.compare, p);
    { did = "access list synced to every data canister"; more = true };
  };

  func migrationStep(m : Migration) : async* Types.StepOutcome {
    let version = tableVersion();
    try {
      switch (m.phase) {
        case (#beginSource) {
          await data(m.from).migrationBegin({ role = #source({ to = m.to }); slots = m.slots; tableVersion = version + 1 });
          m.phase := #beginTarget;
        };
        case (#beginTarget) {
          await data(m.to).migrationBegin({ role = #target({ from = m.from }); slots = m.slots; tableVersion = version + 1 });
          m.phase := #redirectSource;
        };
        case (#redirectSource) {
          await data(m.from).migrationRedirect();
          m.phase := #beginTable;
        };
        case (#beginTable) {
          switch (table) {
            case (?t) switch (SlotTable.beginMigration(t, m.slots, m.to)) {
              case (#err(e)) return failed(m, e);
              case (#ok) refreshRanges();
            };
            case null {};
          };
          m.phase := #copy;
        };
        case (#copy) {
          let r = await data(m.from).migrationCopy({ after = m.after; maxBytes = config.copyChunkBytes });
          m.after := r.next;
          m.copiedKeys += r.keys;
          m.copiedBytes += r.bytes;
          if (r.next == null) m.phase := #commitTarget;
        };
        case (#commitTarget) {
          await data(m.to).migrationCommit({ slots = m.slots; tableVersion = version + 1 });
          m.phase := #commitTable;
        };
        case (#commitTable) {
          switch (table) {
            case (?t) switch (SlotTable.commitMigration(t, m.slots, m.to)) {
              case (#err(e)) return failed(m, e);
              case (#ok) refreshRanges();
            };
            case null {};
          };
          m.phase := #commitSource;
        };
        case (#commitSource) {
          await data(m.from).migrationCommit({ slots = m.slots; tableVersion = version });
          m.phase := #drop;
        };
        case (#drop) {
          let r = await data(m.from).migrationDrop(dropChunkKeys);
          m.droppedKeys += r.deletedKeys;
          if (not r.remaining) m.phase := #done;
        };
        case (#done) {};
      };
    } catch (e) {
      return failed(m, Error.message(e));
    };
    m.updatedAtNanos := now();
    m.lastError := null;
    if (m.phase == #done) {
      List.add(history, view(m));
      trimHistory();
      migration := null;
      return { did = "migration " # Nat.toText(m.id) # " finished"; more = true };
    };
    { did = "migration " # Nat.toText(m.id) # ": " # debug_show (m.phase); more = true };
  };

  /// Keeps the newest `historyLength` finished migrations (`history` is oldest first): the
  /// oldest go. Clients count new history ids to follow progress (`waitForMigrations`), so
  /// the newest must always be there. Runtime: `O(historyLength)`, once per migration.
  func trimHistory() {
    let size = List.size(history);
    if (size <= historyLength) return;
    let newest = List.sliceToArray(history, size - historyLength : Nat, size);
    List.clear(history);
    List.addAll(history, newest.values());
  };

  func failed(m : Migration, message : Text) : Types.StepOutcome {
    m.attempts += 1;
    m.lastError := ?message;
    m.updatedAtNanos := now();
    { did = "migration " # Nat.toText(m.id) # " step failed, will retry: " # message; more = false };
  };

  func startNext() : Types.StepOutcome {
    let ?move = Queue.popFront(queue) else return { did = "idle"; more = false };
    let id = nextMigrationId;
    nextMigrationId += 1;
    migration := ?{
      id;
      reason = move.reason;
      from = move.from;
      to = move.to;
      slots = move.slots;
      plannedBytes = move.bytes;
      var phase = #beginSource;
      var after = null;
      var copiedKeys = 0;
      var copiedBytes = 0;
      var droppedKeys = 0;
      startedAtNanos = now();
      var updatedAtNanos = now();
      var attempts = 0;
      var lastError = null;
    };
    { did = "migration " # Nat.toText(id) # " started: " # Nat.toText(move.slots.size()) # " slots from " # Principal.toText(move.from) # " to " # Principal.toText(move.to); more = true };
  };

  /// Plans the split first (an unsplittable canister gets no new sibling), then spawns the
  /// target and queues the move. The request stays until the move is queued, so a failed
  /// call only delays it.
  func splitStep(canister : Principal) : async* Types.StepOutcome {
    try {
      let slotBytes = await data(canister).slotStats();
      switch (Planner.planSplit(slotBytes)) {
        case (#unsplittable(reason)) {
          Set.remove(splitRequests, Principal.compare, canister);
          var bytes = 0;
          for (s in slotBytes.values()) bytes += Nat64.toNat(s.bytes);
          Map.add(unsplittable, Principal.compare, canister, bytes);
          lastError := ?("cannot split " # Principal.toText(canister) # ": " # debug_show (reason));
          { did = "cannot split " # Principal.toText(canister) # ": " # debug_show (reason); more = true };
        };
        case (#move(plan)) {
          let target = await* spawn([]);
          Set.remove(splitRequests, Principal.compare, canister);
          Map.remove(unsplittable, Principal.compare, canister);
          Queue.pushBack(queue, { reason = #split; from = canister; to = target; slots = plan.slots; bytes = plan.movedBytes });
          { did = "splitting " # Principal.toText(canister) # " into " # Principal.toText(target); more = true };
        };
      };
    } catch (e) {
      lastError := ?("split of " # Principal.toText(canister) # " failed, will retry: " # Error.message(e));
      { did = "split of " # Principal.toText(canister) # " failed, will retry: " # Error.message(e); more = false };
    };
  };

  func upgradeStep(u : Upgrade) : async* Types.StepOutcome {
    let current = switch (u.current) {
      case (?c) c;
      case null {
        if (u.pending.size() == 0) {
          u.finished := true;
          return { did = "rolling upgrade finished"; more = true };
        };
        let c = { canister = u.pending[0]; var step : UpgradeStep = #stop };
        u.pending := Array.sliceToArray(u.pending, 1, u.pending.size());
        u.current := ?c;
        c;
      };
    };
    let id = current.canister;
    try {
      switch (current.step) {
        case (#stop) {
          await ic.stop_canister({ canister_id = id });
          current.step := #install;
        };
        case (#install) {
          aclChangesAtInstall := aclChanges;
          try {
            ignore await (system Data.Data)(#upgrade(data(id)))({
              index = Principal.fromActor(self);
              slots = [];
              tableVersion = tableVersion();
              acl = aclEntries();
              reportAtBytes = splitAtBytes;
              memoryLimitBytes = config.memoryLimitBytes;
            });
          } catch (e) {
            u.failed := Array.concat(u.failed, [(id, Error.message(e))]);
          };
          current.step := #start;
        };
        case (#start) {
          // The installed canister applies the access list it got (Data.mo, postupgrade). An
          // access change made since could not reach it (stopped): install again with the
          // current list rather than start it honouring a revoked grant until the next sync.
          let installed = Array.find<(Principal, Text)>(u.failed, func((p, _)) = p == id) == null;
          if (installed and aclChanges != aclChangesAtInstall) {
            current.step := #install;
            return { did = "upgrading " # Principal.toText(id) # ": the access list changed since its install, installing again"; more = true };
          };
          await ic.start_canister({ canister_id = id });
          if (Array.find<(Principal, Text)>(u.failed, func((p, _)) = p == id) == null) u.done := Array.concat(u.done, [id]);
          u.current := null;
        };
      };
    } catch (e) {
      return { did = "upgrade of " # Principal.toText(id) # " failed a step, will retry: " # Error.message(e); more = false };
    };
    { did = "upgrading " # Principal.toText(id) # ": " # debug_show (current.step); more = true };
  };

  /// Checks every data canister's load and cycles: splits full ones, tops up low ones.
  func poll() : async* () {
    for (c in canisters.values()) {
      try {
        let stats = await data(c).stats();
        recordLoad(c, stats);
        if (stats.cycles < config.topUpBelowCycles and Cycles.balance() > config.topUpCycles * 2) {
          await (with cycles = config.topUpCycles) data(c).depositCycles();
        };
      } catch (_) {
        let previous = switch (Map.get(loads, Principal.compare, c)) { case (?l) l.stats; case null null };
        Map.add(loads, Principal.compare, c, { stats = previous; reachable = false });
        await* rescueFrozen(c);
      };
    };
  };

  /// A data canister out of cycles is frozen and answers nobody, so its own stats cannot
  /// ask for a top-up: the management canister, which answers its controller, can.
  func rescueFrozen(c : Principal) : async* () {
    try {
      let status = await ic.canister_status({ canister_id = c });
      if (status.cycles < config.topUpBelowCycles and Cycles.balance() > config.topUpCycles * 2) {
        await (with cycles = config.topUpCycles) ic.deposit_cycles({ canister_id = c });
      };
    } catch (_) {};
  };

  transient var driving = false;
  transient var polling = false;

  /// Runs steps until idle (bounded), once at a time.
  func drive() : async () {
    if (driving) return;
    driving := true;
    try {
      var steps = 0;
      label run while (steps < 200) {
        let outcome = await* stepNow();
        steps += 1;
        if (not outcome.more) break run;
      };
    } catch (e) {
      lastError := ?Error.message(e);
    } finally {
      driving := false;
    };
  };

  func pollOnce() : async () {
    if (polling or Option.isNull(table)) return;
    polling := true;
    try { await* poll() } finally { polling := false };
  };

  // Timers do not survive an upgrade: these transient declarations re-create them on
  // install and on every upgrade, and the driver resumes the persisted work.
  transient let _bootstrapTimer = Timer.setTimer<system>(#seconds 0, drive);
  transient let _driverTimer = Timer.recurringTimer<system>(#seconds(config.driverIntervalSeconds), drive);
  transient let _pollTimer = Timer.recurringTimer<system>(#seconds(config.pollIntervalSeconds), pollOnce);

  // ------------------------------------------------------------------ public interface

  /// The slot table: which data canister owns each slot range, and which ranges are
  /// migrating. Who: anyone. Runtime: `O(r)` (the ranges are cached).
  public query func routingTable() : async Types.RoutingTable {
    { version = tableVersion(); ranges };
  };

  /// Data canisters in creation order. Who: anyone.
  public query func dataCanisters() : async [Principal] { canisters };

  /// Owners of this BigMap. Who: anyone.
  public query func getOwners() : async [Principal] { owners };

  /// The resolved configuration. Who: anyone.
  public query func configuration() : async Types.Config { config };

  /// The migration in progress, the queue and recent history. Who: anyone.
  public query func migrationStatus() : async Types.MigrationStatus { migrationStatusNow() };

  func migrationStatusNow() : Types.MigrationStatus {
    {
      active = switch migration { case (?m) ?view(m); case null null };
      queued = Array.map<Types.PlannedMove, { reason : Types.MigrationReason; from : Principal; to : Principal; slots : Nat; bytes : Nat64 }>(
        Queue.toArray(queue),
        func(m) = { reason = m.reason; from = m.from; to = m.to; slots = m.slots.size(); bytes = m.bytes },
      );
      history = List.toArray(List.reverse(history));
      splitRequests = Set.toArray(splitRequests);
      lastError;
    };
  };

  /// Fresh load figures of every data canister (asks each one), the migrations and the
  /// index's cycles. Who: owners.
  ///
  /// Why owners only: each call makes one inter-canister call per data canister, paid by the
  /// index, so a reader could make the index spend cycles at will. Owners already drive the
  /// index (`step`, `rebalance`) and pay for it. Readers get the same figures, as fresh and
  /// at no cost to any canister, from queries: each data canister's `stats` (readers may call
  /// it), `migrationStatus`, `configuration` and `routingTable`; the client's `stats()`
  /// does that for them. (A query here serving the polled `loads` would change this
  /// method's Candid mode, and its figures would be up to `pollIntervalSeconds` old.)
  /// Runtime: one call per data canister.
  public shared ({ caller }) func stats() : async Types.IndexStats {
    if (not isOwner(caller)) throw unauthorized(caller, "read the index's stats");
    await* poll();
    {
      version = tableVersion();
      canisters = Array.map<Principal, Types.CanisterStats>(
        canisters,
        func(id) = switch (Map.get(loads, Principal.compare, id)) {
          case (?l) ({ id; reachable = l.reachable; stats = l.stats });
          case null ({ id; reachable = false; stats = null });
        },
      );
      migrations = migrationStatusNow();
      config;
      indexCycles = Cycles.balance();
    };
  };

  /// Grants `principal` read and/or write access on every data canister; answers once
  /// every data canister applied it. Who: owners.
  public shared ({ caller }) func authorize(principal : Principal, access : Api.Access) : async () {
    if (not isOwner(caller)) throw unauthorized(caller, "authorize principals");
    if (isOwner(principal)) throw Error.reject("Cannot change the access of " # Principal.toText(principal) # ": owners always have read and write access");
    Map.add(acl, Principal.compare, principal, access);
    aclChanges += 1;
    await* pushAccess(principal);
  };

  /// Revokes `principal`'s access; answers once every data canister refuses it. Who: owners.
  public shared ({ caller }) func revoke(principal : Principal) : async () {
    if (not isOwner(caller)) throw unauthorized(caller, "revoke principals");
    if (isOwner(principal)) throw Error.reject("Cannot revoke " # Principal.toText(principal) # ": owners always have access");
    Map.remove(acl, Principal.compare, principal);
    aclChanges += 1;
    await* pushAccess(principal);
  };

  func pushAccess(principal : Principal) : async* () {
    let change = [(principal, Map.get(acl, Principal.compare, principal))];
    var unreached : [Principal] = [];
    for (c in canisters.values()) {
      try { await data(c).setAccess(change) } catch (_) { unreached := Array.concat(unreached, [c]) };
    };
    if (unreached.size() > 0) {
      Set.add(aclPending, Principal.compare, principal);
      throw Error.reject("The access change is recorded but " # Nat.toText(unreached.size()) # " data canister(s) did not apply it yet; the index retries until they do");
    };
  };

  /// The access list (owners are not listed: they always have access). Who: owners.
  public shared query ({ caller }) func accessList() : async [(Principal, Api.Access)] {
    if (not isOwner(caller)) throw unauthorized(caller, "read the access list");
    Map.toArray(acl);
  };

  /// Plans moves that even out the stored bytes across data canisters and queues them;
  /// the driver runs them. `tolerance`: accepted spread as a fraction of the mean load.
  /// Who: owners.
  public shared ({ caller }) func rebalance(tolerance : Float) : async [Types.PlannedMove] {
    if (not isOwner(caller)) throw unauthorized(caller, "rebalance");
    if (Option.isSome(migration) or not Queue.isEmpty(queue)) throw Error.reject("A migration is in progress; rebalance when migrationStatus shows none active or queued");
    if (not (tolerance >= 0.0)) throw Error.reject("tolerance must be a fraction >= 0, got " # Float.toText(tolerance));
    let loadsNow = List.empty<Planner.CanisterLoad<Principal>>();
    for (c in canisters.values()) List.add(loadsNow, { canister = c; slots = await data(c).slotStats() });
    let moves = Planner.planRebalance<Principal>(List.toArray(loadsNow), Int.abs(Float.toInt(tolerance * 1_000_000.0)));
    let planned = Array.map<Planner.Move<Principal>, Types.PlannedMove>(moves, func(m) = { reason = #rebalance; from = m.from; to = m.to; slots = m.slots; bytes = m.bytes });
    for (p in planned.values()) Queue.pushBack(queue, p);
    planned;
  };

  /// Spawns an empty data canister (a target for `rebalance`). Who: owners.
  public shared ({ caller }) func addDataCanister() : async Principal {
    if (not isOwner(caller)) throw unauthorized(caller, "add data canisters");
    if (Option.isNull(table)) throw Error.reject("The index is still creating its first data canisters");
    await* spawn([]);
  };

  /// Asks for `canister` to be split now, whatever its load. Who: owners.
  public shared ({ caller }) func split(canister : Principal) : async () {
    if (not isOwner(caller)) throw unauthorized(caller, "split canisters");
    if (not isDataCanister(canister)) throw Error.reject(Principal.toText(canister) # " is not a data canister of this BigMap");
    Set.add(splitRequests, Principal.compare, canister);
  };

  /// Upgrades every data canister, one at a time (stop, install with memory kept, start),
  /// to the data canister wasm this index carries. Progress: `upgradeStatus`. Who: owners.
  public shared ({ caller }) func upgradeDataCanisters() : async () {
    if (not isOwner(caller)) throw unauthorized(caller, "upgrade data canisters");
    if (upgrading()) throw Error.reject("A rolling upgrade is already in progress");
    upgrade := ?{ var pending = canisters; var done = []; var failed = []; var current = null; var finished = false };
  };

  public query func upgradeStatus() : async ?Types.UpgradeStatus {
    switch upgrade {
      case null null;
      case (?u) ?{
        pending = u.pending;
        done = u.done;
        failed = u.failed;
        current = switch (u.current) { case (?c) ?{ canister = c.canister; step = c.step }; case null null };
        finished = u.finished;
      };
    };
  };

  /// Runs one driver step now (what the timer does every `driverIntervalSeconds`): for
  /// tests and operators who want to watch a migration move. Who: owners.
  public shared ({ caller }) func step() : async Types.StepOutcome {
    if (not isOwner(caller)) throw unauthorized(caller, "drive the index");
    // One driver at a time: steps interleaved across awaits could spawn twice or run a
    // migration phase twice.
    if (driving) return { did = "the driver is running; try again"; more = true };
    driving := true;
    try { await* stepNow() } finally { driving := false };
  };

  /// A data canister passed its split threshold (one-way). Who: data canisters.
  public shared ({ caller }) func reportLoad(stats : Api.DataStats) : () {
    if (not isDataCanister(caller)) return;
    recordLoad(caller, stats);
  };

  /// Refuses administrative ingress from non-owners and reports that are not from data
  /// canisters, before they cost cycles.
  system func inspect({
    caller : Principal;
    msg : {
      #routingTable : () -> ();
      #dataCanisters : () -> ();
      #getOwners : () -> ();
      #configuration : () -> ();
      #migrationStatus : () -> ();
      #stats : () -> ();
      #authorize : () -> (Principal, Api.Access);
      #revoke : () -> Principal;
      #accessList : () -> ();
      #rebalance : () -> Float;
      #addDataCanister : () -> ();
      #split : () -> Principal;
      #upgradeDataCanisters : () -> ();
      #upgradeStatus : () -> ();
      #step : () -> ();
      #reportLoad : () -> Api.DataStats;
    };
  }) : Bool {
    switch msg {
      case (#routingTable(_) or #dataCanisters(_) or #getOwners(_) or #configuration(_) or #migrationStatus(_) or #upgradeStatus(_)) true;
      case (#reportLoad(_)) false;
      case _ isOwner(caller);
    };
  };
};
