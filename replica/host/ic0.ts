/**
 * The `ic0` import object: the IC System API as seen by canister wasm.
 *
 * Every import checks that the current execution context may call it (see
 * {@link ALLOWED}) and traps otherwise. Pointers and sizes arrive as i64 (BigInt) for
 * wasm64 modules and as i32 (number) for wasm32; results typed `I` in the specification
 * are returned in the module's pointer width.
 *
 * Effects that must survive only if the execution returns (replies, calls, timers,
 * certified data) are staged on the {@link Execution}; the executor applies them on
 * commit. Cycle moves change the balance directly; the executor restores the balance
 * after a trap.
 */
import { Principal } from '@dfinity/principal';
import { ErrorCode, Trap } from '../errors.ts';
import { ALLOWED, type ApiKind } from './api-kinds.ts';
import type { Execution } from '../execution/types.ts';
import type { StableMemory } from '../state/stable-memory.ts';
import type { WasmInstance } from '../execution/wasm-instance.ts';
import { concatBytes } from '@noble/hashes/utils';

/** What the System API needs from the canister it runs in. */
export interface HostCanister {
  readonly idBytes: Uint8Array;
  cycles: bigint;
  /** Cycles that may be spent without freezing the canister. */
  liquidCycles(): bigint;
  /** 1 running, 2 stopping, 3 stopped. */
  readonly statusCode: number;
  readonly version: bigint;
  isController(principal: Uint8Array): boolean;
  readonly stable: StableMemory;
  /** The global timer currently set (nanoseconds, 0 = none), before this execution's change. */
  readonly globalTimer: bigint;
  readonly environmentVariables: ReadonlyArray<{ name: string; value: string }>;
  debugPrint(message: string): void;
}

/** What the System API needs from the replica. */
export interface HostReplica {
  readonly subnetIdBytes: Uint8Array;
  readonly rootKeyDer: Uint8Array;
  readonly maxCallPayloadBytes: number;
  /** Fee for sending a call of `bytes` payload bytes. */
  callFee(bytes: number): bigint;
  readonly canisterCreationFee: bigint;
}

/** The mutable link between the imports, the instance they belong to and the execution that runs now. */
export class Sandbox {
  exec: Execution | undefined;
  instance: WasmInstance | undefined;
  #view: Uint8Array | undefined;

