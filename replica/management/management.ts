/**
 * The management canister `aaaaa-aa`: canister lifecycle, settings, status and cycles.
 *
 * Each method decodes its Candid argument with the types of ic.did, checks who may
 * call it (controllers for everything that changes a canister), and answers with the
 * Candid reply, a reject, or — for stop_canister — later, once the canister has closed
 * its call contexts (the scheduler completes those).
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { createHash } from 'node:crypto';
import { CANISTER_CREATION_FEE, idleCyclesPerSecond } from '../cycles.ts';
import { ErrorCode, reject, type Reject } from '../errors.ts';
import { defaultSettings, type Canister, type Settings } from '../execution/canister.ts';
import type { Effects } from '../execution/execute.ts';
import { installCode, uninstallCode, type InstallEnv, type InstallMode, type InstallRequest } from '../execution/install.ts';
import type { CallOrigin } from '../execution/types.ts';
import {
  CanisterIdArgs,
  CanisterIdResult,
  CanisterInfoArgs,
  CanisterInfoResult,
  CanisterStatusResult,
  ChunkHash,
  CreateCanisterArgs,
  InstallChunkedCodeArgs,
  InstallCodeArgs,
  ProvisionalCreateCanisterArgs,
  ProvisionalTopUpArgs,
  StoredChunksResult,
  UninstallCodeArgs,
  UpdateSettingsArgs,
  UploadChunkArgs,
  type CanisterSettingsValue,
  type CanisterStatusValue,
  type InstallModeValue,
} from './interface.ts';

/** Cycles a canister gets from provisional_create_canister_with_cycles without an amount (as dfx). */
export const DEFAULT_PROVISIONAL_CYCLES = 100_000_000_000_000n;
/** Largest chunk upload_chunk accepts (1 MiB, as the IC). */
const MAX_CHUNK_BYTES = 1024 * 1024;
const EMPTY_REPLY = new Uint8Array(IDL.encode([], []));

export interface ManagementEnv extends InstallEnv {
  /** Creates a canister with the next free id (or `specifiedId`). */
  createCanister(settings: Settings, cycles: bigint, specifiedId?: Principal): { canister: Canister } | { reject: Reject };
  deleteCanister(c: Canister): void;
  /** Deterministic randomness for raw_rand. */
  randomBytes(n: number): Uint8Array;
}

export interface ManagementCall {
  method: string;
  arg: Uint8Array;
  /** Principal bytes of the caller. */
  caller: Uint8Array;
  /** Whether the caller is a canister (some methods are for canisters only, others not for them). */
  fromCanister: boolean;
  cycles: bigint;
  origin: CallOrigin;
}

export type ManagementOutcome =
  | { kind: 'reply'; data: Uint8Array; refund: bigint; effects?: Effects }
  | { kind: 'reject'; reject: Reject; refund: bigint }
  /** stop_canister: answered later by the scheduler. */
  | { kind: 'pending' };

class ManagementReject extends Error {
  readonly reject: Reject;
  constructor(r: Reject) {
    super(r.message);
    this.reject = r;
  }
}

const fail = (code: ErrorCode, message: string): never => {
  throw new ManagementReject(reject(code, message));
};

/** Executes one call to the management canister. */
export function callManagement(call: ManagementCall, env: ManagementEnv): ManagementOutcome {
  try {
    return dispatch(call, env);
  } catch (e) {
    if (e instanceof ManagementReject) return { kind: 'reject', reject: e.reject, refund: call.cycles };
    throw e;
  }
}

function decode<T>(type: IDL.Type, arg: Uint8Array, method: string): T {
  try {
    // A copy: @dfinity/candid reads a view from the start of its buffer, ignoring its offset.
    return IDL.decode([type], arg.slice())[0] as T;
  } catch (e) {
    return fail(ErrorCode.InvalidManagementPayload, `Error decoding the argument of ic00 method ${method}: ${(e as Error).message}`);
  }
}

const encode = (type: IDL.Type, value: unknown) => new Uint8Array(IDL.encode([type], [value]));

