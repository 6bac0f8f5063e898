/**
 * Runs messages on canisters with the IC's atomicity:
 *
 *  1. Before an execution, wasm memory, globals, stable memory and the cycle balance are
 *     captured. A trap puts them all back and drops everything the execution staged
 *     (reply, calls, timer, certified data).
 *  2. An execution that returns commits, whether or not it answered its call: so a
 *     Motoko `await` commits what ran before it, and the continuation is a separate
 *     callback execution.
 *  3. A callback that traps is rolled back, then its cleanup runs on the state before
 *     the callback and keeps its own changes unless it traps too.
 *  4. A call context that has no outstanding callbacks and no answer is answered for
 *     the canister: with the trap that ended it, or with "did not reply" (IC0506).
 *
 * The executor never routes messages itself; it returns {@link Effects} for the
 * scheduler to deliver.
 */
import type { Principal } from '@dfinity/principal';
import { UPDATE_MESSAGE_EXECUTION_FEE, cyclesPerInstruction } from '../cycles.ts';
import { ErrorCode, Trap, reject, type Reject } from '../errors.ts';
import type { ApiKind } from '../host/api-kinds.ts';
import type { HostReplica } from '../host/ic0.ts';
import type { Canister } from './canister.ts';
import { newExecution, type CallContext, type CallOrigin, type Execution, type Message, type OutgoingCall, type ResponsePayload } from './types.ts';
import { instructionLimitTrap, type WasmInstance } from './wasm-instance.ts';

export const MAX_REPLY_BYTES = 2 * 1024 * 1024;
export const MAX_QUERY_REPLY_BYTES = 3 * 1024 * 1024;
/** Depth of nested calls a composite query may make (IC: QueryCallGraphTooDeep, IC0525). */
const MAX_COMPOSITE_QUERY_DEPTH = 6;

export interface ExecutionEnv extends HostReplica {
  /** The round's time in nanoseconds since the Unix epoch. */
  readonly timeNanos: bigint;
  /** Canister lookup, for composite queries. */
  canister(id: Principal): Canister | undefined;
  /** Called after every execution, for the trace. */
  onExecuted(canister: Canister, exec: Execution, trap: Trap | undefined): void;
  /** Fault injection (tests): whether this replicated execution traps once it has run. */
  injectTrap?(canister: Canister, exec: Execution): boolean;
}

/** What a message execution asks the scheduler to deliver. */
export interface Effects {
  calls: Array<{ from: Canister; callbackId: number; call: OutgoingCall }>;
  responses: Array<{ origin: CallOrigin; payload: ResponsePayload; refund: bigint }>;
}

const emptyEffects = (): Effects => ({ calls: [], responses: [] });

/** How an execution's changes are kept. */
type Persistence =
  | 'commit' // replicated: keep everything
  | 'discard' // queries and inspect: always roll back
  | 'keep-memory'; // a step of a (composite) query: keep heap changes until the query ends

/**
 * Instruction limits per message (dfinity/developer-docs `resource-limits.md`): 40 B for
 * updates, callbacks and timers, 5 B for queries, 300 B for install and upgrade, 200 M
 * for inspect_message.
 */
export function instructionLimit(kind: ApiKind): bigint {
  switch (kind) {
    case 'query':
    case 'composite_query':
    case 'cq_reply':
    case 'cq_reject':
      return 5_000_000_000n;
    case 'inspect':
      return 200_000_000n;
    case 'start':
    case 'init':
    case 'pre_upgrade':
      return 300_000_000_000n;
    default:
      return 40_000_000_000n;
  }
}