  /**
   * A view of the memory the canister sees (its logical size, see wasm/instrument.ts);
   * refreshed when memory.grow replaced the buffer or the size changed.
   */
  heap(): Uint8Array {
    const buffer = this.instance!.memory.buffer;
    const size = this.instance!.memoryBytes;
    if (!this.#view || this.#view.buffer !== buffer || this.#view.length !== size) this.#view = new Uint8Array(buffer, 0, size);
    return this.#view;
  }

  /** Journals a host write of `length` bytes at `start` into wasm memory (see MemoryJournal.touch). */
  journalWrite(start: number, length: number): void {
    this.instance!.journal.touch(start, length);
  }

  /** Counts System API work as instructions; traps past the message's limit. */
  charge(instructions: number): void {
    this.instance!.charge(instructions);
  }
}

/**
 * Fixed instructions charged per System API call (dfinity/ic
 * `rs/embedders/src/wasmtime_embedder/system_api_complexity.rs`, `overhead`): 500 unless
 * listed here. Calls that copy data also pay one instruction per byte.
 */
const API_OVERHEAD: Record<string, number> = {
  call_new: 1_500,
  call_perform: 5_000,
  debug_print: 100,
  is_controller: 1_000,
  performance_counter: 200,
  stable_read: 20,
  stable_write: 20,
  stable_size: 20,
  stable64_read: 20,
  stable64_write: 20,
  stable64_size: 20,
};
const DEFAULT_API_OVERHEAD = 500;

type Num = number | bigint;
const MAX_CYCLES = (1n << 128n) - 1n;
const MAX_PRINCIPAL_BYTES = 29;
/** A bounded-wait call's timeout is clamped to this (dfinity/ic system_api.rs MAX_CALL_TIMEOUT). */
const MAX_CALL_TIMEOUT_SECONDS = 300;

export function createIc0(host: HostCanister, replica: HostReplica, sandbox: Sandbox, memory64: boolean): Record<string, (...args: Num[]) => Num | void> {
  const ptr = memory64 ? (n: number): Num => BigInt(n) : (n: number): Num => n;
  const u = (x: Num) => Number(x);

  const exec = (name: string): Execution => {
    const e = sandbox.exec;
    if (!e) throw new Trap(ErrorCode.CanisterContractViolation, `"ic0.${name}" called outside of an execution`);
    sandbox.charge(API_OVERHEAD[name] ?? DEFAULT_API_OVERHEAD);
    if (!ALLOWED[name].has(e.kind)) {
      throw new Trap(ErrorCode.CanisterContractViolation, `"ic0.${name}" cannot be executed in ${describe(e.kind)} mode`);
    }
    return e;
  };

  /** Checks the context of an import that only reads; always truthy, so `read(name) && value` yields value. */
  const read = (name: string): true => {
    exec(name);
    return true;
  };

  const bounds = (name: string, off: number, size: number, limit: number) => {
    if (off < 0 || size < 0 || off + size > limit) {
      throw new Trap(ErrorCode.CanisterTrapped, `ic0.${name}: out of bounds access (offset ${off}, size ${size}, length ${limit})`);
    }
  };
  const readHeap = (name: string, src: Num, size: Num): Uint8Array => {
    sandbox.charge(u(size));
    const heap = sandbox.heap();
    bounds(name, u(src), u(size), heap.length);
    return heap.slice(u(src), u(src) + u(size));
  };
  /** The `*_copy(dst, offset, size)` idiom: copy `data[offset..offset+size]` to heap at dst. */
  const copyOut = (name: string, data: Uint8Array, dst: Num, offset: Num, size: Num) => {
    sandbox.charge(u(size));
    const heap = sandbox.heap();
    bounds(name, u(offset), u(size), data.length);
    bounds(name, u(dst), u(size), heap.length);
    sandbox.journalWrite(u(dst), u(size));
    heap.set(data.subarray(u(offset), u(offset) + u(size)), u(dst));
  };
  const writeCycles = (name: string, dst: Num, amount: bigint) => {
    const heap = sandbox.heap();
    bounds(name, u(dst), 16, heap.length);
    sandbox.journalWrite(u(dst), 16);
    const view = new DataView(heap.buffer, heap.byteOffset);
    view.setBigUint64(u(dst), amount & 0xffff_ffff_ffff_ffffn, true);
    view.setBigUint64(u(dst) + 8, amount >> 64n, true);
  };
  const cycles128 = (high: Num, low: Num) => (BigInt.asUintN(64, BigInt(high)) << 64n) | BigInt.asUintN(64, BigInt(low));
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const lossy = new TextDecoder();

  const responded = (e: Execution) => e.response !== undefined || e.callContext?.responded === true;
  const respond = (name: string, e: Execution) => {
    if (responded(e)) throw new Trap(ErrorCode.CanisterContractViolation, `ic0.${name}: the call was already answered`);
    if (!e.callContext) throw new Trap(ErrorCode.CanisterContractViolation, `ic0.${name}: no call to answer`);
  };
  const pending = (name: string, e: Execution) => {
    if (!e.pendingCall) throw new Trap(ErrorCode.CanisterContractViolation, `ic0.${name} called when no call is under construction`);
    return e.pendingCall;
  };
  const discardPending = (e: Execution) => {
    if (e.pendingCall) {
      host.cycles += e.pendingCall.cycles;
      e.pendingCall = undefined;
    }
  };
  const envVars = () => host.environmentVariables;
  const encode = (s: string) => new TextEncoder().encode(s);

  return {
    msg_arg_data_size: () => ptr(exec('msg_arg_data_size').arg?.length ?? 0),
    msg_arg_data_copy: (dst, off, size) => copyOut('msg_arg_data_copy', exec('msg_arg_data_copy').arg ?? new Uint8Array(), dst, off, size),
    msg_caller_size: () => ptr(exec('msg_caller_size').caller.length),
    msg_caller_copy: (dst, off, size) => copyOut('msg_caller_copy', exec('msg_caller_copy').caller, dst, off, size),
    msg_reject_code: () => exec('msg_reject_code').rejectCode,
    msg_reject_msg_size: () => {
      const e = exec('msg_reject_msg_size');
      return ptr(encode(e.rejectMessage ?? '').length);
    },
    msg_reject_msg_copy: (dst, off, size) => {
      const e = exec('msg_reject_msg_copy');
      copyOut('msg_reject_msg_copy', encode(e.rejectMessage ?? ''), dst, off, size);
    },
    msg_deadline: () => exec('msg_deadline').callContext?.deadlineNanos ?? 0n,
    msg_reply_data_append: (src, size) => {
      const e = exec('msg_reply_data_append');
      respond('msg_reply_data_append', e);
      if (e.replyBytes + u(size) > e.maxReplyBytes) {
        throw new Trap(ErrorCode.CanisterContractViolation, `ic0.msg_reply_data_append: reply of ${e.replyBytes + u(size)} bytes exceeds the limit of ${e.maxReplyBytes} bytes`);
      }
      e.replyChunks.push(readHeap('msg_reply_data_append', src, size));
      e.replyBytes += u(size);
    },
    msg_reply: () => {
      const e = exec('msg_reply');
      respond('msg_reply', e);
      e.response = { kind: 'reply', data: concatBytes(...e.replyChunks) };
      e.replyChunks = [];
      e.replyBytes = 0;
    },
    msg_reject: (src, size) => {
      const e = exec('msg_reject');
      respond('msg_reject', e);
      let message: string;
      try {
        message = utf8.decode(readHeap('msg_reject', src, size));
      } catch {
        throw new Trap(ErrorCode.CanisterContractViolation, 'ic0.msg_reject: the reject message is not valid UTF-8');
      }
      e.response = { kind: 'reject', reject: { code: 4, message, errorCode: ErrorCode.CanisterRejectedMessage } };
    },
    msg_cycles_available128: (dst) => {
      const e = exec('msg_cycles_available128');
      writeCycles('msg_cycles_available128', dst, e.callContext?.responded ? 0n : (e.callContext?.availableCycles ?? 0n));
    },
    msg_cycles_refunded128: (dst) => writeCycles('msg_cycles_refunded128', dst, exec('msg_cycles_refunded128').refunded),
    msg_cycles_accept128: (high, low, dst) => {
      const e = exec('msg_cycles_accept128');
      const ctx = e.callContext;
      const wanted = cycles128(high, low);
      const available = ctx && !ctx.responded ? ctx.availableCycles : 0n;
      const amount = wanted < available ? wanted : available;
      if (ctx) ctx.availableCycles -= amount;
      host.cycles += amount;
      writeCycles('msg_cycles_accept128', dst, amount);
    },
    cycles_burn128: (high, low, dst) => {
      exec('cycles_burn128');
      const wanted = cycles128(high, low);
      const liquid = host.liquidCycles();
      const amount = wanted < liquid ? wanted : liquid > 0n ? liquid : 0n;
      host.cycles -= amount;
      writeCycles('cycles_burn128', dst, amount);
    },
    canister_self_size: () => ptr(read('canister_self_size') && host.idBytes.length),
    canister_self_copy: (dst, off, size) => {
      exec('canister_self_copy');
      copyOut('canister_self_copy', host.idBytes, dst, off, size);
    },
    canister_cycle_balance128: (dst) => {
      exec('canister_cycle_balance128');
      writeCycles('canister_cycle_balance128', dst, host.cycles);
    },
    canister_liquid_cycle_balance128: (dst) => {
      exec('canister_liquid_cycle_balance128');
      const liquid = host.liquidCycles();
      writeCycles('canister_liquid_cycle_balance128', dst, liquid > 0n ? liquid : 0n);
    },
    canister_status: () => {
      exec('canister_status');
      return host.statusCode;
    },
    canister_version: () => {
      exec('canister_version');
      return host.version;
    },
    subnet_self_size: () => ptr(read('subnet_self_size') && replica.subnetIdBytes.length),
    subnet_self_copy: (dst, off, size) => {
      exec('subnet_self_copy');
      copyOut('subnet_self_copy', replica.subnetIdBytes, dst, off, size);
    },
    root_key_size: () => ptr(read('root_key_size') && replica.rootKeyDer.length),
    root_key_copy: (dst, off, size) => {
      exec('root_key_copy');
      copyOut('root_key_copy', replica.rootKeyDer, dst, off, size);
    },
    msg_method_name_size: () => ptr(encode(exec('msg_method_name_size').methodName ?? '').length),
    msg_method_name_copy: (dst, off, size) => {
      const e = exec('msg_method_name_copy');
      copyOut('msg_method_name_copy', encode(e.methodName ?? ''), dst, off, size);
    },
    accept_message: () => {
      const e = exec('accept_message');
      if (e.accepted) throw new Trap(ErrorCode.CanisterContractViolation, 'ic0.accept_message called twice');
      e.accepted = true;
    },
    call_new: (calleeSrc, calleeSize, nameSrc, nameSize, replyFun, replyEnv, rejectFun, rejectEnv) => {
      const e = exec('call_new');
      discardPending(e);
      const callee = readHeap('call_new', calleeSrc, calleeSize);
      if (callee.length > MAX_PRINCIPAL_BYTES) throw new Trap(ErrorCode.CanisterContractViolation, `ic0.call_new: callee id of ${callee.length} bytes is not a principal`);
      const method = lossy.decode(readHeap('call_new', nameSrc, nameSize));
      e.pendingCall = {
        callee,
        method,
        argChunks: [],
        argBytes: 0,
        cycles: 0n,
        onReply: { fun: BigInt(replyFun), env: BigInt(replyEnv) },
        onReject: { fun: BigInt(rejectFun), env: BigInt(rejectEnv) },
      };
    },
    call_on_cleanup: (fun, env) => {
      const call = pending('call_on_cleanup', exec('call_on_cleanup'));
      if (call.onCleanup) throw new Trap(ErrorCode.CanisterContractViolation, 'ic0.call_on_cleanup can be called at most once between ic0.call_new and ic0.call_perform');
      call.onCleanup = { fun: BigInt(fun), env: BigInt(env) };
    },
    call_data_append: (src, size) => {
      const call = pending('call_data_append', exec('call_data_append'));
      const total = call.method.length + call.argBytes + u(size);
      if (total > replica.maxCallPayloadBytes) {
        throw new Trap(
          ErrorCode.CanisterContractViolation,
          `Request to ${call.method} has a payload size of ${total}, which exceeds the allowed limit of ${replica.maxCallPayloadBytes}.`,
        );
      }
      call.argChunks.push(readHeap('call_data_append', src, size));
      call.argBytes += u(size);
    },
    call_with_best_effort_response: (seconds) => {
      const call = pending('call_with_best_effort_response', exec('call_with_best_effort_response'));
      if (call.timeoutSeconds !== undefined) throw new Trap(ErrorCode.CanisterContractViolation, 'ic0.call_with_best_effort_response called twice for one call');
      call.timeoutSeconds = Math.min(u(seconds) >>> 0, MAX_CALL_TIMEOUT_SECONDS);
    },
    call_cycles_add128: (high, low) => {
      const call = pending('call_cycles_add128', exec('call_cycles_add128'));
      const amount = cycles128(high, low);
      if (amount > host.liquidCycles()) {
        throw new Trap(ErrorCode.InsufficientCyclesInCall, `ic0.call_cycles_add128: cannot add ${amount} cycles, only ${host.liquidCycles()} are available`);
      }
      host.cycles -= amount;
      call.cycles += amount;
    },
    call_perform: () => {
      const e = exec('call_perform');
      const call = pending('call_perform', e);
      e.pendingCall = undefined;
      const fee = replica.callFee(call.argBytes);
      if (fee > host.liquidCycles()) {
        host.cycles += call.cycles;
        return 2; // not performed: the canister cannot pay for sending
      }
      host.cycles -= fee;
      e.outgoing.push({
        callee: Principal.fromUint8Array(call.callee),
        method: call.method,
        arg: concatBytes(...call.argChunks),
        cycles: call.cycles,
        ...(call.timeoutSeconds === undefined ? {} : { timeoutSeconds: call.timeoutSeconds }),
        callback: {
          callee: Principal.fromUint8Array(call.callee),
          method: call.method,
          onReply: call.onReply,
          onReject: call.onReject,
          ...(call.onCleanup ? { onCleanup: call.onCleanup } : {}),
          cyclesSent: call.cycles,
        },
      });
      return 0;
    },
    stable64_size: () => BigInt(read('stable64_size') && host.stable.sizePages),
    stable64_grow: (pages) => BigInt(read('stable64_grow') && host.stable.grow(u(pages))),
    stable64_read: (dst, off, size) => {
      exec('stable64_read');
      sandbox.charge(u(size));
      const heap = sandbox.heap();
      bounds('stable64_read', u(dst), u(size), heap.length);
      sandbox.journalWrite(u(dst), u(size));
      host.stable.read(u(off), heap, u(dst), u(size));
    },
    stable64_write: (off, src, size) => {
      exec('stable64_write');
      sandbox.charge(u(size));
      const heap = sandbox.heap();
      bounds('stable64_write', u(src), u(size), heap.length);
      host.stable.write(u(off), heap, u(src), u(size));
    },
    stable_size: () => {
      exec('stable_size');
      if (host.stable.sizePages > 65536) throw new Trap(ErrorCode.CanisterContractViolation, 'ic0.stable_size: stable memory is larger than 4 GiB, use ic0.stable64_size');
      return host.stable.sizePages;
    },
    stable_grow: (pages) => {
      exec('stable_grow');
      if (host.stable.sizePages + u(pages) > 65536) return -1;
      return host.stable.grow(u(pages));
    },
    stable_read: (dst, off, size) => {
      exec('stable_read');
      sandbox.charge(u(size));
      const heap = sandbox.heap();
      bounds('stable_read', u(dst), u(size), heap.length);
      sandbox.journalWrite(u(dst), u(size));
      host.stable.read(u(off), heap, u(dst), u(size));
    },
    stable_write: (off, src, size) => {
      exec('stable_write');
      sandbox.charge(u(size));
      const heap = sandbox.heap();
      bounds('stable_write', u(src), u(size), heap.length);
      host.stable.write(u(off), heap, u(src), u(size));
    },
    certified_data_set: (src, size) => {
      const e = exec('certified_data_set');
      if (u(size) > 32) throw new Trap(ErrorCode.CanisterContractViolation, `ic0.certified_data_set: ${u(size)} bytes is more than the 32 allowed`);
      e.certifiedData = readHeap('certified_data_set', src, size);
    },
    data_certificate_present: () => (read('data_certificate_present') && 0),
    data_certificate_size: () => {
      exec('data_certificate_size');
      throw new Trap(ErrorCode.CanisterContractViolation, 'ic0.data_certificate_size: no data certificate is present');
    },
    data_certificate_copy: () => {
      exec('data_certificate_copy');
      throw new Trap(ErrorCode.CanisterContractViolation, 'ic0.data_certificate_copy: no data certificate is present');
    },
    time: () => exec('time').timeNanos,
    global_timer_set: (timestamp) => {
      const e = exec('global_timer_set');
      if (!e.replicated) throw new Trap(ErrorCode.CanisterContractViolation, '"ic0.global_timer_set" cannot be executed in non-replicated mode');
      const previous = e.timer ?? host.globalTimer;
      e.timer = BigInt.asUintN(64, BigInt(timestamp));
      return previous;
    },
    performance_counter: (type) => {
      const e = exec('performance_counter');
      const instructions = sandbox.instance!.instructions;
      if (u(type) === 0) return instructions;
      if (u(type) === 1) return instructions + BigInt(e.callContext?.instructions ?? 0);
      throw new Trap(ErrorCode.CanisterContractViolation, `ic0.performance_counter: unknown counter type ${u(type)}`);
    },
    is_controller: (src, size) => {
      exec('is_controller');
      const principal = readHeap('is_controller', src, size);
      if (principal.length > MAX_PRINCIPAL_BYTES) throw new Trap(ErrorCode.CanisterContractViolation, `ic0.is_controller: ${principal.length} bytes is not a principal`);
      return host.isController(principal) ? 1 : 0;
    },
    in_replicated_execution: () => (exec('in_replicated_execution').replicated ? 1 : 0),
    debug_print: (src, size) => {
      // Never traps, even out of bounds (specification).
      try {
        const heap = sandbox.heap();
        const from = Math.max(0, Math.min(u(src), heap.length));
        const to = Math.max(from, Math.min(u(src) + u(size), heap.length));
        host.debugPrint(lossy.decode(heap.subarray(from, to)));
      } catch {
        /* debug_print must not trap */
      }
    },
    trap: (src, size) => {
      const heap = sandbox.heap();
      const from = Math.min(u(src), heap.length);
      const to = Math.min(u(src) + u(size), heap.length);
      throw new Trap(ErrorCode.CanisterCalledTrap, lossy.decode(heap.subarray(from, to)));
    },
    cost_call: (methodNameSize, payloadSize, dst) => {
      exec('cost_call');
      writeCycles('cost_call', dst, replica.callFee(u(methodNameSize) + u(payloadSize)));
    },
    cost_create_canister: (dst) => {
      exec('cost_create_canister');
      writeCycles('cost_create_canister', dst, replica.canisterCreationFee);
    },
    cost_http_request: (requestSize, maxResponseBytes, dst) => {
      exec('cost_http_request');
      // HTTPS outcalls are not supported; the price formula is the IC's for a 13-node subnet.
      const cost = (3_000_000n + 60_000n * 13n) * 13n + 400n * 13n * BigInt(u(requestSize)) + 800n * 13n * BigInt(u(maxResponseBytes));
      writeCycles('cost_http_request', dst, cost > MAX_CYCLES ? MAX_CYCLES : cost);
    },
    cost_sign_with_ecdsa: () => {
      exec('cost_sign_with_ecdsa');
      return 2; // no such key on this replica
    },
    cost_sign_with_schnorr: () => {
      exec('cost_sign_with_schnorr');
      return 2;
    },
    cost_vetkd_derive_key: () => {
      exec('cost_vetkd_derive_key');
      return 2;
    },
    env_var_count: () => ptr(read('env_var_count') && envVars().length),
    env_var_name_size: (index) => ptr(encode(envVar('env_var_name_size', exec('env_var_name_size'), u(index)).name).length),
    env_var_name_copy: (index, dst, off, size) => {
      const v = envVar('env_var_name_copy', exec('env_var_name_copy'), u(index));
      copyOut('env_var_name_copy', encode(v.name), dst, off, size);
    },
    env_var_name_exists: (src, size) => {
      exec('env_var_name_exists');
      const name = lossy.decode(readHeap('env_var_name_exists', src, size));
      return envVars().some((v) => v.name === name) ? 1 : 0;
    },
    env_var_value_size: (src, size) => {
      exec('env_var_value_size');
      return ptr(encode(envValue('env_var_value_size', lossy.decode(readHeap('env_var_value_size', src, size)))).length);
    },
    env_var_value_copy: (src, size, dst, off, copySize) => {
      exec('env_var_value_copy');
      const value = envValue('env_var_value_copy', lossy.decode(readHeap('env_var_value_copy', src, size)));
      copyOut('env_var_value_copy', encode(value), dst, off, copySize);
    },
  };

  function envVar(name: string, _e: Execution, index: number) {
    const v = envVars()[index];
    if (!v) throw new Trap(ErrorCode.CanisterContractViolation, `ic0.${name}: no environment variable at index ${index}`);
    return v;
  }
  function envValue(name: string, key: string) {
    const v = envVars().find((x) => x.name === key);
    if (!v) throw new Trap(ErrorCode.CanisterContractViolation, `ic0.${name}: no environment variable named ${key}`);
    return v.value;
  }
}


const KIND_NAMES: Record<ApiKind, string> = {
  start: 'start',
  init: 'init',
  pre_upgrade: 'pre_upgrade',
  update: 'update',
  replicated_query: 'replicated query',
  query: 'non-replicated query',
  composite_query: 'composite query',
  reply: 'reply callback',
  reject: 'reject callback',
  cq_reply: 'composite query reply callback',
  cq_reject: 'composite query reject callback',
  cleanup: 'cleanup',
  inspect: 'inspect message',
  system_task: 'system task',
};
function describe(kind: ApiKind): string {
  return KIND_NAMES[kind];
}