function dispatch(call: ManagementCall, env: ManagementEnv): ManagementOutcome {
  const reply = (data: Uint8Array, effects?: Effects): ManagementOutcome => ({ kind: 'reply', data, refund: call.cycles, ...(effects ? { effects } : {}) });
  const callerText = () => Principal.fromUint8Array(call.caller).toText();
  const target = (id: Principal): Canister => env.canister(id) ?? fail(ErrorCode.CanisterNotFound, `Canister ${id.toText()} not found`);
  const controlled = (id: Principal): Canister => {
    const c = target(id);
    if (!c.isController(call.caller)) {
      fail(ErrorCode.CanisterInvalidController, `Only controllers of canister ${id.toText()} can call ic00 method ${call.method}. Sender ${callerText()} is not one of them.`);
    }
    return c;
  };
  const canisterOnly = () => {
    if (!call.fromCanister) fail(ErrorCode.CanisterRejectedMessage, `Only canisters can call ic00 method ${call.method}`);
  };

  switch (call.method) {
    case 'create_canister': {
      canisterOnly();
      const args = decode<{ settings: [] | [CanisterSettingsValue] }>(CreateCanisterArgs, call.arg, call.method);
      if (call.cycles < CANISTER_CREATION_FEE) {
        fail(
          ErrorCode.InsufficientCyclesForCreateCanister,
          `Creating a canister requires a fee of ${CANISTER_CREATION_FEE} that is deducted from the canister's initial balance but only ${call.cycles} cycles were received with the create_canister request.`,
        );
      }
      const c = created(env.createCanister(applySettings(defaultSettings([Principal.fromUint8Array(call.caller)]), args.settings[0]), call.cycles - CANISTER_CREATION_FEE));
      return { kind: 'reply', data: encode(CanisterIdResult, { canister_id: c.id }), refund: 0n };
    }
    case 'provisional_create_canister_with_cycles': {
      const args = decode<{ amount: [] | [bigint]; settings: [] | [CanisterSettingsValue]; specified_id: [] | [Principal] }>(ProvisionalCreateCanisterArgs, call.arg, call.method);
      const settings = applySettings(defaultSettings([Principal.fromUint8Array(call.caller)]), args.settings[0]);
      const c = created(env.createCanister(settings, args.amount[0] ?? DEFAULT_PROVISIONAL_CYCLES, args.specified_id[0]));
      return reply(encode(CanisterIdResult, { canister_id: c.id }));
    }
    case 'install_code': {
      const args = decode<{ mode: InstallModeValue; canister_id: Principal; wasm_module: Uint8Array | number[]; arg: Uint8Array | number[] }>(InstallCodeArgs, call.arg, call.method);
      const c = controlled(args.canister_id);
      return reply(EMPTY_REPLY, install(c, args.mode, toBytes(args.wasm_module), toBytes(args.arg), call.caller, env));
    }
    case 'install_chunked_code': {
      const args = decode<{
        mode: InstallModeValue;
        target_canister: Principal;
        store_canister: [] | [Principal];
        chunk_hashes_list: Array<{ hash: Uint8Array | number[] }>;
        wasm_module_hash: Uint8Array | number[];
        arg: Uint8Array | number[];
      }>(InstallChunkedCodeArgs, call.arg, call.method);
      const c = controlled(args.target_canister);
      const store = args.store_canister[0] ? controlled(args.store_canister[0]) : c;
      const chunks = args.chunk_hashes_list.map(({ hash }) => {
        const hex = Buffer.from(toBytes(hash)).toString('hex');
        return store.chunkStore.get(hex) ?? fail(ErrorCode.InvalidManagementPayload, `Chunk ${hex} is not in the chunk store of canister ${store.id.toText()}`);
      });
      const wasm = new Uint8Array(Buffer.concat(chunks));
      const hash = createHash('sha256').update(wasm).digest();
      if (!hash.equals(Buffer.from(toBytes(args.wasm_module_hash)))) {
        fail(ErrorCode.InvalidManagementPayload, `The assembled module hash ${hash.toString('hex')} does not match the wasm_module_hash given`);
      }
      return reply(EMPTY_REPLY, install(c, args.mode, wasm, toBytes(args.arg), call.caller, env));
    }
    case 'upload_chunk': {
      const args = decode<{ canister_id: Principal; chunk: Uint8Array | number[] }>(UploadChunkArgs, call.arg, call.method);
      const c = controlled(args.canister_id);
      const chunk = toBytes(args.chunk);
      if (chunk.length > MAX_CHUNK_BYTES) fail(ErrorCode.InvalidManagementPayload, `A chunk may hold at most ${MAX_CHUNK_BYTES} bytes, got ${chunk.length}`);
      const hash = createHash('sha256').update(chunk).digest();
      c.chunkStore.set(hash.toString('hex'), chunk);
      return reply(encode(ChunkHash, { hash: new Uint8Array(hash) }));
    }
    case 'clear_chunk_store': {
      const c = controlled(decode<{ canister_id: Principal }>(CanisterIdArgs, call.arg, call.method).canister_id);
      c.chunkStore.clear();
      return reply(EMPTY_REPLY);
    }
    case 'stored_chunks': {
      const c = controlled(decode<{ canister_id: Principal }>(CanisterIdArgs, call.arg, call.method).canister_id);
      return reply(encode(StoredChunksResult, [...c.chunkStore.keys()].map((hex) => ({ hash: new Uint8Array(Buffer.from(hex, 'hex')) }))));
    }
    case 'uninstall_code': {
      const c = controlled(decode<{ canister_id: Principal }>(UninstallCodeArgs, call.arg, call.method).canister_id);
      return reply(EMPTY_REPLY, uninstallCode(c));
    }
    case 'update_settings': {
      const args = decode<{ canister_id: Principal; settings: CanisterSettingsValue }>(UpdateSettingsArgs, call.arg, call.method);
      const c = controlled(args.canister_id);
      c.settings = applySettings(c.settings, args.settings);
      c.version++;
      return reply(EMPTY_REPLY);
    }
    case 'canister_status': {
      const id = decode<{ canister_id: Principal }>(CanisterIdArgs, call.arg, call.method).canister_id;
      const c = target(id);
      if (!mayReadStatus(c, call.caller)) {
        fail(ErrorCode.CanisterInvalidController, `Only controllers of canister ${id.toText()} can call ic00 method canister_status. Sender ${callerText()} is not one of them.`);
      }
      return reply(encode(CanisterStatusResult, canisterStatus(c)));
    }
    case 'canister_info': {
      canisterOnly();
      const c = target(decode<{ canister_id: Principal }>(CanisterInfoArgs, call.arg, call.method).canister_id);
      return reply(
        encode(CanisterInfoResult, {
          total_num_changes: 0n,
          recent_changes: [],
          module_hash: c.code ? [c.code.moduleHash] : [],
          controllers: c.settings.controllers,
        }),
      );
    }
    case 'start_canister': {
      const c = controlled(decode<{ canister_id: Principal }>(CanisterIdArgs, call.arg, call.method).canister_id);
      const effects: Effects = { calls: [], responses: [] };
      for (const waiter of c.stopWaiters) {
        effects.responses.push({
          origin: waiter.origin,
          payload: { kind: 'reject', reject: reject(ErrorCode.CanisterStoppingCancelled, `Canister ${c.id.toText()}'s stop request was cancelled by start_canister.`) },
          refund: 0n,
        });
      }
      c.stopWaiters = [];
      c.status = 'running';
      return reply(EMPTY_REPLY, effects);
    }
    case 'stop_canister': {
      const c = controlled(decode<{ canister_id: Principal }>(CanisterIdArgs, call.arg, call.method).canister_id);
      if (c.status === 'stopped') return reply(EMPTY_REPLY);
      c.status = 'stopping';
      c.stopWaiters.push({ origin: call.origin });
      return { kind: 'pending' };
    }
    case 'delete_canister': {
      const c = controlled(decode<{ canister_id: Principal }>(CanisterIdArgs, call.arg, call.method).canister_id);
      if (c.status !== 'stopped') fail(ErrorCode.CanisterNotStopped, `Canister ${c.id.toText()} must be stopped before it is deleted.`);
      env.deleteCanister(c);
      return reply(EMPTY_REPLY);
    }
    case 'deposit_cycles': {
      const c = target(decode<{ canister_id: Principal }>(CanisterIdArgs, call.arg, call.method).canister_id);
      c.cycles += call.cycles;
      return { kind: 'reply', data: EMPTY_REPLY, refund: 0n };
    }
    case 'provisional_top_up_canister': {
      const args = decode<{ canister_id: Principal; amount: bigint }>(ProvisionalTopUpArgs, call.arg, call.method);
      target(args.canister_id).cycles += args.amount;
      return reply(EMPTY_REPLY);
    }
    case 'raw_rand': {
      canisterOnly();
      return reply(encode(IDL.Vec(IDL.Nat8), env.randomBytes(32)));
    }
    default:
      return fail(ErrorCode.UnknownManagementMessage, `Management canister has no method '${call.method}'`);
  }
}