/** Runs `entry` as one atomic execution; returns the trap that aborted it, if any. */
function run(c: Canister, exec: Execution, entry: (instance: WasmInstance) => void, persistence: Persistence, env: ExecutionEnv): Trap | undefined {
  const code = c.code!;
  const instance = code.instance;
  const limit = instructionLimit(exec.kind);
  const savedCycles = c.cycles;
  const ctx = exec.callContext;
  const savedAvailable = ctx?.availableCycles ?? 0n;
  if (persistence === 'keep-memory') {
    instance.resetCounter(limit);
  } else {
    instance.begin(limit);
    c.stable.begin();
  }
  code.sandbox.exec = exec;
  let trap: Trap | undefined;
  try {
    entry(instance);
  } catch (e) {
    trap = instance.instructions > limit ? instructionLimitTrap(limit) : toTrap(e);
  } finally {
    code.sandbox.exec = undefined;
  }
  if (!trap && persistence === 'commit' && env.injectTrap?.(c, exec)) trap = new Trap(ErrorCode.CanisterTrapped, 'injected fault: the execution trapped after it ran');
  exec.instructions = Number(instance.instructions);
  if (!trap && exec.pendingCall) {
    // A call built but never performed is discarded and its cycles return.
    c.cycles += exec.pendingCall.cycles;
    exec.pendingCall = undefined;
  }
  if (!trap && persistence === 'commit') trap = checkMemoryLimit(c);
  if (persistence === 'keep-memory') {
    // The query rolls the canister back when it ends.
  } else if (trap || persistence === 'discard') {
    instance.rollback();
    c.stable.rollback();
    c.cycles = savedCycles;
    if (ctx) ctx.availableCycles = savedAvailable;
  } else {
    instance.commit();
    c.stable.commit();
    if (exec.timer !== undefined) c.globalTimer = exec.timer;
    if (exec.certifiedData) c.certifiedData = exec.certifiedData;
    c.version++;
  }
  // Replicated executions pay for their instructions; a replicated query too, though its
  // changes are discarded (the IC charges it as an update).
  if (persistence === 'commit' || exec.kind === 'replicated_query') chargeInstructions(c, exec.instructions);
  c.stats.instructionsTotal += BigInt(exec.instructions);
  env.onExecuted(c, exec, trap);
  return trap;
}

/** Replicated executions pay for their instructions, trapped or not. */
function chargeInstructions(c: Canister, instructions: number): void {
  const fee = BigInt(instructions) * cyclesPerInstruction(c.code?.compiled.prepared.memory.memory64 ?? true);
  c.cycles = c.cycles > fee ? c.cycles - fee : 0n;
}

function checkMemoryLimit(c: Canister): Trap | undefined {
  const limit = c.settings.wasmMemoryLimit;
  if (limit > 0n && c.wasmMemoryBytes > limit) {
    return new Trap(ErrorCode.CanisterWasmMemoryLimitExceeded, `exceeded its current Wasm memory limit of ${limit} bytes (it uses ${c.wasmMemoryBytes} bytes)`);
  }
  return undefined;
}

/** Maps anything thrown by wasm or the System API to a trap. */
export function toTrap(e: unknown): Trap {
  if (e instanceof Trap) return e;
  if (e instanceof WebAssembly.RuntimeError) return new Trap(ErrorCode.CanisterTrapped, e.message);
  if (e instanceof RangeError && /call stack/i.test(e.message)) return new Trap(ErrorCode.CanisterTrapped, 'stack overflow');
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return new Trap(ErrorCode.CanisterTrapped, `the replica failed while executing: ${detail}`);
}

/** The reject a caller sees for a trap in canister `c`. */
export function trapReject(c: Canister, trap: Trap): Reject {
  const id = c.id.toText();
  switch (trap.errorCode) {
    case ErrorCode.CanisterCalledTrap:
      return reject(trap.errorCode, `Canister ${id} trapped explicitly: ${trap.message}`);
    case ErrorCode.CanisterTrapped:
      return reject(trap.errorCode, `Canister ${id} trapped: ${trap.message}`);
    case ErrorCode.CanisterContractViolation:
      return reject(trap.errorCode, `Canister ${id} violated contract: ${trap.message}`);
    default:
      return reject(trap.errorCode, `Canister ${id} ${trap.message}`);
  }
}

