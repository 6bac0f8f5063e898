/**
 * Node signatures on query responses.
 *
 * With `verifyQuerySignatures` (the default), `@dfinity/agent` 3.4.3 (`HttpAgent`
 * `#verifyQueryResponse`) checks the first signature: Ed25519 by the key certified at
 * `subnet/<subnet_id>/node/<identity>/public_key`, over
 * `"\x0Bic-response" ‖ hash_of_map(fields ∪ {timestamp, request_id})`, where `fields` are the
 * response's own `status`, `reply` or `reject_code`, `reject_message`, `error_code`. It
 * hashes the fields as it decoded them, so the signed fields and the sent fields come from
 * one function, {@link queryResponseFields}. It also refuses a first timestamp older than
 * 5 minutes (its `ingressExpiryInMinutes`).
 */
import { IC_RESPONSE_DOMAIN_SEPARATOR, hashOfMap } from '@dfinity/agent';
import { concatBytes } from '@noble/hashes/utils';
import type { ReplicaKeys } from './keys.ts';
import type { HttpReject } from './types.ts';

/** What a query produced. */
export type QueryOutcome =
  | { readonly status: 'replied'; /** Candid-encoded reply. */ readonly reply: Uint8Array }
  | { readonly status: 'rejected'; readonly reject: HttpReject };

/** A query response's wire fields apart from `signatures`. */
export type QueryResponseFields =
  | { readonly status: 'replied'; readonly reply: { readonly arg: Uint8Array } }
  | {
      readonly status: 'rejected';
      readonly reject_code: number;
      readonly reject_message: string;
      readonly error_code?: string;
    };

/** One entry of a query response's `signatures`. */
export interface NodeSignature {
  /** When the node signed, nanoseconds since the Unix epoch. */
  readonly timestamp: bigint;
  /** 64-byte Ed25519 signature. */
  readonly signature: Uint8Array;
  /** The signing node's id (principal bytes). */
  readonly identity: Uint8Array;
}

/** The wire fields of a query outcome (`error_code` left out when the reject has none). */
export function queryResponseFields(outcome: QueryOutcome): QueryResponseFields {
  if (outcome.status === 'replied') return { status: 'replied', reply: { arg: outcome.reply } };
  const { code, message, errorCode } = outcome.reject;
  return {
    status: 'rejected',
    reject_code: code,
    reject_message: message,
    ...(errorCode !== undefined && { error_code: errorCode }),
  };
}

/**
 * Signs a query response as the replica's node.
 *
 * @param requestId The query's request id (32 bytes).
 * @param timestampNanos Signing time, nanoseconds since the Unix epoch; keep it near the
 *   wall clock, since agents refuse signatures more than 5 minutes old.
 * @returns The response's `signatures` array: one signature, by the one node.
 * @example
 * const outcome: QueryOutcome = { status: 'replied', reply };
 * const body = encodeQueryResponse(outcome, signQueryResponse(outcome, envelope.requestId, nowNanos, keys));
 */
export function signQueryResponse(
  outcome: QueryOutcome,
  requestId: Uint8Array,
  timestampNanos: bigint,
  keys: Pick<ReplicaKeys, 'nodeId' | 'signWithNodeKey'>,
): NodeSignature[] {
  const hash = hashOfMap({ ...queryResponseFields(outcome), timestamp: timestampNanos, request_id: requestId });
  return [
    {
      timestamp: timestampNanos,
      signature: keys.signWithNodeKey(concatBytes(IC_RESPONSE_DOMAIN_SEPARATOR, hash)),
      identity: keys.nodeId.toUint8Array(),
    },
  ];
}
