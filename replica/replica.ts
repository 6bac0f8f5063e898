/**
 * The embedded IC replica: one subnet that runs canister wasm with IC semantics,
 * in-process. Its API follows PocketIC (PicJS): create canisters, install code, make
 * update and query calls, step the scheduler with {@link Replica.tick}, and move time with
 * {@link Replica.advanceTime}.
 *
 * Scheduling (deterministic: the same calls in the same order execute in the same order):
 *  1. A round advances canister time by 1 ns (time is strictly monotonic), then queues
 *     each running canister's due global timer and heartbeat ahead of its messages.
 *  2. The management canister executes the messages it had at the start of the round.
 *  3. Canisters, in canister id order, execute the messages they had at the start of the
 *     round, in arrival order. Calls and responses they produce are delivered at once and
 *     run in a later round (or later in this round, for a canister after the sender).
 *  4. Stopping canisters with no open call contexts become stopped, and their
 *     stop_canister calls are answered. Idle canisters are charged for storage.
 *
 * Time: canister time (ic0.time) moves only with {@link Replica.setTime},
 * {@link Replica.advanceTime} and rounds, never with the wall clock, unless a live driver
 * runs the replica (see `live.ts`).
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { createHash } from 'node:crypto';
import {
  CANISTER_CREATION_FEE,
  INGRESS_BYTE_RECEPTION_FEE,
  INGRESS_MESSAGE_RECEPTION_FEE,
  NANOS_PER_SECOND,
  XNET_CALL_FEE,
  XNET_CALL_FEE_PER_BYTE,
  idleCyclesPerSecond,
} from './cycles.ts';
import { CanisterRejectError, ErrorCode, NoProgressError, RejectCode, UnsupportedRuntimeError, reject, type Reject } from './errors.ts';
import type { FaultInjection } from './faults.ts';
import { Canister, type Settings } from './execution/canister.ts';
import { emptyCanister, executeInspect, executeMessage, executeQuery, outOfCycles, type Effects, type ExecutionEnv } from './execution/execute.ts';
import type { CallOrigin, Execution, Message, OutgoingCall, ResponsePayload } from './execution/types.ts';
import { compileModule, moduleSha256, type CompiledModule } from './execution/wasm-instance.ts';
import type { Trap } from './errors.ts';
import { ReplicaKeys } from './http/keys.ts';
import { MANAGEMENT_CANISTER, canisterIdFromU64, canisterIdToU64, principalKey } from './ids.ts';
import { CanisterIdResult, CanisterStatusResult, InstallCodeArgs, ChunkHash, InstallChunkedCodeArgs, ProvisionalCreateCanisterArgs, ProvisionalTopUpArgs, UpdateSettingsArgs, CanisterIdArgs, UploadChunkArgs, type CanisterSettingsValue, type CanisterStatusValue } from './management/interface.ts';
import { callManagement, type ManagementEnv } from './management/management.ts';
import { LiveDriver, wallClockNanos } from './live.ts';
import { createActor, type ReplicaActor } from './actor.ts';
import { MemoryJournal, WASM_PAGE_BYTES } from './execution/memory-journal.ts';
import { instantiateCode, type InstallEnv } from './execution/install.ts';
import { restoreCanisterFields, snapshotCanister, decodeGlobal } from './state/canister-snapshot.ts';
import { Checkpointer, type Captured } from './state/checkpointer.ts';
import { PageCapture } from './state/page-capture.ts';
import type { ReplicaSnapshot } from './state/replica-snapshot.ts';
import { fromSnapshotJson, toSnapshotJson } from './state/snapshot-json.ts';
import { StateDirectory, type CheckpointData } from './state/state-directory.ts';

/** The first canister id this replica mints: the first id of a dfx local replica (`bkyz2-fmaaa-aaaaa-qaaaq-cai`). */
export const FIRST_CANISTER_ID = 0x8000_0000_0010_0001n;
/** The canister id range the subnet hosts (served as `canister_ranges`). */
export const CANISTER_RANGE = { start: 0x8000_0000_0010_0000n, end: 0x8000_0000_001f_ffffn } as const;
/** Canister time at creation, unless given: 2026-01-01T00:00:00Z. Fixed, so stepped runs are reproducible. */
export const DEFAULT_START_TIME_MS = Date.UTC(2026, 0, 1);

export const MAX_INGRESS_PAYLOAD_BYTES = 2 * 1024 * 1024;
export const MAX_CALL_PAYLOAD_BYTES = 2 * 1024 * 1024;
const MIN_NODE_MAJOR = 24;
/** Rounds an update call may take before {@link Replica.updateCall} gives up. */
const DEFAULT_MAX_ROUNDS_PER_CALL = 100_000;
/** Rounds between yields to the event loop while waiting for a call. */
const ROUNDS_PER_YIELD = 16;

export interface ReplicaOptions {
  /** Canister time at creation, in milliseconds since the Unix epoch. @default {@link DEFAULT_START_TIME_MS} */
  initialTimeMs?: number;
  /** Seed of the root and node keys (32 bytes). @default random */
  keySeed?: Uint8Array;
  /** Seed of raw_rand's deterministic randomness. @default 0 */
  randomSeed?: number;
  /** Called with each `ic0.debug_print`. @default keep the last lines per canister, see {@link Replica.logs} */
  onDebugPrint?: (canister: Principal, message: string) => void;
  /** Called after every execution with what it did (instructions, trap). */
  onExecuted?: (record: ExecutionRecord) => void;
  /** Rounds one call may take before it fails with {@link NoProgressError}. @default 100000 */
  maxRoundsPerCall?: number;
  /**
   * Keep the replica's state in this directory: restore it from there, and checkpoint it
   * there (see state/state-directory.ts). A restored replica keeps its keys, time and ids;
   * `keySeed`, `initialTimeMs` and `randomSeed` only apply to a new directory.
   * @default none: the replica lives in memory
   */
  stateDir?: string;
  /** Milliseconds between checkpoints while the state changes (with `stateDir`). @default 1000 */
  checkpointIntervalMs?: number;
  /**
   * `interval`: a crash loses at most the updates of the last `checkpointIntervalMs`.
   * `every-update`: an ingress update is answered only once a checkpoint holds its effects
   * (concurrent updates share checkpoints), so no answered update is ever lost.
   * @default 'interval'
   */
  durability?: 'interval' | 'every-update';
  /** Called when an interval checkpoint fails. @default print a warning */
  onCheckpointError?: (error: Error) => void;
  /**
   * For benchmarks only (measuring what instrumentation costs; see wasm/instrument.ts):
   * `'unmetered'` = no metering, no instruction limits (instructions are not counted, System
   * API charges aside); `'none'` = that and no rollback journal either: a trap cannot roll
   * the heap back, and neither can a query, so a Motoko canister traps on its second query
   * (Motoko records its lifecycle state in memory). `'none'` is not allowed with `stateDir`
   * (checkpoints rely on the journal). @default 'full'
   */
  instrumentation?: 'full' | 'unmetered' | 'none';
}