export function didNotReply(c: Canister): Reject {
  return reject(ErrorCode.CanisterDidNotReply, `Canister ${c.id.toText()} did not produce a response`);
}

export function emptyCanister(c: Canister): Reject {
  return reject(ErrorCode.CanisterWasmModuleNotFound, `Canister ${c.id.toText()} is empty: no Wasm module is installed`);
}

export function outOfCycles(c: Canister): Reject {
  return reject(ErrorCode.CanisterOutOfCycles, `Canister ${c.id.toText()} is out of cycles: it has ${c.cycles} and needs more than its freezing limit of ${c.freezingLimit}. Top it up with deposit_cycles.`);
}

function respond(ctx: CallContext, payload: ResponsePayload, effects: Effects): void {
  ctx.responded = true;
  effects.responses.push({ origin: ctx.origin, payload, refund: ctx.availableCycles });
  ctx.availableCycles = 0n;
}

/** Bookkeeping after a request or callback execution (invariant 4 above). */
function finish(c: Canister, ctx: CallContext, exec: Execution, trap: Trap | undefined, effects: Effects): void {
  ctx.instructions += exec.instructions;
  if (trap) {
    if (!ctx.responded && ctx.outstandingCallbacks === 0) respond(ctx, { kind: 'reject', reject: trapReject(c, trap) }, effects);
  } else {
    for (const call of exec.outgoing) {
      const id = c.nextCallbackId++;
      c.callbacks.set(id, { ...call.callback, id, callContextId: ctx.id });
      ctx.outstandingCallbacks++;
      effects.calls.push({ from: c, callbackId: id, call });
    }
    if (exec.response) respond(ctx, exec.response, effects);
    else if (!ctx.responded && ctx.outstandingCallbacks === 0) respond(ctx, { kind: 'reject', reject: didNotReply(c) }, effects);
  }
  if (ctx.outstandingCallbacks === 0) c.callContexts.delete(ctx.id);
}

/** Answers a request without executing it (empty canister, no such method, no cycles). */
function refuse(msg: Extract<Message, { type: 'request' }>, r: Reject): Effects {
  return { calls: [], responses: [{ origin: msg.origin, payload: { kind: 'reject', reject: r }, refund: msg.cycles }] };
}

/** Executes the next message of canister `c`'s queue. */
export function executeMessage(c: Canister, msg: Message, env: ExecutionEnv): Effects {
  switch (msg.type) {
    case 'request':
      return executeRequest(c, msg, env);
    case 'response':
      return executeResponse(c, msg, env);
    case 'timer':
      return executeSystemTask(c, 'canister_global_timer', env);
    case 'heartbeat':
      return executeSystemTask(c, 'canister_heartbeat', env);
  }
}

function executeRequest(c: Canister, msg: Extract<Message, { type: 'request' }>, env: ExecutionEnv): Effects {
  const code = c.code;
  if (!code) return refuse(msg, emptyCanister(c));
  let exportName = `canister_update ${msg.method}`;
  let kind: 'update' | 'replicated_query' = 'update';
  if (!code.instance.has(exportName)) {
    exportName = `canister_query ${msg.method}`;
    kind = 'replicated_query';
    if (!code.instance.has(exportName)) {
      if (code.instance.has(`canister_composite_query ${msg.method}`)) {
        return refuse(msg, reject(ErrorCode.CompositeQueryCalledInReplicatedMode, `Composite query ${msg.method} of canister ${c.id.toText()} cannot be called in replicated mode`));
      }
      return refuse(msg, reject(ErrorCode.CanisterMethodNotFound, `Canister ${c.id.toText()} has no update method '${msg.method}'`));
    }
  }
  if (c.liquidCycles() < UPDATE_MESSAGE_EXECUTION_FEE) return refuse(msg, outOfCycles(c));
  c.cycles -= UPDATE_MESSAGE_EXECUTION_FEE;

  const effects = emptyEffects();
  const ctx = c.newCallContext(msg.origin, msg.caller, msg.method, msg.cycles, msg.deadlineNanos);
  const exec = newExecution(kind, env.timeNanos, msg.caller, { arg: msg.arg, callContext: ctx, maxReplyBytes: MAX_REPLY_BYTES });
  const trap = run(c, exec, (i) => i.call(exportName), kind === 'update' ? 'commit' : 'discard', env);
  finish(c, ctx, exec, trap, effects);
  return effects;
}

