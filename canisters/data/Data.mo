/// A BigMap data canister: holds the items of the slots the index gives it, in persisted
/// memory (enhanced orthogonal persistence: the state below survives upgrades as is).
///
/// Role: clients call `put`, `get`, `delete`, `scan` in batches; the index spawns it as an
/// actor class, tells it which slots it owns, moves slots in and out of it, and pushes
/// who may read and write.
///
/// Slot states (one byte per slot):
/// - `none`: not ours; requests get `#moved`.
/// - `owned`: ours; we serve everything.
/// - `migratingOut` (source): frozen for writes. Until the index says the target is ready,
///   writes are refused as `#unavailable` (retry shortly) and reads are served here; after
///   that, writes and reads are redirected (`#migrating {to}`), and it is read only as a
///   fallback (`get` with `fallback = true`) and by the target (`peerPeek`, `peerScan`).
/// - `migratingIn` (target): takes writes; a delete leaves a tombstone until the migration
///   commits; keys up to the copy cursor are authoritative here, later ones may still be
///   at the source (`#fallback`; conditional writes and merged scans pull them first).
/// - `dropping`: moved away, still deleting our copy in chunks; requests get `#moved`.
///
/// Who may call: the index for everything; principals the index authorized for reads or
/// writes; the migration peer for `migrationReceive`, `peerPeek` and `peerScan`.
/// `canister_inspect_message` refuses other ingress before it costs cycles.
///
/// Cost per operation (instrumented replica, see README): a put is a key check (decode +
/// xxHash64 of collection and partition) and one B-tree insert; a get is the check and one
/// lookup.
import Array "mo:core/Array";
import Blob "mo:core/Blob";
import Cycles "mo:core/Cycles";
import Error "mo:core/Error";
import List "mo:core/List";
import Map "mo:core/Map";
import Nat "mo:core/Nat";
import Nat8 "mo:core/Nat8";
import Nat16 "mo:core/Nat16";
import Nat64 "mo:core/Nat64";
import Principal "mo:core/Principal";
import Result "mo:core/Result";
import Set "mo:core/Set";
import Text "mo:core/Text";
import Time "mo:core/Time";
import VarArray "mo:core/VarArray";
import Prim "mo:⛔";
import Api "../lib/Api";
import Key "../lib/Key";
import Store "../lib/Store";