/** One execution, as reported to {@link ReplicaOptions.onExecuted}. */
export interface ExecutionRecord {
  canister: Principal;
  kind: Execution['kind'];
  method?: string;
  instructions: number;
  trapped?: { errorCode: string; message: string };
  timeNanos: bigint;
}

/** See {@link Replica.canisterInfo}. */
export interface CanisterInfo {
  controllers: Principal[];
  moduleHash?: Uint8Array;
  metadata: Map<string, { content: Uint8Array; public: boolean }>;
}

export interface CallOptions {
  /** The caller. @default the anonymous principal */
  sender?: Principal;
}

export interface CreateCanisterOptions extends CallOptions {
  /** @default [sender] */
  controllers?: Principal[];
  /** @default 100 T cycles */
  cycles?: bigint;
  /** Other settings, as the management canister's `canister_settings`. */
  settings?: Partial<Omit<CanisterSettingsValue, 'controllers'>>;
  /** Create the canister with this id. */
  targetCanisterId?: Principal;
}

export interface InstallOptions extends CallOptions {
  mode?: 'install' | 'reinstall' | 'upgrade';
  /** Upgrade only: keep wasm memory (enhanced orthogonal persistence). @default 'keep' for modules that declare it */
  wasmMemoryPersistence?: 'keep' | 'replace';
  skipPreUpgrade?: boolean;
}

export type IngressStatus = 'received' | 'processing' | 'replied' | 'rejected' | 'done';

/** What the replica remembers of an ingress message (for awaiting it and for read_state). */
export interface IngressRecord {
  status: IngressStatus;
  reply?: Uint8Array;
  reject?: Reject;
  /** Canister time when the answer was recorded, nanoseconds. */
  answeredAtNanos?: bigint;
  /**
   * Wall-clock time (ms since the epoch) until which an answered record is kept for
   * `read_state`; without it, {@link Replica.awaitCall} drops the record once it returns
   * the answer.
   */
  retainUntilMs?: number;
}

/** A message waiting for the management canister. */
export interface ManagementMessage {
  caller: Uint8Array;
  fromCanister: boolean;
  method: string;
  arg: Uint8Array;
  cycles: bigint;
  origin: CallOrigin;
}

/** A response held back by fault injection. */
export interface DelayedResponse {
  canister: Principal;
  rounds: number;
  message: Message;
}

/** An ingress message that arrived at a canister's queue, or the reject that kept it out. */
export type SubmitResult = { messageId: string } | { reject: Reject };

export class Replica {
  readonly keys: ReplicaKeys;
  readonly #canisters = new Map<string, Canister>();
  /** Canisters in id order: the scheduling order. */
  #order: Canister[] = [];
  #managementQueue: ManagementMessage[] = [];
  #nextCanisterId = FIRST_CANISTER_ID;
  #timeNanos: bigint;
  #lastChargeNanos: bigint;
  readonly #ingress = new Map<string, IngressRecord>();
  readonly #answerWaiters = new Map<string, Array<(record: IngressRecord) => void>>();
  #roundsSinceSweep = 0;
  #nextIngress = 0n;
  readonly #modules = new Map<string, CompiledModule>();
  #random: Uint8Array;
  #randomCounter = 0;
  readonly #options: ReplicaOptions;
  readonly #logs = new Map<string, string[]>();
  #closed = false;
  #live: LiveDriver | undefined;
  #checkpointer: Checkpointer | undefined;
  readonly #pageCapture = new PageCapture();
  /** Counts rounds and submissions, so idle replicas skip interval checkpoints. */
  #changes = 0;
  #changesCaptured = 0;
  /** Answered ingress messages whose answer waits for a checkpoint (`durability: 'every-update'`). */
  readonly #undurable = new Set<string>();
  #faults: FaultInjection | undefined;
  /** Responses held back by fault injection, with the rounds they still wait. */
  #delayed: DelayedResponse[] = [];

  private constructor(options: ReplicaOptions, keys: ReplicaKeys) {
    this.#options = options;
    this.keys = keys;
    this.#timeNanos = BigInt(options.initialTimeMs ?? DEFAULT_START_TIME_MS) * 1_000_000n;
    this.#lastChargeNanos = this.#timeNanos;
    this.#random = new Uint8Array(createHash('sha256').update(`bigmap-replica raw_rand ${options.randomSeed ?? 0}`).digest());
  }

  /**
   * Creates a replica with one empty subnet.
   *
   * @throws UnsupportedRuntimeError on Node.js older than 24 (Motoko canisters are wasm64).
   * @example
   * const replica = await Replica.create();
   * const id = await replica.createCanister();
   * await replica.installCode(id, wasm, new Uint8Array(IDL.encode([], [])));
   * const reply = await replica.updateCall(id, 'inc', new Uint8Array(IDL.encode([], [])));
   * await replica.close();
   */
  static async create(options: ReplicaOptions = {}): Promise<Replica> {
    assertSupportedRuntime();
    const newKeys = () => (options.keySeed ? ReplicaKeys.fromSeed(options.keySeed) : ReplicaKeys.generate());
    if (options.instrumentation === 'none' && options.stateDir !== undefined) throw new TypeError("instrumentation: 'none' cannot be used with stateDir");
    if (options.stateDir === undefined) return new Replica(options, newKeys());
    const directory = await StateDirectory.open(options.stateDir);
    try {
      let replica: Replica;
      if (directory.hasCheckpoint) {
        const snapshot = fromSnapshotJson<ReplicaSnapshot>(await directory.readSnapshot());
        replica = new Replica(options, ReplicaKeys.fromSeed(snapshot.keySeed));
        await replica.#restore(snapshot, directory);
      } else {
        replica = new Replica(options, newKeys());
      }
      replica.#persistTo(directory);
      // A new directory gets its manifest at once: from then on it is recognizably ours.
      if (!directory.hasCheckpoint) await replica.checkpoint();
      return replica;
    } catch (e) {
      await directory.close();
      throw e;
    }
  }