function created(result: { canister: Canister } | { reject: Reject }): Canister {
  if ('reject' in result) throw new ManagementReject(result.reject);
  return result.canister;
}

function install(c: Canister, mode: InstallModeValue, wasm: Uint8Array, arg: Uint8Array, sender: Uint8Array, env: ManagementEnv): Effects {
  const req: InstallRequest = { mode: installModeName(mode), wasm, arg, sender };
  if ('upgrade' in mode && mode.upgrade[0]) {
    const options = mode.upgrade[0];
    if (options.skip_pre_upgrade[0]) req.skipPreUpgrade = true;
    const persistence = options.wasm_memory_persistence[0];
    if (persistence) req.wasmMemoryPersistence = 'keep' in persistence ? 'keep' : 'replace';
  }
  const { error, effects } = installCode(c, req, env);
  if (error) throw new ManagementReject(error);
  return effects;
}

function installModeName(mode: InstallModeValue): InstallMode {
  if ('install' in mode) return 'install';
  if ('reinstall' in mode) return 'reinstall';
  return 'upgrade';
}

function mayReadStatus(c: Canister, caller: Uint8Array): boolean {
  if (c.isController(caller) || Buffer.from(caller).equals(Buffer.from(c.idBytes))) return true;
  const v = c.settings.statusVisibility;
  if ('public' in v) return true;
  if ('allowed_viewers' in v) return v.allowed_viewers.some((p) => Buffer.from(p.toUint8Array()).equals(Buffer.from(caller)));
  return false;
}