persistent actor class Data(init : Api.DataInit) = self {
  // ------------------------------------------------------------------ limits

  /// Largest value in one item: one value and its key fit in one 2 MiB ingress message.
  /// Larger values are the client's to chunk.
  let maxValueBytes : Nat = 1_900_000;
  /// Items per batch call: bounds the instructions of one message well under 40 B.
  let maxBatchItems : Nat = 10_000;
  /// Bytes of keys and values per batch: the IC's 2 MiB message limit.
  let maxBatchBytes : Nat = 2_000_000;
  /// Value bytes per reply: under the 2 MiB reply limit of updates (3 MiB for queries),
  /// and above maxValueBytes, so that any value a put accepts can be read back.
  let maxReplyBytes : Nat = 1_950_000;
  /// Items per scan page.
  let maxScanItems : Nat = 10_000;
  /// Longest write id of a conditional write.
  let maxWriteIdBytes : Nat = 32;
  /// Most leading bytes of a replaced value a write may ask back.
  let maxReturnPreviousBytes : Nat = 1_024;
  /// A chunked value's manifest, as the client frames it (client/values.ts): `0x01 ‖ u64
  /// totalBytes ‖ u32 chunkBytes ‖ u32 chunkCount ‖ chunkId[16] ‖ sha256[32]`.
  let manifestBytes : Nat = 65;
  /// Fraction (per mille) of the wasm memory limit above which writes are refused, so the
  /// canister never traps for memory while the index moves data away.
  let fullPerMille : Nat = 900;

  // ------------------------------------------------------------------ state

  let index : Principal = init.index;
  let reportAtBytes : Nat = init.reportAtBytes;
  let memoryLimitBytes : Nat = init.memoryLimitBytes;

  let none : Nat8 = 0;
  let owned : Nat8 = 1;
  let migratingOut : Nat8 = 2;
  let migratingIn : Nat8 = 3;
  let dropping : Nat8 = 4;

  let store = Store.new();
  let slotStates : [var Nat8] = VarArray.tabulate<Nat8>(
    65_536,
    func(s) = if (Array.any<Api.SlotSpan>(init.slots, func(r) = Nat16.toNat(r.start) <= s and s <= Nat16.toNat(r.end))) owned else none,
  );
  var tableVersion : Nat64 = init.tableVersion;
  let acl = Map.fromIter<Principal, Api.Access>(init.acl.values(), Principal.compare);

  /// On an upgrade the index passes its current access list (`init.acl`): it replaces the
  /// kept one. A revoke made while this canister was stopped for the upgrade could not
  /// reach it; this way it holds from the first message after the restart, not only once
  /// the index's next access sync arrives.
  system func postupgrade() {
    Map.clear(acl);
    for ((p, a) in init.acl.values()) Map.add(acl, Principal.compare, p, a);
  };

  /// The other canister of the current migration (target's source, or source's target).
  var peer : ?Principal = null;
  /// Source side: the target is ready, so writes to migrating slots are redirected to it
  /// (before that they are refused as `#unavailable`, and reads are still served here).
  var redirecting = false;
  /// Target side: stored keys up to and including this one are copied (`#all`: every one).
  var copied : { #none; #through : Blob; #all } = #none;
  /// Target side: keys deleted here while migrating in, so the copy does not bring them back.
  let tombstones = Set.empty<Blob>();
  var lastReportedBytes : Nat = 0;

  type Peer = actor {
    migrationReceive : shared ({ entries : [(Blob, Api.Entry)]; copiedThrough : ?Blob }) -> async ();
    peerPeek : shared query ([Blob]) -> async [?Api.Entry];
    peerScan : shared query (Api.ScanRequest) -> async Api.ScanPage;
  };
  type Index = actor { reportLoad : shared (Api.DataStats) -> () };

  // ------------------------------------------------------------------ access

  func canRead(p : Principal) : Bool {
    p == index or (switch (Map.get(acl, Principal.compare, p)) { case (?a) a.read; case null false });
  };

  func canWrite(p : Principal) : Bool {
    p == index or (switch (Map.get(acl, Principal.compare, p)) { case (?a) a.write; case null false });
  };

  func isPeer(p : Principal) : Bool = peer == ?p;

  func unauthorized(caller : Principal, what : Text) : Error.Error {
    Error.reject("Unauthorized: " # Principal.toText(caller) # " may not " # what # " this BigMap; an owner can grant access with authorize");
  };

  // ------------------------------------------------------------------ helpers

  func now() : Nat64 = Nat64.fromIntWrap(Time.now());

  func nextVersion(previous : ?Api.Entry) : Nat64 {
    let t = now();
    switch previous {
      case null t;
      case (?e) if (e.version + 1 > t) e.version + 1 else t;
    };
  };

  /// The slot of a stored key, after checking its framing, limits and that its slot bytes
  /// are the hash of its collection and partition (a forged slot would put a key in the
  /// wrong canister).
  func checkKey(key : Blob) : Result.Result<Nat16, Text> {
    switch (Key.decodeKey(key)) {
      case (#err(e)) #err(e);
      case (#ok(k)) {
        switch (Key.slotOf(k.collection, k.partition)) {
          case (#err(e)) #err(e);
          case (#ok(slot)) if (slot == k.slot) #ok(slot) else #err("the key's slot bytes do not match its collection and partition");
        };
      };
    };
  };

  func stateOf(slot : Nat16) : Nat8 = slotStates[Nat16.toNat(slot)];

  func notCopied(key : Blob) : Bool {
    switch copied {
      case (#none) true;
      case (#through(bound)) Blob.compare(key, bound) == #greater;
      case (#all) false;
    };
  };

  /// True when this target cannot know the key's state without asking the source.
  func unknownHere(key : Blob) : Bool {
    switch (checkKey(key)) {
      case (#err(_)) false;
      case (#ok(slot)) stateOf(slot) == migratingIn and Store.get(store, key) == null and not Set.contains(tombstones, Blob.compare, key) and notCopied(key);
    };
  };

  func target() : Principal = switch peer { case (?p) p; case null index };

  let notYetMovable = "the slot is about to move to another data canister; retry shortly";

  /// Wasm memory (what `wasm_memory_limit` bounds; it only grows) near the limit.
  func full() : Bool = memoryLimitBytes > 0 and Prim.rts_memory_size() * 1000 >= memoryLimitBytes * fullPerMille;

  func statsNow() : Api.DataStats {
    var slots = 0;
    for (s in slotStates.values()) if (s == owned or s == migratingIn) slots += 1;
    {
      keys = store.keys;
      bytes = store.bytes;
      memoryBytes = Prim.rts_memory_size();
      heapBytes = Prim.rts_heap_size();
      slots;
      cycles = Cycles.balance();
      tableVersion;
    };
  };

  /// Whether to tell the index about the load now: once the canister passes its split
  /// threshold, and again every 5% of it after that.
  func reportDue() : Bool {
    if (reportAtBytes == 0 or store.bytes < reportAtBytes or store.bytes < lastReportedBytes + reportAtBytes / 20) return false;
    lastReportedBytes := store.bytes;
    true;
  };

  /// Asks the source for keys this target cannot answer for yet, and stores what it has
  /// (exactly what the copy would bring: the source takes no writes while migrating).
  /// Returns the keys it could not learn (the source did not answer).
  func pullFromSource(keys : [Blob]) : async* [Blob] {
    let unknown = Array.filter<Blob>(keys, unknownHere);
    let ?source = peer else return [];
    if (unknown.size() == 0) return [];
    let p : Peer = actor (Principal.toText(source));
    try {
      let entries = await p.peerPeek(unknown);
      for (i in entries.keys()) {
        switch (entries[i]) {
          case (?entry) if (unknownHere(unknown[i])) ignore Store.insertIfAbsent(store, unknown[i], entry);
          case null {};
        };
      };
      [];
    } catch (_) {
      unknown;
    };
  };

  func checkBatch(items : Nat, bytes : Nat) : ?Text {
    if (items > maxBatchItems) return ?("a batch may hold at most " # Nat.toText(maxBatchItems) # " items, got " # Nat.toText(items));
    if (bytes > maxBatchBytes) return ?("a batch may hold at most " # Nat.toText(maxBatchBytes) # " bytes of keys and values, got " # Nat.toText(bytes));
    null;
  };

  func conditionHolds(condition : Api.Condition, current : ?Api.Entry) : Bool {
    switch (condition, current) {
      case (#ifAbsent, null) true;
      case (#ifAbsent, ?_) false;
      case (#ifVersion(v), null) v == 0;
      case (#ifVersion(v), ?e) e.version == v;
    };
  };

  func versionOf(entry : ?Api.Entry) : ?Nat64 {
    switch entry { case null null; case (?e) ?e.version };
  };

  /// The first `n` bytes of a replaced entry's value, if asked for. The replaced value is
  /// data: a caller that may not read gets only its chunk references (`chunkRefsOf`).
  func headOf(entry : ?Api.Entry, n : ?Nat, reader : Bool) : ?Blob {
    switch (entry, n) {
      case (?e, ?bytes) {
        let visible = if (reader) e.value else switch (chunkRefsOf(e.value)) { case (?refs) refs; case null return null };
        let size = Nat.min(Nat.min(bytes, maxReturnPreviousBytes), visible.size());
        ?Blob.fromArray(Array.tabulate<Nat8>(size, func(i) = visible.get(i)));
      };
      case _ null;
    };
  };

  /// What a writer that may not read gets back of a value it replaces: nothing of an inline
  /// value; of a chunked one (the client stores a `manifestBytes` manifest under the key and
  /// the value in chunks, client/values.ts), the manifest with only the chunk references
  /// (chunk size, count and id) and the total size and SHA-256 zeroed. With them the
  /// writer's client deletes the replaced chunks, which would otherwise stay behind for
  /// good; what it learns is the value's size to within one chunk.
  func chunkRefsOf(value : Blob) : ?Blob {
    if (value.size() != manifestBytes or value.get(0) != 0x01) return null;
    // Bytes 9 to 32: u32 chunkBytes, u32 chunkCount, chunkId[16].
    ?Blob.fromArray(Array.tabulate<Nat8>(manifestBytes, func(i) = if (i == 0 or (i >= 9 and i < 33)) value.get(i) else 0));
  };

  // ------------------------------------------------------------------ writes

  /// Stores items (each with an optional compare-and-set condition); one result per item,
  /// in order. Who: writers. Runtime: `O(n log m)` for n items in a store of m.
  public shared ({ caller }) func put(items : [Api.PutItem]) : async [Api.PutResult] {
    if (not canWrite(caller)) throw unauthorized(caller, "write to");
    var bytes = 0;
    for (item in items.values()) bytes += item.key.size() + item.value.size();
    switch (checkBatch(items.size(), bytes)) { case (?e) throw Error.reject(e); case null {} };
    let conditional = Array.filterMap<Api.PutItem, Blob>(items, func(i) = if (i.condition != null) ?i.key else null);
    let failed = Set.fromIter((await* pullFromSource(conditional)).values(), Blob.compare);
    // The replaced value is data: only a reader gets its head back (a writer, chunk references).
    let reader = canRead(caller);
    let results = Array.map<Api.PutItem, Api.PutResult>(items, func(item) = putOne(item, failed, reader));
    // A one-way call: the put does not wait for the index.
    if (reportDue()) (actor (Principal.toText(index)) : Index).reportLoad(statsNow());
    results;
  };

  func putOne(item : Api.PutItem, failed : Set.Set<Blob>, reader : Bool) : Api.PutResult {
    let slot = switch (checkKey(item.key)) { case (#err(e)) return #invalid(e); case (#ok(s)) s };
    if (item.value.size() > maxValueBytes) {
      return #invalid("value is " # Nat.toText(item.value.size()) # " bytes; one item holds at most " # Nat.toText(maxValueBytes) # " (larger values are stored in chunks by the client)");
    };
    let state = stateOf(slot);
    if (state == migratingOut) return if (redirecting) #migrating({ to = target(); tableVersion }) else #unavailable(notYetMovable);
    if (state != owned and state != migratingIn) return #moved({ tableVersion });
    if (Set.contains(failed, Blob.compare, item.key)) return #unavailable("the slot is migrating and its source did not answer; try again");
    if (full()) return #unavailable("this data canister is near its memory limit; the index is moving data away, try again shortly");
    switch (item.writeId) {
      case (?id) if (id.size() > maxWriteIdBytes) return #invalid("writeId is " # Nat.toText(id.size()) # " bytes; the limit is " # Nat.toText(maxWriteIdBytes));
      case null {};
    };
    let previous = Store.get(store, item.key);
    switch (item.condition) {
      case (?c) if (not conditionHolds(c, previous)) {
        // A retry of a conditional write that already succeeded is not a conflict.
        switch (previous, item.writeId) {
          case (?e, ?id) if (e.writeId == ?id and e.value == item.value) return #ok({ version = e.version; previous = null });
          case _ {};
        };
        return #conflict({ current = versionOf(previous) });
      };
      case null {};
    };
    let version = nextVersion(previous);
    ignore Store.put(store, item.key, { value = item.value; version; writeId = item.writeId });
    Set.remove(tombstones, Blob.compare, item.key);
    #ok({ version; previous = headOf(previous, item.returnPrevious, reader) });
  };

  /// Deletes items (each optionally only at a given version); one result per item.
  /// Who: writers.
  public shared ({ caller }) func delete(items : [Api.DeleteItem]) : async [Api.DeleteResult] {
    if (not canWrite(caller)) throw unauthorized(caller, "write to");
    var bytes = 0;
    for (item in items.values()) bytes += item.key.size();
    switch (checkBatch(items.size(), bytes)) { case (?e) throw Error.reject(e); case null {} };
    let failed = Set.fromIter((await* pullFromSource(Array.map<Api.DeleteItem, Blob>(items, func(i) = i.key))).values(), Blob.compare);
    let reader = canRead(caller);
    Array.map<Api.DeleteItem, Api.DeleteResult>(items, func(item) = deleteOne(item, failed, reader));
  };

  func deleteOne(item : Api.DeleteItem, failed : Set.Set<Blob>, reader : Bool) : Api.DeleteResult {
    let slot = switch (checkKey(item.key)) { case (#err(e)) return #invalid(e); case (#ok(s)) s };
    let state = stateOf(slot);
    if (state == migratingOut) return if (redirecting) #migrating({ to = target(); tableVersion }) else #unavailable(notYetMovable);
    if (state != owned and state != migratingIn) return #moved({ tableVersion });
    if (Set.contains(failed, Blob.compare, item.key)) return #unavailable("the slot is migrating and its source did not answer; try again");
    let previous = Store.get(store, item.key);
    switch (item.condition) {
      case (?#ifVersion(v)) if (not conditionHolds(#ifVersion(v), previous)) return #conflict({ current = versionOf(previous) });
      case null {};
    };
    ignore Store.delete(store, item.key);
    if (state == migratingIn) Set.add(tombstones, Blob.compare, item.key);
    #ok({ existed = previous != null; previous = headOf(previous, item.returnPrevious, reader) });
  };

  // ------------------------------------------------------------------ reads

  /// Reads keys; one result per key, in order, values up to a reply budget (later keys
  /// get `#notIncluded`). Who: readers. Runtime: `O(n log m)`.
  public shared query ({ caller }) func get(keys : [Blob], options : Api.GetOptions) : async [Api.GetResult] {
    if (not canRead(caller)) throw unauthorized(caller, "read");
    if (keys.size() > maxBatchItems) throw Error.reject("a batch may hold at most " # Nat.toText(maxBatchItems) # " keys, got " # Nat.toText(keys.size()));
    var budget = maxReplyBytes;
    Array.map<Blob, Api.GetResult>(
      keys,
      func(key) {
        let result = getOne(key, options);
        switch result {
          case (#found(e)) {
            // Versions only (has) carry no value bytes, so they take none of the budget.
            if (not options.values) return #found({ value = ""; version = e.version });
            if (e.value.size() > budget) return #notIncluded;
            budget -= e.value.size();
            result;
          };
          case _ result;
        };
      },
    );
  };

  func getOne(key : Blob, options : Api.GetOptions) : Api.GetResult {
    let slot = switch (checkKey(key)) { case (#err(e)) return #invalid(e); case (#ok(s)) s };
    let state = stateOf(slot);
    if (state == migratingOut and redirecting and not options.fallback) return #migrating({ to = target(); tableVersion });
    if (state != owned and state != migratingIn and state != migratingOut) return #moved({ tableVersion });
    switch (Store.get(store, key)) {
      case (?e) #found({ value = e.value; version = e.version });
      case null {
        if (state == migratingIn and not Set.contains(tombstones, Blob.compare, key) and notCopied(key)) {
          switch peer { case (?from) return #fallback({ from }); case null {} };
        };
        #absent;
      };
    };
  };

  /// The migration target asks for entries it cannot answer for yet. Who: the peer.
  public shared query ({ caller }) func peerPeek(keys : [Blob]) : async [?Api.Entry] {
    if (not isPeer(caller)) throw unauthorized(caller, "peek into");
    Array.map<Blob, ?Api.Entry>(keys, func(k) = switch (checkKey(k)) { case (#ok(s)) if (stateOf(s) == migratingOut) Store.get(store, k) else null; case (#err(_)) null });
  };

  // ------------------------------------------------------------------ scans

  type Bounds = { start : Blob; end : Blob; first : Nat16; last : Nat16; collection : ?Blob };

  func boundsOf(range : Api.ScanRange) : Result.Result<Bounds, Text> {
    switch range {
      case (#partition(p)) {
        switch (Key.partitionRange(p.collection, p.partition, p.from, p.to)) {
          case (#err(e)) #err(e);
          case (#ok(r)) {
            let slot = switch (Key.slotOf(p.collection, p.partition)) { case (#ok(s)) s; case (#err(e)) return #err(e) };
            #ok({ start = r.start; end = r.end; first = slot; last = slot; collection = null });
          };
        };
      };
      case (#slots(s)) {
        if (s.first > s.last) return #err("slot range is empty: first " # Nat16.toText(s.first) # " > last " # Nat16.toText(s.last));
        let collection = switch (s.collection) { case (?c) ?Text.encodeUtf8(c); case null null };
        #ok({ start = Key.slotRange(s.first).start; end = Key.slotRange(s.last).end; first = s.first; last = s.last; collection });
      };
    };
  };

  /// Whether a stored key belongs to `collection` (its bytes after the slot and length).
  func inCollection(key : Blob, collection : ?Blob) : Bool {
    switch collection {
      case null true;
      case (?c) {
        if (key.size() < 3 + c.size() or Nat8.toNat(key.get(2)) != c.size()) return false;
        var i = 0;
        for (b in c.values()) {
          if (key.get(3 + i) != b) return false;
          i += 1;
        };
        true;
      };
    };
  };

  /// One page of the local store in `b`, after `after`, in order, within limit and budget.
  func localPage(b : Bounds, request : Api.ScanRequest, states : [Nat8]) : Api.ScanPage {
    let limit = Nat.min(Nat.max(request.limit, 1), maxScanItems);
    let items = List.empty<Api.ScanItem>();
    var budget = maxReplyBytes;
    var next : ?Blob = null;
    let iter = if (request.reverse) {
      Map.reverseEntriesFrom(store.entries, Blob.compare, switch (request.after) { case (?a) a; case null b.end });
    } else {
      Map.entriesFrom(store.entries, Blob.compare, switch (request.after) { case (?a) a; case null b.start });
    };
    label walk for ((key, entry) in iter) {
      let inRange = Blob.compare(key, b.start) != #less and Blob.compare(key, b.end) == #less;
      if (not inRange) {
        // Past the range in the scan direction ends the walk; the exclusive bound itself is skipped.
        if (request.reverse and Blob.compare(key, b.start) == #less) break walk;
        if (not request.reverse and Blob.compare(key, b.end) != #less) break walk;
        continue walk;
      };
      if (request.after == ?key) continue walk;
      if (Array.indexOf<Nat8>(states, Nat8.equal, stateOf(Store.slotOf(key))) == null) continue walk;
      if (not inCollection(key, b.collection)) continue walk;
      if (List.size(items) == limit or entry.value.size() > budget) {
        next := switch (List.last(items)) { case (?last) ?last.key; case null request.after };
        break walk;
      };
      budget -= entry.value.size();
      List.add(items, { key; value = entry.value; version = entry.version });
    };
    { items = List.toArray(items); next };
  };

  /// How a scan of `b` must be answered here.
  func scanRoute(b : Bounds) : { #local; #merge : Principal; #answer : Api.ScanResult } {
    var merge = false;
    var s = Nat16.toNat(b.first);
    while (s <= Nat16.toNat(b.last)) {
      let state = slotStates[s];
      if (state == migratingOut and redirecting) return #answer(#migrating({ to = target(); tableVersion }));
      if (state != owned and state != migratingIn and state != migratingOut) return #answer(#moved({ tableVersion }));
      if (state == migratingIn) merge := true;
      s += 1;
    };
    let copiedAll = switch copied {
      case (#all) true;
      case (#through(bound)) Blob.compare(b.end, bound) != #greater;
      case (#none) false;
    };
    if (merge and not copiedAll) {
      switch peer { case (?from) return #merge(from); case null {} };
    };
    #local;
  };

  /// A page of items in a partition's sort-key range or in a slot range, forward or
  /// reverse, continuing after `after`. Who: readers. If part of the range is still being
  /// copied here, answers `#fallback`: call `scanMerged`.
  public shared query ({ caller }) func scan(request : Api.ScanRequest) : async Api.ScanResult {
    if (not canRead(caller)) throw unauthorized(caller, "read");
    let b = switch (boundsOf(request.range)) { case (#err(e)) return #invalid(e); case (#ok(b)) b };
    switch (scanRoute(b)) {
      case (#answer(r)) r;
      case (#merge(from)) #fallback({ from });
      case (#local) #ok(localPage(b, request, [owned, migratingIn, migratingOut]));
    };
  };

  /// `scan` for a range still being copied here: merges this canister's items and
  /// tombstones with the source's. Who: readers. An update call (it asks the source).
  public shared ({ caller }) func scanMerged(request : Api.ScanRequest) : async Api.ScanResult {
    if (not canRead(caller)) throw unauthorized(caller, "read");
    let b = switch (boundsOf(request.range)) { case (#err(e)) return #invalid(e); case (#ok(b)) b };
    let from = switch (scanRoute(b)) {
      case (#answer(r)) return r;
      case (#local) return #ok(localPage(b, request, [owned, migratingIn, migratingOut]));
      case (#merge(from)) from;
    };
    let p : Peer = actor (Principal.toText(from));
    let remote = try { await p.peerScan(request) } catch (e) {
      throw Error.reject("the slot is migrating and its source " # Principal.toText(from) # " did not answer (" # Error.message(e) # "); try again");
    };
    // The await let other messages run: route again before merging.
    switch (scanRoute(b)) {
      case (#answer(r)) return r;
      case (#local) return #ok(localPage(b, request, [owned, migratingIn, migratingOut]));
      case (#merge(_)) {};
    };
    #ok(mergePages(remote, localPage(b, request, [owned, migratingIn]), request, b));
  };

  /// Source's page + target's page + target's tombstones, up to where both pages are
  /// complete, in scan order, within the limit and the reply budget.
  func mergePages(remote : Api.ScanPage, local : Api.ScanPage, request : Api.ScanRequest, b : Bounds) : Api.ScanPage {
    let before = func(x : Blob, y : Blob) : Bool = if (request.reverse) Blob.compare(x, y) == #greater else Blob.compare(x, y) == #less;
    // A full page is complete only up to its last key.
    let lastOf = func(page : Api.ScanPage) : ?Blob = switch (page.next) { case null null; case (?_) if (page.items.size() == 0) page.next else ?page.items[page.items.size() - 1].key };
    let bound : ?Blob = switch (lastOf(remote), lastOf(local)) {
      case (null, null) null;
      case (?r, null) ?r;
      case (null, ?l) ?l;
      case (?r, ?l) if (before(r, l)) ?r else ?l;
    };
    let withinBound = func(k : Blob) : Bool = switch bound { case null true; case (?x) not before(x, k) };
    let merged = Map.empty<Blob, Api.ScanItem>();
    for (item in remote.items.values()) {
      if (withinBound(item.key) and not Set.contains(tombstones, Blob.compare, item.key) and inCollection(item.key, b.collection)) Map.add(merged, Blob.compare, item.key, item);
    };
    for (item in local.items.values()) if (withinBound(item.key)) Map.add(merged, Blob.compare, item.key, item);
    let ordered = if (request.reverse) Map.reverseEntries(merged) else Map.entries(merged);
    let limit = Nat.min(Nat.max(request.limit, 1), maxScanItems);
    let items = List.empty<Api.ScanItem>();
    var budget = maxReplyBytes;
    var truncated = false;
    label take for ((_, item) in ordered) {
      if (List.size(items) == limit or item.value.size() > budget) {
        truncated := true;
        break take;
      };
      budget -= item.value.size();
      List.add(items, item);
    };
    let next = if (truncated or bound != null) {
      switch (List.last(items)) { case (?last) ?last.key; case null bound };
    } else null;
    { items = List.toArray(items); next };
  };

  /// The migration target reads the source's copy of a range it is merging. Who: the peer.
  public shared query ({ caller }) func peerScan(request : Api.ScanRequest) : async Api.ScanPage {
    if (not isPeer(caller)) throw unauthorized(caller, "scan");
    let b = switch (boundsOf(request.range)) { case (#err(e)) throw Error.reject(e); case (#ok(b)) b };
    localPage(b, request, [migratingOut]);
  };

  // ------------------------------------------------------------------ migration (index and peer)

  /// Starts moving `slots`: as the source, stop taking writes to them; as the target,
  /// take them and remember where the rest is. Idempotent. Who: the index.
  public shared ({ caller }) func migrationBegin(args : { role : Api.MigrationRole; slots : [Nat16]; tableVersion : Nat64 }) : async () {
    if (caller != index) throw unauthorized(caller, "migrate");
    switch (args.role) {
      case (#source({ to })) {
        for (s in args.slots.values()) {
          let i = Nat16.toNat(s);
          if (slotStates[i] == owned) slotStates[i] := migratingOut;
        };
        if (peer != ?to) redirecting := false;
        peer := ?to;
      };
      case (#target({ from })) {
        if (peer != ?from) {
          copied := #none;
          Set.clear(tombstones);
        };
        for (s in args.slots.values()) slotStates[Nat16.toNat(s)] := migratingIn;
        peer := ?from;
      };
    };
    if (args.tableVersion > tableVersion) tableVersion := args.tableVersion;
  };

  /// Source: the target is ready; from now on redirect writes and reads of the migrating
  /// slots to it. Idempotent. Who: the index.
  public shared ({ caller }) func migrationRedirect() : async () {
    if (caller != index) throw unauthorized(caller, "migrate");
    if (peer == null) throw Error.reject("no migration is in progress");
    redirecting := true;
  };

  /// Source: sends the next chunk (at most `maxBytes`) of the migrating slots' items, after
  /// `after`, to the target; returns where to continue (`null`: all sent). Who: the index.
  public shared ({ caller }) func migrationCopy(args : { after : ?Blob; maxBytes : Nat }) : async { next : ?Blob; keys : Nat; bytes : Nat } {
    if (caller != index) throw unauthorized(caller, "migrate");
    let ?to = peer else throw Error.reject("no migration is in progress");
    let entries = List.empty<(Blob, Api.Entry)>();
    var bytes = 0;
    var next : ?Blob = null;
    // Walk only the migrating slots' key ranges, from the slot of `after` on.
    var s = switch (args.after) { case (?a) Nat16.toNat(Store.slotOf(a)); case null 0 };
    label slots while (s < 65_536) {
      if (slotStates[s] == migratingOut) {
        let range = Key.slotRange(Nat16.fromNat(s));
        let start = switch (args.after) { case (?a) if (Blob.compare(a, range.start) == #greater) a else range.start; case null range.start };
        label keys for ((key, entry) in Map.entriesFrom(store.entries, Blob.compare, start)) {
          if (Blob.compare(key, range.end) != #less) break keys;
          if (args.after == ?key) continue keys;
          let size = Store.sizeOf(key, entry);
          if (bytes + size > args.maxBytes and List.size(entries) > 0) {
            next := ?(List.at(entries, List.size(entries) - 1)).0;
            break slots;
          };
          bytes += size;
          List.add(entries, (key, entry));
        };
      };
      s += 1;
    };
    let p : Peer = actor (Principal.toText(to));
    await p.migrationReceive({ entries = List.toArray(entries); copiedThrough = next });
    { next; keys = List.size(entries); bytes };
  };

  /// Target: stores a chunk from the source where nothing newer is here (insert if absent,
  /// unless deleted here), and records how far the copy got. Who: the migration peer.
  public shared ({ caller }) func migrationReceive(args : { entries : [(Blob, Api.Entry)]; copiedThrough : ?Blob }) : async () {
    if (not isPeer(caller)) throw unauthorized(caller, "migrate into");
    for ((key, entry) in args.entries.values()) {
      if (stateOf(Store.slotOf(key)) == migratingIn and not Set.contains(tombstones, Blob.compare, key)) ignore Store.insertIfAbsent(store, key, entry);
    };
    copied := switch (args.copiedThrough, copied) {
      case (null, _) #all;
      case (?bound, #through(old)) if (Blob.compare(bound, old) == #greater) #through(bound) else #through(old);
      case (?bound, #none) #through(bound);
      case (?_, #all) #all;
    };
  };

  /// Ends the migration of `slots`: the target owns them, the source starts dropping its
  /// copy. Idempotent. Who: the index.
  public shared ({ caller }) func migrationCommit(args : { slots : [Nat16]; tableVersion : Nat64 }) : async () {
    if (caller != index) throw unauthorized(caller, "migrate");
    for (s in args.slots.values()) {
      let i = Nat16.toNat(s);
      if (slotStates[i] == migratingIn) slotStates[i] := owned;
      if (slotStates[i] == migratingOut) slotStates[i] := dropping;
    };
    if (not Array.any<Nat8>(VarArray.toArray(slotStates), func(x) = x == migratingIn or x == migratingOut)) {
      peer := null;
      redirecting := false;
      copied := #none;
      Set.clear(tombstones);
    };
    if (args.tableVersion > tableVersion) tableVersion := args.tableVersion;
  };

  /// Deletes up to `maxKeys` items of slots that moved away. Who: the index.
  public shared ({ caller }) func migrationDrop(maxKeys : Nat) : async { deletedKeys : Nat; remaining : Bool } {
    if (caller != index) throw unauthorized(caller, "migrate");
    var deleted = 0;
    var remaining = false;
    var s = 0;
    label slots while (s < 65_536) {
      if (slotStates[s] == dropping) {
        let range = Key.slotRange(Nat16.fromNat(s));
        let doomed = List.empty<Blob>();
        label keys for ((key, _) in Map.entriesFrom(store.entries, Blob.compare, range.start)) {
          if (Blob.compare(key, range.end) != #less) break keys;
          if (deleted + List.size(doomed) == maxKeys) break keys;
          List.add(doomed, key);
        };
        for (key in List.values(doomed)) ignore Store.delete(store, key);
        deleted += List.size(doomed);
        if (store.slotKeys[s] == 0) slotStates[s] := none else remaining := true;
        if (deleted == maxKeys) {
          remaining := remaining or Array.any<Nat8>(VarArray.toArray(slotStates), func(x) = x == dropping);
          break slots;
        };
      };
      s += 1;
    };
    { deletedKeys = deleted; remaining };
  };

  // ------------------------------------------------------------------ administration (index)

  /// Grants (`?access`) or revokes (`null`) access for principals. Who: the index.
  public shared ({ caller }) func setAccess(entries : [(Principal, ?Api.Access)]) : async () {
    if (caller != index) throw unauthorized(caller, "administer");
    for ((p, access) in entries.values()) {
      switch access {
        case (?a) Map.add(acl, Principal.compare, p, a);
        case null Map.remove(acl, Principal.compare, p);
      };
    };
  };

  /// Load figures. Who: the index and readers.
  public shared query ({ caller }) func stats() : async Api.DataStats {
    if (not canRead(caller)) throw unauthorized(caller, "read");
    statsNow();
  };

  /// Bytes per owned slot, every owned slot included (the split planner needs them all).
  /// Who: the index.
  public shared query ({ caller }) func slotStats() : async [Api.SlotBytes] {
    if (caller != index) throw unauthorized(caller, "administer");
    let out = List.empty<Api.SlotBytes>();
    for (s in slotStates.keys()) {
      if (slotStates[s] == owned) List.add(out, { slot = Nat16.fromNat(s); bytes = store.slotBytes[s] });
    };
    List.toArray(out);
  };

  /// Accepts cycles sent with the call (the index tops data canisters up).
  public func depositCycles() : async () {
    ignore Cycles.accept<system>(Cycles.available());
  };

  /// Refuses ingress that would be refused anyway, before it costs cycles: writes from
  /// principals that may not write, scans from those that may not read, and every method
  /// meant for the index or a migration peer.
  system func inspect({
    caller : Principal;
    arg : Blob;
    msg : {
      #put : () -> [Api.PutItem];
      #delete : () -> [Api.DeleteItem];
      #get : () -> ([Blob], Api.GetOptions);
      #scan : () -> Api.ScanRequest;
      #scanMerged : () -> Api.ScanRequest;
      #peerPeek : () -> [Blob];
      #peerScan : () -> Api.ScanRequest;
      #migrationBegin : () -> { role : Api.MigrationRole; slots : [Nat16]; tableVersion : Nat64 };
      #migrationRedirect : () -> ();
      #migrationCopy : () -> { after : ?Blob; maxBytes : Nat };
      #migrationReceive : () -> { entries : [(Blob, Api.Entry)]; copiedThrough : ?Blob };
      #migrationCommit : () -> { slots : [Nat16]; tableVersion : Nat64 };
      #migrationDrop : () -> Nat;
      #setAccess : () -> [(Principal, ?Api.Access)];
      #stats : () -> ();
      #slotStats : () -> ();
      #depositCycles : () -> ();
    };
  }) : Bool {
    if (arg.size() > maxBatchBytes + 100_000) return false;
    switch msg {
      case (#put(_) or #delete(_)) canWrite(caller);
      case (#get(_) or #scan(_) or #scanMerged(_) or #stats(_)) canRead(caller);
      case (#depositCycles(_)) true;
      case _ false;
    };
  };
};