  // ---------------------------------------------------------------- identity

  /** The subnet's id (the self-authenticating id of the root key). */
  get subnetId(): Principal {
    return this.keys.subnetId;
  }

  /** The root key in DER, as `/api/v2/status` serves it. */
  get rootKeyDer(): Uint8Array {
    return this.keys.rootKeyDer;
  }

  // ---------------------------------------------------------------- time

  /** Canister time in milliseconds since the Unix epoch. */
  getTime(): number {
    return Number(this.#timeNanos / 1_000_000n);
  }

  /** Canister time in nanoseconds since the Unix epoch. */
  get timeNanos(): bigint {
    return this.#timeNanos;
  }

  /**
   * Sets canister time; executions see it from the next round ({@link tick}). Time never
   * goes back: an earlier time is ignored.
   * @param ms milliseconds since the Unix epoch
   */
  setTime(ms: number): void {
    this.setTimeNanos(BigInt(Math.floor(ms)) * 1_000_000n);
  }

  /** {@link setTime} in nanoseconds. */
  setTimeNanos(nanos: bigint): void {
    if (nanos > this.#timeNanos) this.#timeNanos = nanos;
  }

  /**
   * Moves canister time forward by `ms` milliseconds. Timers due by then fire in the next
   * {@link tick}.
   * @example
   * await replica.advanceTime(60_000); await replica.tick(); // a one-minute timer fires
   */
  async advanceTime(ms: number): Promise<void> {
    this.#timeNanos += BigInt(Math.round(ms * 1_000_000));
  }

  // ---------------------------------------------------------------- scheduling

  /**
   * Executes `rounds` scheduler rounds (see the module comment for what one round does).
   * @param rounds @default 1
   */
  async tick(rounds = 1): Promise<void> {
    for (let i = 0; i < rounds; i++) this.round();
  }

  /** One scheduler round, synchronously. */
  round(): void {
    this.#assertOpen();
    this.#changes++;
    // Live, every round takes the wall clock's time (never going back), then the 1 ns.
    if (this.#live?.running) this.setTimeNanos(wallClockNanos());
    this.#timeNanos += 1n;
    this.#releaseDelayedResponses();
    const env = this.#env();
    for (const c of this.#order) {
      if (!c.code || c.status !== 'running') continue;
      if (c.code.instance.has('canister_heartbeat')) c.queue.unshift({ type: 'heartbeat' });
      if (c.globalTimer !== 0n && c.globalTimer <= this.#timeNanos) {
        c.globalTimer = 0n;
        c.queue.unshift({ type: 'timer' });
      }
    }
    const management = this.#managementQueue;
    this.#managementQueue = [];
    for (const m of management) this.#executeManagement(m, env);
    for (const c of [...this.#order]) {
      const batch = c.queue.splice(0, c.queue.length);
      for (const msg of batch) {
        if (!this.#canisters.has(c.key)) break;
        this.#route(executeMessage(c, msg, env));
      }
    }
    for (const c of this.#order) {
      if (c.status === 'stopping' && !c.hasOpenCallContexts) {
        c.status = 'stopped';
        for (const w of c.stopWaiters) this.#deliverResponse(w.origin, { kind: 'reply', data: EMPTY_CANDID }, 0n);
        c.stopWaiters = [];
      }
    }
    this.#chargeIdleCycles();
    if (++this.#roundsSinceSweep >= SWEEP_EVERY_ROUNDS) this.#sweepIngress();
  }

  /** Drops answered records whose retention ended (the IC keeps them until their expiry). */
  #sweepIngress(): void {
    this.#roundsSinceSweep = 0;
    const now = Date.now();
    for (const [id, record] of this.#ingress) {
      if ((record.status === 'replied' || record.status === 'rejected') && record.retainUntilMs !== undefined && record.retainUntilMs < now) this.#ingress.delete(id);
    }
  }

  /** Whether any canister or the management canister has work queued. */
  get hasPendingWork(): boolean {
    return this.#managementQueue.length > 0 || this.#delayed.length > 0 || this.#order.some((c) => c.queue.length > 0 || (c.globalTimer !== 0n && c.globalTimer <= this.#timeNanos));
  }

  #chargeIdleCycles(): void {
    const elapsed = this.#timeNanos - this.#lastChargeNanos;
    if (elapsed < NANOS_PER_SECOND) return;
    for (const c of this.#order) {
      const burn = (idleCyclesPerSecond(c.memoryBytes) * elapsed) / NANOS_PER_SECOND;
      c.cycles = c.cycles > burn ? c.cycles - burn : 0n;
    }
    this.#lastChargeNanos = this.#timeNanos;
  }

  // ---------------------------------------------------------------- calls

  /**
   * Sends an ingress message without waiting for it: the message is checked (canister
   * exists, has code, runs, has cycles, accepts it in `canister_inspect_message`) and
   * queued. Await its answer with {@link awaitCall}.
   * @param effectiveCanisterId for calls to the management canister: the canister the call is about
   */
  submitCall(canisterId: Principal, method: string, arg: Uint8Array, options: CallOptions & { effectiveCanisterId?: Principal; messageId?: string; retainUntilMs?: number } = {}): SubmitResult {
    this.#assertOpen();
    const sender = (options.sender ?? Principal.anonymous()).toUint8Array();
    if (arg.length > MAX_INGRESS_PAYLOAD_BYTES) throw new IngressTooLargeError(arg.length, MAX_INGRESS_PAYLOAD_BYTES);
    const messageId = options.messageId ?? this.#newMessageId();
    // The IC deduplicates ingress by request id: a resubmitted message is not run twice.
    if (this.#ingress.has(messageId)) return { messageId };
    this.#changes++;
    const origin: CallOrigin = { kind: 'ingress', messageId };
    const record: IngressRecord = { status: 'received', ...(options.retainUntilMs === undefined ? {} : { retainUntilMs: options.retainUntilMs }) };
    if (canisterId.toUint8Array().length === 0) {
      this.#ingress.set(messageId, record);
      this.#managementQueue.push({ caller: sender, fromCanister: false, method, arg, cycles: 0n, origin });
      this.#live?.wake();
      return { messageId };
    }
    const c = this.#canisters.get(principalKey(canisterId));
    const refused = this.#ingressRefusal(c, canisterId, method, arg, sender);
    if (refused) return { reject: refused };
    c!.cycles -= ingressFee(method, arg);
    this.#ingress.set(messageId, record);
    c!.queue.push({ type: 'request', caller: sender, method, arg, cycles: 0n, origin, deadlineNanos: 0n });
    // A live replica runs the message at once rather than at its next idle wake-up.
    this.#live?.wake();
    return { messageId };
  }

  #ingressRefusal(c: Canister | undefined, id: Principal, method: string, arg: Uint8Array, sender: Uint8Array): Reject | undefined {
    if (!c) return reject(ErrorCode.CanisterNotFound, `Canister ${id.toText()} not found`);
    if (!c.code) return emptyCanister(c);
    if (c.status === 'stopped') return reject(ErrorCode.CanisterStopped, `Canister ${id.toText()} is stopped and therefore does not have a CallContextManager`);
    if (c.status === 'stopping') return reject(ErrorCode.CanisterStopping, `Canister ${id.toText()} is stopping`);
    if (c.liquidCycles() < ingressFee(method, arg)) return outOfCycles(c);
    return executeInspect(c, method, arg, sender, this.#env());
  }

  /**
   * Runs rounds until the ingress message `messageId` is answered.
   * @returns the reply bytes
   * @throws CanisterRejectError with the reject code, IC error code and message
   * @throws NoProgressError if the call is not answered within `maxRoundsPerCall` rounds
   */
  async awaitCall(messageId: string): Promise<Uint8Array> {
    const maxRounds = this.#options.maxRoundsPerCall ?? DEFAULT_MAX_ROUNDS_PER_CALL;
    for (let rounds = 0; ; rounds++) {
      const record = this.#ingress.get(messageId);
      if (!record) throw new Error(`Unknown ingress message ${messageId}`);
      if (record.status === 'replied' || record.status === 'rejected') {
        if (this.#undurable.has(messageId)) await this.whenAnswered(messageId);
        if (record.retainUntilMs === undefined) this.#ingress.delete(messageId);
        if (record.reject) throw new CanisterRejectError(record.reject);
        return record.reply!;
      }
      if (rounds >= maxRounds) throw new NoProgressError(`Ingress message ${messageId} was not answered within ${maxRounds} rounds`);
      // Yield to the event loop now and then, and on every call while checkpoints are
      // written (their file writes need it; a loop of calls must not starve them).
      if ((rounds > 0 && rounds % ROUNDS_PER_YIELD === 0) || (rounds === 0 && this.#checkpointer)) await new Promise((resolve) => setImmediate(resolve));
      this.round();
    }
  }

  /**
   * A Candid actor for `canisterId`: its methods make query or update calls as `sender`.
   * @example
   * const counter = replica.createActor<CounterService>(idlFactory, id, { sender: owner });
   * await counter.inc();
   */
  createActor<T>(idlFactory: IDL.InterfaceFactory, canisterId: Principal, options: { sender?: Principal } = {}): ReplicaActor<T> {
    return createActor<T>(this, idlFactory, canisterId, options);
  }

  /**
   * Resolves with the message's record once it is replied or rejected (at once if it is),
   * without running rounds: for callers of a live replica.
   */
  whenAnswered(messageId: string): Promise<IngressRecord> {
    const record = this.#ingress.get(messageId);
    if (record && (record.status === 'replied' || record.status === 'rejected') && !this.#undurable.has(messageId)) return Promise.resolve(record);
    return new Promise((resolve) => {
      let waiters = this.#answerWaiters.get(messageId);
      if (!waiters) this.#answerWaiters.set(messageId, (waiters = []));
      waiters.push(resolve);
    });
  }

  /** The status of an ingress message, as read_state reports it. */
  ingressStatus(messageId: string): IngressRecord | undefined {
    const record = this.#ingress.get(messageId);
    // An answer that waits for its checkpoint is not visible yet.
    return record && this.#undurable.has(messageId) ? { status: 'processing' } : record;
  }

  /**
   * Makes an update call as an ingress message and runs the scheduler until it is answered.
   * @returns the reply bytes (Candid, for Motoko canisters)
   * @throws CanisterRejectError carrying `rejectCode`, `errorCode` (e.g. IC0503) and `rejectMessage`
   * @example
   * const reply = await replica.updateCall(id, 'put', new Uint8Array(IDL.encode([IDL.Text], ['a'])));
   */
  async updateCall(canisterId: Principal, method: string, arg: Uint8Array, options: CallOptions & { effectiveCanisterId?: Principal } = {}): Promise<Uint8Array> {
    const submitted = this.submitCall(canisterId, method, arg, options);
    if ('reject' in submitted) throw new CanisterRejectError(submitted.reject);
    return this.awaitCall(submitted.messageId);
  }

  /**
   * Executes a query (non-replicated): its state changes are discarded.
   * @throws CanisterRejectError
   */
  async queryCall(canisterId: Principal, method: string, arg: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    const result = this.query(canisterId, method, arg, options);
    if (result.kind === 'reject') throw new CanisterRejectError(result.reject);
    return result.data;
  }

  /** {@link queryCall}, synchronously and without throwing (for the HTTP interface). */
  query(canisterId: Principal, method: string, arg: Uint8Array, options: CallOptions = {}): ResponsePayload {
    this.#assertOpen();
    const sender = (options.sender ?? Principal.anonymous()).toUint8Array();
    const c = this.#canisters.get(principalKey(canisterId));
    if (!c) return { kind: 'reject', reject: reject(ErrorCode.CanisterNotFound, `Canister ${canisterId.toText()} not found`) };
    if (c.status !== 'running') {
      return { kind: 'reject', reject: reject(c.status === 'stopped' ? ErrorCode.CanisterStopped : ErrorCode.CanisterStopping, `Canister ${canisterId.toText()} is ${c.status}`) };
    }
    return executeQuery(c, method, arg, sender, this.#env());
  }

  // ---------------------------------------------------------------- canister lifecycle (through the management canister)

  /**
   * Creates a canister with `provisional_create_canister_with_cycles`.
   * @returns its id
   * @example
   * const id = await replica.createCanister({ controllers: [owner], cycles: 10n ** 13n });
   */
  async createCanister(options: CreateCanisterOptions = {}): Promise<Principal> {
    const sender = options.sender ?? Principal.anonymous();
    const settings = { ...emptySettings(), ...options.settings, controllers: [options.controllers ?? [sender]] as [Principal[]] };
    const reply = await this.#management('provisional_create_canister_with_cycles', ProvisionalCreateCanisterArgs, {
      amount: [options.cycles ?? 100_000_000_000_000n],
      settings: [settings],
      specified_id: options.targetCanisterId ? [options.targetCanisterId] : [],
      sender_canister_version: [],
    }, sender, undefined, CanisterIdResult);
    return (reply as { canister_id: Principal }).canister_id;
  }

  /**
   * Installs `wasm` with `install_code` (chunked through upload_chunk when the module is
   * larger than one ingress message, as PocketIC does).
   *
   * - `install` needs an empty canister; `reinstall` wipes wasm and stable memory;
   *   `upgrade` keeps stable memory, and wasm memory with `wasmMemoryPersistence: 'keep'`.
   * @see {@link upgradeCanister}, {@link reinstallCode}
   */
  async installCode(canisterId: Principal, wasm: Uint8Array, arg: Uint8Array, options: InstallOptions = {}): Promise<void> {
    const sender = options.sender ?? Principal.anonymous();
    const mode = options.mode ?? 'install';
    const modeValue =
      mode === 'upgrade'
        ? {
            upgrade: [
              {
                skip_pre_upgrade: options.skipPreUpgrade ? [true] : [],
                wasm_memory_persistence: [{ [options.wasmMemoryPersistence ?? this.#defaultPersistence(wasm)]: null }],
              },
            ],
          }
        : { [mode]: null };
    if (wasm.length + arg.length < MAX_INGRESS_PAYLOAD_BYTES - 4096) {
      await this.#management('install_code', InstallCodeArgs, { mode: modeValue, canister_id: canisterId, wasm_module: wasm, arg, sender_canister_version: [] }, sender, canisterId);
      return;
    }
    await this.#management('clear_chunk_store', CanisterIdArgs, { canister_id: canisterId }, sender, canisterId);
    const hashes: Array<{ hash: Uint8Array }> = [];
    for (let off = 0; off < wasm.length; off += 1024 * 1024) {
      const reply = await this.#management('upload_chunk', UploadChunkArgs, { canister_id: canisterId, chunk: wasm.subarray(off, off + 1024 * 1024) }, sender, canisterId, ChunkHash);
      hashes.push(reply as { hash: Uint8Array });
    }
    await this.#management('install_chunked_code', InstallChunkedCodeArgs, {
      mode: modeValue,
      target_canister: canisterId,
      store_canister: [],
      chunk_hashes_list: hashes,
      wasm_module_hash: new Uint8Array(createHash('sha256').update(wasm).digest()),
      arg,
      sender_canister_version: [],
    }, sender, canisterId);
  }

  #defaultPersistence(wasm: Uint8Array): 'keep' | 'replace' {
    try {
      return WebAssembly.Module.customSections(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), 'icp:private enhanced-orthogonal-persistence').length > 0 ? 'keep' : 'replace';
    } catch {
      return 'replace';
    }
  }

  /** Upgrades a canister: stable memory is kept, and wasm memory too (`keep`, the default for Motoko). */
  async upgradeCanister(canisterId: Principal, wasm: Uint8Array, arg: Uint8Array, options: Omit<InstallOptions, 'mode'> = {}): Promise<void> {
    await this.installCode(canisterId, wasm, arg, { ...options, mode: 'upgrade' });
  }

  /** Reinstalls a canister: wasm memory, stable memory and timers are wiped. */
  async reinstallCode(canisterId: Principal, wasm: Uint8Array, arg: Uint8Array, options: CallOptions = {}): Promise<void> {
    await this.installCode(canisterId, wasm, arg, { ...options, mode: 'reinstall' });
  }

  /** Creates a canister and installs `wasm` in it. */
  async setupCanister(options: CreateCanisterOptions & { wasm: Uint8Array; arg?: Uint8Array }): Promise<Principal> {
    const id = await this.createCanister(options);
    await this.installCode(id, options.wasm, options.arg ?? EMPTY_CANDID, options.sender ? { sender: options.sender } : {});
    return id;
  }

  /** The full `canister_status` record of the management canister. */
  async canisterStatus(canisterId: Principal, options: CallOptions = {}): Promise<CanisterStatusValue> {
    return (await this.#management('canister_status', CanisterIdArgs, { canister_id: canisterId }, options.sender ?? Principal.anonymous(), canisterId, CanisterStatusResult)) as CanisterStatusValue;
  }

  /** Stops a canister; resolves once its open call contexts are closed. */
  async stopCanister(canisterId: Principal, options: CallOptions = {}): Promise<void> {
    await this.#management('stop_canister', CanisterIdArgs, { canister_id: canisterId }, options.sender ?? Principal.anonymous(), canisterId);
  }

  async startCanister(canisterId: Principal, options: CallOptions = {}): Promise<void> {
    await this.#management('start_canister', CanisterIdArgs, { canister_id: canisterId }, options.sender ?? Principal.anonymous(), canisterId);
  }

  /** Deletes a stopped canister; its id is never reused. */
  async deleteCanister(canisterId: Principal, options: CallOptions = {}): Promise<void> {
    await this.#management('delete_canister', CanisterIdArgs, { canister_id: canisterId }, options.sender ?? Principal.anonymous(), canisterId);
  }

  /** Changes the given settings (others stay as they are). */
  async updateCanisterSettings(canisterId: Principal, settings: Partial<CanisterSettingsValue>, options: CallOptions = {}): Promise<void> {
    await this.#management('update_settings', UpdateSettingsArgs, { canister_id: canisterId, settings: { ...emptySettings(), ...settings }, sender_canister_version: [] }, options.sender ?? Principal.anonymous(), canisterId);
  }

  /** Adds cycles with `provisional_top_up_canister`. @returns the new balance */
  async addCycles(canisterId: Principal, amount: bigint): Promise<bigint> {
    await this.#management('provisional_top_up_canister', ProvisionalTopUpArgs, { canister_id: canisterId, amount }, Principal.anonymous(), canisterId);
    return this.getCyclesBalance(canisterId);
  }

  getCyclesBalance(canisterId: Principal): bigint {
    return this.#get(canisterId).cycles;
  }

  getControllers(canisterId: Principal): Principal[] {
    return [...this.#get(canisterId).settings.controllers];
  }

  /** Ids of all canisters, in creation (id) order. */
  canisterIds(): Principal[] {
    return this.#order.map((c) => c.id);
  }

  /** The last lines the canister printed with `ic0.debug_print` (newest last). */
  logs(canisterId: Principal): readonly string[] {
    return this.#logs.get(principalKey(canisterId)) ?? [];
  }

  /**
   * Injects faults (tests only; see faults.ts), or stops injecting them with `undefined`.
   * @example
   * replica.injectFaults(randomFaults({ seed: 7, rejectCalls: 0.1, delayResponses: 0.2 }));
   */
  injectFaults(faults: FaultInjection | undefined): void {
    this.#faults = faults;
  }

  /** Sets a canister's cycle balance (tests: run a canister out of cycles). */
  setCyclesBalance(canisterId: Principal, cycles: bigint): void {
    this.#get(canisterId).cycles = cycles;
  }

  /**
   * Writes a checkpoint of the state as of now to the state directory.
   * @returns once it is on disk (at once without `stateDir`)
   */
  async checkpoint(): Promise<void> {
    this.#assertOpen();
    await this.#checkpointer?.request();
  }

  /** Stops the replica, after a last checkpoint with `stateDir`; later calls fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.stopLive();
    const checkpointer = this.#checkpointer;
    this.#checkpointer = undefined;
    this.#closed = true;
    await checkpointer?.close();
  }

  /** @internal The canister's state, for the HTTP interface and persistence. */
  canisterState(canisterId: Principal): Canister | undefined {
    return this.#canisters.get(principalKey(canisterId));
  }

  /**
   * What `read_state` certifies about a canister: module hash, controllers and metadata
   * (the module's `icp:public <name>` and `icp:private <name>` custom sections).
   * @returns undefined for a canister that does not exist
   */
  canisterInfo(canisterId: Principal): CanisterInfo | undefined {
    const c = this.canisterState(canisterId);
    if (!c) return undefined;
    const metadata = new Map<string, { content: Uint8Array; public: boolean }>();
    for (const [name, content] of c.code?.compiled.prepared.customSections ?? []) {
      const match = /^icp:(public|private) (.+)$/.exec(name);
      if (match) metadata.set(match[2], { content, public: match[1] === 'public' });
    }
    return {
      controllers: [...c.settings.controllers],
      ...(c.code ? { moduleHash: c.code.moduleHash } : {}),
      metadata,
    };
  }

  /**
   * Runs the replica by itself, as PocketIC's `makeLive`: canister time follows the wall
   * clock and rounds run whenever there is work or a timer is due, so nobody needs to call
   * {@link tick}. Used by `bigmap start` and the HTTP interface.
   * @see {@link stopLive}
   */
  makeLive(): void {
    this.#live ??= new LiveDriver(this);
    this.#live.start();
  }

  /** Returns to stepped mode: time and rounds move only through the API again. */
  stopLive(): void {
    this.#live?.stop();
  }

  get isLive(): boolean {
    return this.#live?.running ?? false;
  }

  // ---------------------------------------------------------------- internals

  async #management(method: string, argType: IDL.Type, arg: unknown, sender: Principal, effectiveCanisterId?: Principal, resultType?: IDL.Type): Promise<unknown> {
    const reply = await this.updateCall(MANAGEMENT_CANISTER, method, new Uint8Array(IDL.encode([argType], [arg])), {
      sender,
      ...(effectiveCanisterId ? { effectiveCanisterId } : {}),
    });
    return resultType ? IDL.decode([resultType], reply)[0] : undefined;
  }

  #get(canisterId: Principal): Canister {
    const c = this.#canisters.get(principalKey(canisterId));
    if (!c) throw new CanisterRejectError(reject(ErrorCode.CanisterNotFound, `Canister ${canisterId.toText()} not found`));
    return c;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('The replica is closed');
  }

  #newMessageId(): string {
    return createHash('sha256').update(`ingress ${this.#nextIngress++}`).digest('hex');
  }

  #env(): ExecutionEnv & InstallEnv & ManagementEnv {
    const replica = this;
    return {
      timeNanos: this.#timeNanos,
      subnetIdBytes: this.keys.subnetId.toUint8Array(),
      rootKeyDer: this.keys.rootKeyDer,
      maxCallPayloadBytes: MAX_CALL_PAYLOAD_BYTES,
      canisterCreationFee: CANISTER_CREATION_FEE,
      callFee: (bytes: number) => XNET_CALL_FEE + XNET_CALL_FEE_PER_BYTE * BigInt(bytes),
      canister: (id: Principal) => replica.#canisters.get(principalKey(id)),
      onExecuted: (c: Canister, exec: Execution, trap: Trap | undefined) => replica.#onExecuted(c, exec, trap),
      // A cleanup callback belongs to the message whose callback trapped: it is not trapped again.
      injectTrap: (c: Canister, exec: Execution) => exec.kind !== 'cleanup' && (replica.#faults?.trapExecution?.({ canister: c.id, kind: exec.kind, method: exec.callContext?.method }) ?? false),
      compile: (wasm: Uint8Array) => replica.#compile(wasm),
      createCanister: (settings: Settings, cycles: bigint, specifiedId?: Principal) => replica.#createCanister(settings, cycles, specifiedId),
      deleteCanister: (c: Canister) => replica.#deleteCanister(c),
      randomBytes: (n: number) => replica.#randomBytes(n),
    };
  }

  #onExecuted(c: Canister, exec: Execution, trap: Trap | undefined): void {
    const hook = this.#options.onExecuted;
    if (!hook) return;
    hook({
      canister: c.id,
      kind: exec.kind,
      ...(exec.callContext ? { method: exec.callContext.method } : {}),
      instructions: exec.instructions,
      ...(trap ? { trapped: { errorCode: trap.errorCode, message: trap.message } } : {}),
      timeNanos: exec.timeNanos,
    });
  }

  #compile(wasm: Uint8Array): CompiledModule {
    const key = moduleSha256(wasm);
    let compiled = this.#modules.get(key);
    if (!compiled) {
      compiled = compileModule(wasm, key, this.#options.instrumentation);
      this.#modules.set(key, compiled);
    }
    return compiled;
  }

  #createCanister(settings: Settings, cycles: bigint, specifiedId?: Principal): { canister: Canister } | { reject: Reject } {
    let id: Principal;
    if (specifiedId) {
      if (this.#canisters.has(principalKey(specifiedId))) {
        return { reject: reject(ErrorCode.CanisterRejectedMessage, `Canister ${specifiedId.toText()} already exists`) };
      }
      id = specifiedId;
      const n = canisterIdToU64(specifiedId);
      if (n !== undefined && n >= this.#nextCanisterId && n <= CANISTER_RANGE.end) this.#nextCanisterId = n + 1n;
    } else {
      if (this.#nextCanisterId > CANISTER_RANGE.end) return { reject: reject(ErrorCode.CanisterRejectedMessage, 'The subnet has no canister ids left') };
      id = canisterIdFromU64(this.#nextCanisterId++);
    }
    const c = new Canister(id, settings, cycles, (canister, message) => this.#debugPrint(canister, message));
    this.#canisters.set(c.key, c);
    this.#order.push(c);
    this.#order.sort((a, b) => Buffer.compare(a.idBytes, b.idBytes));
    return { canister: c };
  }

  #deleteCanister(c: Canister): void {
    this.#canisters.delete(c.key);
    this.#order = this.#order.filter((x) => x !== c);
  }

  #randomBytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) {
      const block = createHash('sha256').update(this.#random).update(String(this.#randomCounter++)).digest();
      out.set(block.subarray(0, Math.min(32, n - off)), off);
    }
    return out;
  }

  #debugPrint(c: Canister, message: string): void {
    if (this.#options.onDebugPrint) {
      this.#options.onDebugPrint(c.id, message);
      return;
    }
    let lines = this.#logs.get(c.key);
    if (!lines) this.#logs.set(c.key, (lines = []));
    lines.push(message);
    if (lines.length > MAX_LOG_LINES) lines.splice(0, lines.length - MAX_LOG_LINES);
  }

  #executeManagement(m: ManagementMessage, env: ManagementEnv): void {
    const outcome = callManagement({ method: m.method, arg: m.arg, caller: m.caller, fromCanister: m.fromCanister, cycles: m.cycles, origin: m.origin }, env);
    switch (outcome.kind) {
      case 'reply':
        if (outcome.effects) this.#route(outcome.effects);
        this.#deliverResponse(m.origin, { kind: 'reply', data: outcome.data }, outcome.refund);
        break;
      case 'reject':
        this.#deliverResponse(m.origin, { kind: 'reject', reject: outcome.reject }, outcome.refund);
        break;
      case 'pending':
        break;
    }
  }

  /** Delivers the held-back responses whose wait is over (fault injection). */
  #releaseDelayedResponses(): void {
    if (this.#delayed.length === 0) return;
    const waiting: DelayedResponse[] = [];
    for (const d of this.#delayed) {
      if (--d.rounds > 0) waiting.push(d);
      else this.#canisters.get(principalKey(d.canister))?.queue.push(d.message);
    }
    this.#delayed = waiting;
  }

  #notifyAnswered(messageId: string): void {
    const record = this.#ingress.get(messageId);
    const waiters = this.#answerWaiters.get(messageId);
    this.#answerWaiters.delete(messageId);
    if (record) for (const resolve of waiters ?? []) resolve(record);
  }

  // ---------------------------------------------------------------- persistence

  #persistTo(directory: StateDirectory): void {
    this.#checkpointer = new Checkpointer(directory, () => this.#capture(), (e) => this.#checkpointFailed(e));
    this.#checkpointer.startInterval(this.#options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS, () => this.#changes !== this.#changesCaptured);
  }

  #checkpointFailed(error: Error): void {
    if (this.#options.onCheckpointError) this.#options.onCheckpointError(error);
    else process.emitWarning(`Replica checkpoint failed: ${error.message}`);
  }

  /** The state as of now, for a checkpoint (runs between rounds). */
  #capture(): Captured {
    this.#changesCaptured = this.#changes;
    const modules = new Map<string, Uint8Array>();
    const canisters: CheckpointData['canisters'] = new Map();
    for (const c of this.#order) {
      if (c.code) modules.set(c.code.compiled.sha256, c.code.compiled.wasm);
      canisters.set(c.id.toText(), this.#pageCapture.capture(c));
    }
    this.#pageCapture.retain(new Set(this.#order.map((c) => c.key)));
    const snapshot: ReplicaSnapshot = {
      keySeed: this.keys.seed,
      random: this.#random,
      randomCounter: this.#randomCounter,
      timeNanos: this.#timeNanos,
      lastChargeNanos: this.#lastChargeNanos,
      nextCanisterId: this.#nextCanisterId,
      nextIngress: this.#nextIngress,
      managementQueue: this.#managementQueue,
      delayedResponses: this.#delayed,
      ingress: [...this.#ingress.entries()],
      canisters: this.#order.map(snapshotCanister),
    };
    const covered = [...this.#undurable];
    return {
      data: { snapshot: toSnapshotJson(snapshot), modules, canisters },
      written: () => {
        for (const id of covered) {
          this.#undurable.delete(id);
          this.#notifyAnswered(id);
        }
      },
      failed: (error) => {
        // The next checkpoint must not build on files that may not exist.
        this.#pageCapture.reset();
        this.#checkpointFailed(error);
      },
    };
  }

  async #restore(s: ReplicaSnapshot, directory: StateDirectory): Promise<void> {
    this.#random = s.random;
    this.#randomCounter = s.randomCounter;
    this.#timeNanos = s.timeNanos;
    this.#lastChargeNanos = s.lastChargeNanos;
    this.#nextCanisterId = s.nextCanisterId;
    this.#nextIngress = s.nextIngress;
    this.#managementQueue = s.managementQueue;
    this.#delayed = s.delayedResponses;
    for (const [id, record] of s.ingress) this.#ingress.set(id, record);
    const env = this.#env();
    for (const saved of s.canisters) {
      const c = new Canister(saved.id, saved.settings, saved.cycles, (canister, message) => this.#debugPrint(canister, message));
      restoreCanisterFields(c, saved);
      c.stable.sizePages = saved.stablePages;
      if (saved.code) {
        const compiled = this.#compile(await directory.readModule(saved.code.module));
        const journal = new MemoryJournal(compiled.prepared.memory.memory64, saved.code.memoryPages);
        c.code = instantiateCode(c, env, { compiled, moduleHash: saved.code.moduleHash, moduleBytes: saved.code.moduleBytes, memory: { journal, pages: saved.code.memoryPages } });
        // Instantiation applied any active data segments; the checkpoint's pages are the truth.
        new Uint8Array(journal.main.buffer).fill(0);
        c.code.instance.setGlobalValues(saved.code.globals.map(decodeGlobal));
      }
      const id = saved.id.toText();
      const memory = c.code ? new Uint8Array(c.code.instance.memory.buffer, 0, c.code.instance.memoryBytes) : new Uint8Array();
      let stored = 0;
      await directory.readPages(id, (space, page, data) => {
        const inside = space === 'memory' ? (page + 1) * WASM_PAGE_BYTES <= memory.length : page < c.stable.sizePages;
        if (!inside) throw new Error(`a page file holds ${space} page ${page} of ${id}, past the end of that memory`);
        if (space === 'memory') memory.set(data, page * WASM_PAGE_BYTES);
        else c.stable.loadPage(page, data);
        stored++;
      });
      this.#pageCapture.adopt(c, directory.pageFiles(id).length, stored);
      this.#canisters.set(c.key, c);
      this.#order.push(c);
    }
    this.#order.sort((a, b) => Buffer.compare(a.idBytes, b.idBytes));
  }

  #route(effects: Effects): void {
    for (const { from, callbackId, call } of effects.calls) this.#deliverCall(from, callbackId, call);
    for (const { origin, payload, refund } of effects.responses) this.#deliverResponse(origin, payload, refund);
  }

  #deliverCall(from: Canister, callbackId: number, call: OutgoingCall): void {
    const origin: CallOrigin = { kind: 'canister', canister: from.id, callbackId };
    const deadlineNanos = call.timeoutSeconds === undefined ? 0n : this.#timeNanos + BigInt(call.timeoutSeconds) * NANOS_PER_SECOND;
    const bounce = (r: Reject) => from.queue.push({ type: 'response', callbackId, payload: { kind: 'reject', reject: r }, refund: call.cycles });
    if (this.#faults?.rejectCall?.({ from: from.id, to: call.callee, method: call.method })) {
      bounce({ code: RejectCode.SysTransient, message: `Injected fault: the call to ${call.callee.toText()} ${call.method} was rejected (SYS_TRANSIENT)` });
      return;
    }
    if (call.callee.toUint8Array().length === 0) {
      this.#managementQueue.push({ caller: from.idBytes, fromCanister: true, method: call.method, arg: call.arg, cycles: call.cycles, origin });
      return;
    }
    const target = this.#canisters.get(principalKey(call.callee));
    if (!target) bounce(reject(ErrorCode.CanisterNotFound, `Canister ${call.callee.toText()} not found`));
    else if (target.status === 'stopped') bounce(reject(ErrorCode.CanisterStopped, `Canister ${call.callee.toText()} is stopped`));
    else if (target.status === 'stopping') bounce(reject(ErrorCode.CanisterStopping, `Canister ${call.callee.toText()} is stopping`));
    else if (target.frozen) bounce(outOfCycles(target));
    else target.queue.push({ type: 'request', caller: from.idBytes, method: call.method, arg: call.arg, cycles: call.cycles, origin, deadlineNanos });
  }

  #deliverResponse(origin: CallOrigin, payload: ResponsePayload, refund: bigint): void {
    switch (origin.kind) {
      case 'ingress': {
        const record = this.#ingress.get(origin.messageId);
        if (!record) return;
        record.answeredAtNanos = this.#timeNanos;
        if (payload.kind === 'reply') {
          record.status = 'replied';
          record.reply = payload.data;
        } else {
          record.status = 'rejected';
          record.reject = payload.reject;
        }
        if (this.#checkpointer && this.#options.durability === 'every-update') {
          this.#undurable.add(origin.messageId);
          this.#checkpointer.request().catch(() => {});
        } else {
          this.#notifyAnswered(origin.messageId);
        }
        return;
      }
      case 'canister': {
        const message: Message = { type: 'response', callbackId: origin.callbackId, payload, refund };
        const rounds = this.#faults?.delayResponse?.({ to: origin.canister, callbackId: origin.callbackId }) ?? 0;
        if (rounds > 0) this.#delayed.push({ canister: origin.canister, rounds, message });
        else this.#canisters.get(principalKey(origin.canister))?.queue.push(message);
        return;
      }
      case 'system':
        return;
    }
  }
}

const EMPTY_CANDID = new Uint8Array(IDL.encode([], []));
const DEFAULT_CHECKPOINT_INTERVAL_MS = 1000;
const MAX_LOG_LINES = 1000;
/** Rounds between sweeps of answered ingress records. */
const SWEEP_EVERY_ROUNDS = 1024;

/** An ingress message larger than the IC accepts (HTTP 413 on the network interface). */
export class IngressTooLargeError extends Error {
  override name = 'IngressTooLargeError';
  readonly sizeBytes: number;
  readonly limitBytes: number;
  constructor(sizeBytes: number, limitBytes: number) {
    super(`The request's argument of ${sizeBytes} bytes exceeds the IC's ingress message limit of ${limitBytes} bytes (2 MiB); split it into smaller calls.`);
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
  }
}

function ingressFee(method: string, arg: Uint8Array): bigint {
  return INGRESS_MESSAGE_RECEPTION_FEE + INGRESS_BYTE_RECEPTION_FEE * BigInt(method.length + arg.length);
}

function emptySettings(): CanisterSettingsValue {
  return {
    controllers: [],
    compute_allocation: [],
    memory_allocation: [],
    freezing_threshold: [],
    reserved_cycles_limit: [],
    minimum_incoming_canister_call_cycles: [],
    log_visibility: [],
    log_memory_limit: [],
    snapshot_visibility: [],
    status_visibility: [],
    wasm_memory_limit: [],
    wasm_memory_threshold: [],
    environment_variables: [],
  };
}

/** Fails fast on a Node.js that cannot run wasm64 (memory64 + table64). */
export function assertSupportedRuntime(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < MIN_NODE_MAJOR) {
    throw new UnsupportedRuntimeError(
      `The embedded replica needs Node.js ${MIN_NODE_MAJOR} or newer to run Motoko's wasm64 canisters; this is Node.js ${process.versions.node}. ` +
        'Run it through the npm scripts or `npx bigmap`, which use the Node 24 from node_modules (the node@24 devDependency), or install Node 24.',
    );
  }
}