/** Applies the fields present in `update` (absent means unchanged). */
export function applySettings(current: Settings, update: CanisterSettingsValue | undefined): Settings {
  if (!update) return current;
  const next = { ...current };
  if (update.controllers[0]) next.controllers = update.controllers[0];
  if (update.compute_allocation[0] !== undefined) next.computeAllocation = update.compute_allocation[0];
  if (update.memory_allocation[0] !== undefined) next.memoryAllocation = update.memory_allocation[0];
  if (update.freezing_threshold[0] !== undefined) next.freezingThreshold = update.freezing_threshold[0];
  if (update.reserved_cycles_limit[0] !== undefined) next.reservedCyclesLimit = update.reserved_cycles_limit[0];
  if (update.minimum_incoming_canister_call_cycles[0] !== undefined) next.minimumIncomingCanisterCallCycles = update.minimum_incoming_canister_call_cycles[0];
  if (update.log_visibility[0]) next.logVisibility = update.log_visibility[0];
  if (update.log_memory_limit[0] !== undefined) next.logMemoryLimit = update.log_memory_limit[0];
  if (update.snapshot_visibility[0]) next.snapshotVisibility = update.snapshot_visibility[0];
  if (update.status_visibility[0]) next.statusVisibility = update.status_visibility[0];
  if (update.wasm_memory_limit[0] !== undefined) next.wasmMemoryLimit = update.wasm_memory_limit[0];
  if (update.wasm_memory_threshold[0] !== undefined) next.wasmMemoryThreshold = update.wasm_memory_threshold[0];
  if (update.environment_variables[0]) next.environmentVariables = update.environment_variables[0];
  return next;
}

/** The full canister_status record of `c`. */
export function canisterStatus(c: Canister): CanisterStatusValue {
  const s = c.settings;
  const wasmBytes = c.wasmMemoryBytes;
  const stableBytes = BigInt(c.stable.sizeBytes);
  const moduleBytes = BigInt(c.code?.moduleBytes ?? 0);
  return {
    status: { [c.status]: null } as CanisterStatusValue['status'],
    ready_for_migration: c.status === 'stopped',
    version: c.version,
    settings: {
      controllers: s.controllers,
      compute_allocation: s.computeAllocation,
      memory_allocation: s.memoryAllocation,
      freezing_threshold: s.freezingThreshold,
      reserved_cycles_limit: s.reservedCyclesLimit,
      minimum_incoming_canister_call_cycles: s.minimumIncomingCanisterCallCycles,
      log_visibility: s.logVisibility,
      log_memory_limit: s.logMemoryLimit,
      snapshot_visibility: s.snapshotVisibility,
      status_visibility: s.statusVisibility,
      wasm_memory_limit: s.wasmMemoryLimit,
      wasm_memory_threshold: s.wasmMemoryThreshold,
      environment_variables: s.environmentVariables,
    },
    module_hash: c.code ? [c.code.moduleHash] : [],
    memory_size: c.memoryBytes,
    memory_metrics: {
      wasm_memory_size: wasmBytes,
      stable_memory_size: stableBytes,
      global_memory_size: BigInt((c.code?.compiled.prepared.mutableGlobalExports.length ?? 0) * 8),
      wasm_binary_size: moduleBytes,
      custom_sections_size: BigInt([...(c.code?.compiled.prepared.customSections.values() ?? [])].reduce((n, b) => n + b.length, 0)),
      canister_history_size: 0n,
      wasm_chunk_store_size: BigInt([...c.chunkStore.values()].reduce((n, b) => n + b.length, 0)),
      snapshots_size: 0n,
      log_memory_store_size: 0n,
    },
    cycles: c.cycles,
    reserved_cycles: 0n,
    idle_cycles_burned_per_day: idleCyclesPerSecond(c.memoryBytes) * 86_400n,
    query_stats: {
      num_calls_total: c.stats.queryCalls,
      num_instructions_total: c.stats.queryInstructions,
      request_payload_bytes_total: c.stats.queryRequestBytes,
      response_payload_bytes_total: c.stats.queryResponseBytes,
    },
  };
}

function toBytes(v: Uint8Array | number[]): Uint8Array {
  return v instanceof Uint8Array ? v : Uint8Array.from(v);
}