function executeResponse(c: Canister, msg: Extract<Message, { type: 'response' }>, env: ExecutionEnv): Effects {
  const effects = emptyEffects();
  const cb = c.callbacks.get(msg.callbackId);
  if (!cb) return effects; // abandoned by a reinstall or uninstall
  c.callbacks.delete(msg.callbackId);
  c.cycles += msg.refund;
  const ctx = c.callContexts.get(cb.callContextId)!;
  ctx.outstandingCallbacks--;
  if (!c.code) {
    finish(c, ctx, newExecution('reject', env.timeNanos, ctx.caller), new Trap(ErrorCode.CanisterWasmModuleNotFound, 'is empty: no Wasm module is installed'), effects);
    return effects;
  }
  const isReply = msg.payload.kind === 'reply';
  const exec = newExecution(isReply ? 'reply' : 'reject', env.timeNanos, ctx.caller, {
    callContext: ctx,
    refunded: msg.refund,
    maxReplyBytes: MAX_REPLY_BYTES,
    ...(msg.payload.kind === 'reply'
      ? { arg: msg.payload.data }
      : { rejectCode: msg.payload.reject.code, rejectMessage: msg.payload.reject.message }),
  });
  const closure = isReply ? cb.onReply : cb.onReject;
  const trap = run(c, exec, (i) => i.callClosure(closure.fun, closure.env), 'commit', env);
  if (trap && cb.onCleanup) {
    const cleanup = cb.onCleanup;
    const cexec = newExecution('cleanup', env.timeNanos, ctx.caller, { callContext: ctx, rejectCode: exec.rejectCode });
    run(c, cexec, (i) => i.callClosure(cleanup.fun, cleanup.env), 'commit', env);
  }
  finish(c, ctx, exec, trap, effects);
  return effects;
}

function executeSystemTask(c: Canister, exportName: 'canister_global_timer' | 'canister_heartbeat', env: ExecutionEnv): Effects {
  const effects = emptyEffects();
  if (!c.code?.instance.has(exportName) || c.status !== 'running') return effects;
  if (c.liquidCycles() < UPDATE_MESSAGE_EXECUTION_FEE) return effects;
  c.cycles -= UPDATE_MESSAGE_EXECUTION_FEE;
  const ctx = c.newCallContext({ kind: 'system' }, new Uint8Array(), exportName, 0n, 0n);
  const exec = newExecution('system_task', env.timeNanos, new Uint8Array(), { callContext: ctx });
  const trap = run(c, exec, (i) => i.call(exportName), 'commit', env);
  finish(c, ctx, exec, trap, effects);
  return effects;
}

/**
 * Runs `canister_inspect_message` for an ingress update call. Returns the reject when
 * the canister refuses the message, as the IC does (dfinity/ic `execution/
 * inspect_message.rs`): a trap answers with the trap's own error (`err.into_user_error`,
 * e.g. IC0503 or IC0522), and returning without accept_message with IC0406 "Requested
 * canister rejected the message".
 */
export function executeInspect(c: Canister, method: string, arg: Uint8Array, caller: Uint8Array, env: ExecutionEnv): Reject | undefined {
  if (!c.code?.instance.has('canister_inspect_message')) return undefined;
  const exec = newExecution('inspect', env.timeNanos, caller, { arg, methodName: method, replicated: false });
  const trap = run(c, exec, (i) => i.call('canister_inspect_message'), 'discard', env);
  if (trap) return trapReject(c, trap);
  if (!exec.accepted) return reject(ErrorCode.CanisterRejectedMessage, 'Requested canister rejected the message');
  return undefined;
}

