/**
 * The state of one canister: its settings, cycles, code and memories, its open call
 * contexts and callbacks, and its input queue.
 *
 * Who writes what: the executor (execute.ts) changes code state, call contexts and
 * callbacks while it runs a message; the management canister changes settings, status
 * and code; the scheduler (replica.ts) appends to `queue` and takes from it.
 */
import type { Principal } from '@dfinity/principal';
import { freezingLimit } from '../cycles.ts';
import type { HostCanister, Sandbox } from '../host/ic0.ts';
import { principalKey } from '../ids.ts';
import type { Visibility } from '../management/interface.ts';
import { StableMemory } from '../state/stable-memory.ts';
import type { Callback, CallContext, CallOrigin, Message } from './types.ts';
import type { CompiledModule, WasmInstance } from './wasm-instance.ts';

export type CanisterStatus = 'running' | 'stopping' | 'stopped';

export interface Settings {
  controllers: Principal[];
  computeAllocation: bigint;
  memoryAllocation: bigint;
  /** Seconds of idle burn the balance must cover before the canister freezes. */
  freezingThreshold: bigint;
  reservedCyclesLimit: bigint;
  minimumIncomingCanisterCallCycles: bigint;
  logVisibility: Visibility;
  logMemoryLimit: bigint;
  snapshotVisibility: Visibility;
  statusVisibility: Visibility;
  /** Bytes of wasm memory the canister may use; 0 means no limit. */
  wasmMemoryLimit: bigint;
  wasmMemoryThreshold: bigint;
  environmentVariables: Array<{ name: string; value: string }>;
}

/** Defaults of the IC for a new canister (ic-replica-brief.md, section 3). */
export function defaultSettings(controllers: Principal[]): Settings {
  return {
    controllers,
    computeAllocation: 0n,
    memoryAllocation: 0n,
    freezingThreshold: 2_592_000n,
    reservedCyclesLimit: 5_000_000_000_000n,
    minimumIncomingCanisterCallCycles: 0n,
    logVisibility: { controllers: null },
    logMemoryLimit: 4096n,
    snapshotVisibility: { controllers: null },
    statusVisibility: { controllers: null },
    wasmMemoryLimit: 3n * 1024n * 1024n * 1024n,
    wasmMemoryThreshold: 0n,
    environmentVariables: [],
  };
}

export interface InstalledCode {
  compiled: CompiledModule;
  /** SHA-256 of the module as installed (before gunzip), as `module_hash` reports it. */
  moduleHash: Uint8Array;
  /** Size of the installed module in bytes. */
  moduleBytes: number;
  instance: WasmInstance;
  sandbox: Sandbox;
  /** The module declares enhanced orthogonal persistence (custom section). */
  enhancedOrthogonalPersistence: boolean;
}

/** A `stop_canister` call waiting for the canister's call contexts to close. */
export interface StopWaiter {
  origin: CallOrigin;
}

/** Counters for canister_status `query_stats` and the replica's trace. */
export interface CanisterStats {
  queryCalls: bigint;
  queryInstructions: bigint;
  queryRequestBytes: bigint;
  queryResponseBytes: bigint;
  instructionsTotal: bigint;
}

export class Canister implements HostCanister {
  readonly id: Principal;
  readonly idBytes: Uint8Array;
  readonly key: string;
  status: CanisterStatus = 'running';
  settings: Settings;
  cycles: bigint;
  version = 0n;
  code: InstalledCode | undefined;
  stable = new StableMemory();
  globalTimer = 0n;
  certifiedData: Uint8Array = new Uint8Array();
  readonly callContexts = new Map<number, CallContext>();
  readonly callbacks = new Map<number, Callback>();
  queue: Message[] = [];
  stopWaiters: StopWaiter[] = [];
  nextCallContextId = 1;
  nextCallbackId = 1;
  /** Chunks uploaded with upload_chunk, by hex SHA-256. */
  readonly chunkStore = new Map<string, Uint8Array>();
  readonly stats: CanisterStats = { queryCalls: 0n, queryInstructions: 0n, queryRequestBytes: 0n, queryResponseBytes: 0n, instructionsTotal: 0n };
  readonly #debugPrint: (canister: Canister, message: string) => void;

  constructor(id: Principal, settings: Settings, cycles: bigint, debugPrint: (canister: Canister, message: string) => void) {
    this.id = id;
    this.idBytes = id.toUint8Array();
    this.key = principalKey(id);
    this.settings = settings;
    this.cycles = cycles;
    this.#debugPrint = debugPrint;
  }

  get statusCode(): number {
    return this.status === 'running' ? 1 : this.status === 'stopping' ? 2 : 3;
  }

  get environmentVariables(): ReadonlyArray<{ name: string; value: string }> {
    return this.settings.environmentVariables;
  }

  isController(principal: Uint8Array): boolean {
    const key = principalKey(principal);
    return this.settings.controllers.some((c) => principalKey(c) === key);
  }

  debugPrint(message: string): void {
    this.#debugPrint(this, message);
  }

  get wasmMemoryBytes(): bigint {
    return BigInt(this.code?.instance.memoryBytes ?? 0);
  }

  /** Memory the IC charges storage for: wasm memory, stable memory and the module. */
  get memoryBytes(): bigint {
    return this.wasmMemoryBytes + BigInt(this.stable.sizeBytes) + BigInt(this.code?.moduleBytes ?? 0);
  }

  /** The balance below which the canister is frozen. */
  get freezingLimit(): bigint {
    return freezingLimit(this.memoryBytes, this.settings.freezingThreshold);
  }

  get frozen(): boolean {
    return this.cycles < this.freezingLimit;
  }

  /** Cycles that can be spent without freezing the canister (may be negative). */
  liquidCycles(): bigint {
    return this.cycles - this.freezingLimit;
  }

  /** Open call contexts, which keep a stopping canister from stopping. */
  get hasOpenCallContexts(): boolean {
    return this.callContexts.size > 0;
  }

  newCallContext(origin: CallOrigin, caller: Uint8Array, method: string, cycles: bigint, deadlineNanos: bigint): CallContext {
    const ctx: CallContext = {
      id: this.nextCallContextId++,
      origin,
      caller,
      method,
      responded: false,
      availableCycles: cycles,
      outstandingCallbacks: 0,
      instructions: 0,
      deadlineNanos,
    };
    this.callContexts.set(ctx.id, ctx);
    return ctx;
  }
}
