/**
 * `POST /api/{v2,v3}/canister/<id>/query`: runs a query on the replica and answers with
 * the outcome signed by the replica's node key, which the agent checks by default
 * (`verifyQuerySignatures`).
 */
import type { Principal } from '@dfinity/principal';
import { acceptRequest } from './accept.ts';
import { cborAnswer, type HttpAnswer, type ServerContext } from './exchange.ts';
import { signQueryResponse, type QueryOutcome } from './query-signature.ts';
import { encodeQueryResponse } from './responses.ts';

/**
 * Answers a query. A reject (no such canister or method, a trap) is a 200 answer with
 * status `rejected`, as on the IC.
 *
 * @param effectiveId The canister id in the URL.
 * @throws RequestRefusedError subclasses (400) for a request that fails the checks of accept.ts.
 */
export function query(ctx: ServerContext, effectiveId: Principal, body: Uint8Array): HttpAnswer {
  const nowNanos = ctx.nowNanos();
  const { envelope } = acceptRequest(body, 'query', effectiveId, nowNanos);
  const { canisterId, methodName, arg, sender } = envelope.content;
  const result = ctx.replica.query(canisterId, methodName, arg, { sender });
  const outcome: QueryOutcome = result.kind === 'reply' ? { status: 'replied', reply: result.data } : { status: 'rejected', reject: result.reject };
  // The timestamp is the wall clock: agents refuse signatures more than 5 minutes old.
  return cborAnswer(encodeQueryResponse(outcome, signQueryResponse(outcome, envelope.requestId, nowNanos, ctx.replica.keys)));
}