/**
 * Executes a query in non-replicated mode (an ingress query). State changes are always
 * discarded; a composite query's calls run synchronously, and every canister it touches
 * is put back as it was when the query ends. A trap anywhere in a composite query's call
 * graph answers the whole query with that trap.
 */
export function executeQuery(c: Canister, method: string, arg: Uint8Array, caller: Uint8Array, env: ExecutionEnv): ResponsePayload {
  const touched = new Set<Canister>();
  try {
    return queryCall(c, method, arg, caller, env, touched, 0);
  } finally {
    for (const canister of touched) {
      canister.code?.instance.rollback();
      canister.stable.rollback();
    }
  }
}

function queryCall(c: Canister, method: string, arg: Uint8Array, caller: Uint8Array, env: ExecutionEnv, touched: Set<Canister>, depth: number): ResponsePayload {
  const fail = (r: Reject): ResponsePayload => ({ kind: 'reject', reject: r });
  const code = c.code;
  if (!code) return fail(emptyCanister(c));
  const composite = code.instance.has(`canister_composite_query ${method}`);
  const exportName = composite ? `canister_composite_query ${method}` : `canister_query ${method}`;
  if (!code.instance.has(exportName)) return fail(reject(ErrorCode.CanisterMethodNotFound, `Canister ${c.id.toText()} has no query method '${method}'`));
  if (depth > MAX_COMPOSITE_QUERY_DEPTH) return fail(reject(ErrorCode.QueryCallGraphTooDeep, `Composite query call graph is deeper than ${MAX_COMPOSITE_QUERY_DEPTH}`));

  c.stats.queryCalls++;
  c.stats.queryRequestBytes += BigInt(arg.length);
  if (!touched.has(c)) {
    touched.add(c);
    code.instance.begin(instructionLimit('query'));
    c.stable.begin();
  }
  const ctx: CallContext = { id: 0, origin: { kind: 'system' }, caller, method, responded: false, availableCycles: 0n, outstandingCallbacks: 0, instructions: 0, deadlineNanos: 0n };
  const exec = newExecution(composite ? 'composite_query' : 'query', env.timeNanos, caller, { arg, callContext: ctx, replicated: false, maxReplyBytes: MAX_QUERY_REPLY_BYTES });
  const trap = run(c, exec, (i) => i.call(exportName), 'keep-memory', env);
  c.stats.queryInstructions += BigInt(exec.instructions);
  if (trap) return fail(trapReject(c, trap));

  let response = exec.response;
  const pending = [...exec.outgoing];
  while (!response && pending.length > 0) {
    const call = pending.shift()!;
    const callee = env.canister(call.callee);
    const result = callee
      ? queryCall(callee, call.method, call.arg, c.idBytes, env, touched, depth + 1)
      : fail(reject(ErrorCode.CanisterNotFound, `Canister ${call.callee.toText()} not found`));
    const isReply = result.kind === 'reply';
    const cbExec = newExecution(isReply ? 'cq_reply' : 'cq_reject', env.timeNanos, caller, {
      callContext: ctx,
      replicated: false,
      maxReplyBytes: MAX_QUERY_REPLY_BYTES,
      ...(result.kind === 'reply' ? { arg: result.data } : { rejectCode: result.reject.code, rejectMessage: result.reject.message }),
    });
    const closure = isReply ? call.callback.onReply : call.callback.onReject;
    const cbTrap = run(c, cbExec, (i) => i.callClosure(closure.fun, closure.env), 'keep-memory', env);
    c.stats.queryInstructions += BigInt(cbExec.instructions);
    if (cbTrap) return fail(trapReject(c, cbTrap));
    response = cbExec.response;
    pending.push(...cbExec.outgoing);
  }
  if (!response) return fail(didNotReply(c));
  if (response.kind === 'reply') c.stats.queryResponseBytes += BigInt(response.data.length);
  return response;
}
