/**
 * The replica's message-level vocabulary: call contexts, callbacks, messages in canister
 * queues, and the record of one execution while it runs.
 */
import type { Principal } from '@dfinity/principal';
import type { Reject } from '../errors.ts';
import type { ApiKind } from '../host/api-kinds.ts';

/** A wasm closure: a table index and an environment word (i64 for Motoko). */
export interface Closure {
  fun: bigint;
  env: bigint;
}

/** Where the answer to a call goes. */
export type CallOrigin =
  | { kind: 'ingress'; messageId: string }
  | { kind: 'canister'; canister: Principal; callbackId: number }
  /** Heartbeats and timers: nobody waits for the answer. */
  | { kind: 'system' };

export type ResponsePayload = { kind: 'reply'; data: Uint8Array } | { kind: 'reject'; reject: Reject };

/** A call being served by a canister (IC spec: call context). */
export interface CallContext {
  id: number;
  origin: CallOrigin;
  /** Principal bytes of the caller (empty for the management canister / system). */
  caller: Uint8Array;
  method: string;
  responded: boolean;
  /** Cycles sent with the call and not yet accepted. */
  availableCycles: bigint;
  /** Calls made in this context whose callbacks have not run yet. */
  outstandingCallbacks: number;
  /** Instructions used by earlier executions of this context (performance_counter(1)). */
  instructions: number;
  /** Deadline of a bounded-wait call in nanoseconds, 0 for unbounded. */
  deadlineNanos: bigint;
}

export interface Callback {
  id: number;
  callContextId: number;
  callee: Principal;
  method: string;
  onReply: Closure;
  onReject: Closure;
  onCleanup?: Closure;
  cyclesSent: bigint;
}

/** A message waiting in a canister's input queue. */
export type Message =
  | {
      type: 'request';
      caller: Uint8Array;
      method: string;
      arg: Uint8Array;
      cycles: bigint;
      origin: CallOrigin;
      deadlineNanos: bigint;
    }
  | { type: 'response'; callbackId: number; payload: ResponsePayload; refund: bigint }
  | { type: 'timer' }
  | { type: 'heartbeat' };

/** A call made with call_new … call_perform, sent only if the execution commits. */
export interface OutgoingCall {
  callee: Principal;
  method: string;
  arg: Uint8Array;
  cycles: bigint;
  callback: Omit<Callback, 'id' | 'callContextId'>;
  timeoutSeconds?: number;
}

/** A call under construction between call_new and call_perform. */
export interface PendingCall {
  callee: Uint8Array;
  method: string;
  argChunks: Uint8Array[];
  argBytes: number;
  cycles: bigint;
  onReply: Closure;
  onReject: Closure;
  onCleanup?: Closure;
  timeoutSeconds?: number;
}

/** What an execution may see and what it changes; its effects are applied only if it returns. */
export interface Execution {
  kind: ApiKind;
  timeNanos: bigint;
  caller: Uint8Array;
  /** msg_arg_data: the call argument, or the reply payload in a reply callback. */
  arg?: Uint8Array;
  rejectCode: number;
  rejectMessage?: string;
  callContext?: CallContext;
  /** Cycles refunded with the response this callback handles. */
  refunded: bigint;
  /** inspect_message: the method called, and whether accept_message ran. */
  methodName?: string;
  accepted: boolean;
  replyChunks: Uint8Array[];
  replyBytes: number;
  maxReplyBytes: number;
  response?: ResponsePayload;
  pendingCall?: PendingCall;
  outgoing: OutgoingCall[];
  /** Staged global timer (nanoseconds, 0 = none), applied on commit. */
  timer?: bigint;
  certifiedData?: Uint8Array;
  /** Instructions counted in this execution (for performance_counter). */
  instructions: number;
  /** True in replicated mode (in_replicated_execution). */
  replicated: boolean;
}

export function newExecution(kind: ApiKind, timeNanos: bigint, caller: Uint8Array, fields: Partial<Execution> = {}): Execution {
  return {
    kind,
    timeNanos,
    caller,
    rejectCode: 0,
    refunded: 0n,
    accepted: false,
    replyChunks: [],
    replyBytes: 0,
    maxReplyBytes: 2 * 1024 * 1024,
    outgoing: [],
    instructions: 0,
    replicated: true,
    ...fields,
  };
}
