/**
 * `POST /api/v2/canister/<id>/call` (async) and `/api/{v3,v4}/canister/<id>/call`,
 * `/api/v4/subnet/<id>/call` (sync): submit an update call as an ingress message.
 *
 * The request id (hex) is the replica's message id, so `read_state` finds the message's
 * status under `request_status/<request id>`. A request id the replica already knows is
 * not submitted again: agents resend the same request after a transport error or a 5xx,
 * and the IC executes an ingress message at most once.
 *
 * Answers (dfinity/ic `call_v2.rs`, `call_sync.rs`):
 * - refused before execution (no such canister, stopped, out of cycles, refused by
 *   `canister_inspect_message`): 200 with the reject (sync: `non_replicated_rejection`);
 * - async: 202, empty body;
 * - sync: 200 `{status: "replied", certificate}` once answered (the certificate's
 *   `request_status` says replied or rejected), or 202 after `syncCallTimeoutMs`, after
 *   which the agent polls `read_state`.
 */
import type { Principal } from '@dfinity/principal';
import { bytesToHex } from '@noble/hashes/utils';
import { IngressTooLargeError, type SubmitResult } from '../replica.ts';
import { acceptRequest, isManagementCanister } from './accept.ts';
import { awaitAnswer, driveInBackground } from './await-answer.ts';
import type { CallContent, RequestEnvelope } from './envelope.ts';
import { cborAnswer, type HttpAnswer, type ServerContext } from './exchange.ts';
import { certifyRequestStatus } from './read-state.ts';
import { PayloadTooLargeError } from './refusals.ts';
import { encodeAsyncCallRejection, encodeNonReplicatedRejection, encodeSyncCallResponse } from './responses.ts';
import type { Scope } from './router.ts';

/** The 202 body of a sync call that outlived its wait (the IC's wording). */
export const SYNC_CALL_TIMEOUT_TEXT = 'Message did not complete execution and certification within the replica defined timeout.';

/**
 * Answers a call.
 *
 * @param mode `async` for v2, `sync` for v3 and v4.
 * @param scope `subnet` for `/api/v4/subnet/<id>/call`: the call has no effective canister.
 * @param effectiveId The principal in the URL.
 * @throws RequestRefusedError subclasses: 400 for a request that fails the checks of
 *   accept.ts, 413 for an argument over the IC's 2 MiB ingress limit.
 */
export async function call(ctx: ServerContext, mode: 'async' | 'sync', scope: Scope, effectiveId: Principal, body: Uint8Array): Promise<HttpAnswer> {
  const nowNanos = ctx.nowNanos();
  const { envelope } = acceptRequest(body, 'call', effectiveId, nowNanos);
  const messageId = bytesToHex(envelope.requestId);
  if (!ctx.replica.ingressStatus(messageId)) {
    const submitted = submit(ctx, envelope, scope === 'canister' ? effectiveId : undefined, messageId);
    if ('reject' in submitted) {
      return cborAnswer(mode === 'sync' ? encodeNonReplicatedRejection(submitted.reject) : encodeAsyncCallRejection(submitted.reject));
    }
    const { sender, canisterId, ingressExpiryNanos } = envelope.content;
    const receiver = isManagementCanister(canisterId) ? effectiveId : canisterId;
    ctx.ingress.record(messageId, { sender, receiver, expiryNanos: ingressExpiryNanos }, nowNanos);
  }
  // Started before any wait, so a stepped replica reaches the answer even when the wait
  // ends first (async mode, or a sync call that times out) and the agent polls instead.
  driveInBackground(ctx.replica, messageId);
  if (mode === 'async') return { status: 202 };
  const answered = await awaitAnswer(ctx.replica, messageId, ctx.syncCallTimeoutMs);
  if (!answered) return { status: 202, body: SYNC_CALL_TIMEOUT_TEXT };
  return cborAnswer(encodeSyncCallResponse(certifyRequestStatus(ctx, envelope.requestId)));
}

/** Answers are kept a little past expiry, so a poll that raced the expiry still finds one. */
const RETENTION_GRACE_MS = 60_000;

function submit(ctx: ServerContext, envelope: RequestEnvelope<CallContent>, effectiveCanisterId: Principal | undefined, messageId: string): SubmitResult {
  const { canisterId, methodName, arg, sender, ingressExpiryNanos } = envelope.content;
  try {
    // The answer stays readable through read_state until the request expires, as on the IC.
    const retainUntilMs = Number(ingressExpiryNanos / 1_000_000n) + RETENTION_GRACE_MS;
    return ctx.replica.submitCall(canisterId, methodName, arg, { sender, messageId, retainUntilMs, ...(effectiveCanisterId && { effectiveCanisterId }) });
  } catch (error) {
    if (!(error instanceof IngressTooLargeError)) throw error;
    throw new PayloadTooLargeError(
      `Request ${messageId} is too large. Message byte size ${error.sizeBytes} is larger than the max allowed ${error.limitBytes}.`,
    );
  }
}
