/**
 * Fault injection, for tests: faults the IC can produce, on demand. Off unless a test
 * calls {@link Replica.injectFaults}.
 *
 * Every fault stays within the IC's guarantees, so canisters must already cope with it:
 *  - an inter-canister call can be rejected with SYS_TRANSIENT (a full queue, a subnet
 *    under load) instead of being delivered;
 *  - any execution can trap (here: after it ran, so everything it did rolls back);
 *  - responses to different calls may arrive in any order (here: some are held back a few
 *    rounds), while requests from one canister to another keep their order.
 * Running a canister out of cycles is {@link Replica.setCyclesBalance}; killing the
 * replica is killing its process (see replica/state).
 */
import type { Principal } from '@dfinity/principal';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { ApiKind } from './host/api-kinds.ts';

export interface FaultInjection {
  /** Whether to reject this inter-canister call with SYS_TRANSIENT instead of delivering it. */
  rejectCall?(call: { from: Principal; to: Principal; method: string }): boolean;
  /** Whether this replicated execution traps once it has run (its changes roll back). */
  trapExecution?(execution: { canister: Principal; kind: ApiKind; method: string | undefined }): boolean;
  /** Rounds to hold back this response before it reaches the caller's queue (0: none). */
  delayResponse?(response: { to: Principal; callbackId: number }): number;
}

export interface RandomFaultOptions {
  seed: number;
  /**
   * Share of calls between two canisters rejected with SYS_TRANSIENT. @default 0
   * Not self-calls: Motoko's timers run their jobs as self-calls and stop for good when one
   * is rejected, and the IC rejects a self-call only when the canister's own queue is full.
   */
  rejectCalls?: number;
  /** Share of update calls and their callbacks that trap (see {@link USER_CODE}). @default 0 */
  trapExecutions?: number;
  /** Share of responses held back. @default 0 */
  delayResponses?: number;
  /** Most rounds a response is held back. @default 5 */
  maxDelayRounds?: number;
  /** Only these canisters' executions trap, and only calls they make or receive fail. @default all */
  canisters?: Principal[];
}

/** Faults drawn at random with the given shares, reproducibly from `seed`. */
export function randomFaults(options: RandomFaultOptions): FaultInjection & { readonly injected: FaultCounts } {
  const rng = xoroshiro128plus(options.seed);
  const next = () => uniformFloat64(rng);
  const only = options.canisters ? new Set(options.canisters.map((p) => p.toText())) : undefined;
  const concerns = (...ids: Principal[]) => !only || ids.some((id) => only.has(id.toText()));
  const injected: FaultCounts = { rejectedCalls: 0, trappedExecutions: 0, delayedResponses: 0 };
  return {
    injected,
    rejectCall: ({ from, to }) => from.toText() !== to.toText() && concerns(from, to) && next() < (options.rejectCalls ?? 0) && ++injected.rejectedCalls > 0,
    trapExecution: ({ canister, kind, method }) =>
      USER_CODE.has(kind) && !runtimeEntry(kind, method) && concerns(canister) && next() < (options.trapExecutions ?? 0) && ++injected.trappedExecutions > 0,
    delayResponse: ({ to }) => {
      if (!concerns(to) || next() >= (options.delayResponses ?? 0)) return 0;
      injected.delayedResponses++;
      return 1 + Math.floor(next() * (options.maxDelayRounds ?? 5));
    },
  };
}

/** The executions random faults trap: update calls and the callbacks that continue them. */
const USER_CODE: ReadonlySet<ApiKind> = new Set(['update', 'reply', 'reject']);

/**
 * Executions of Motoko's runtime rather than of the canister's code, which random faults
 * spare: the global timer and heartbeat entry points and their callbacks, and the
 * `__motoko_async_helper` self-call that starts an `async` function (it also carries the
 * timer dispatcher, which re-arms the canister's timer: a trap there stops every timer of
 * the canister, on the IC too; a runtime bug, not a fault the IC produces). The callbacks
 * that continue such functions after an await are the canister's code and may trap.
 */
function runtimeEntry(kind: ApiKind, method: string | undefined): boolean {
  return method === undefined || method.startsWith('canister_') || (kind === 'update' && method === '__motoko_async_helper');
}

export interface FaultCounts {
  rejectedCalls: number;
  trappedExecutions: number;
  delayedResponses: number;
}
