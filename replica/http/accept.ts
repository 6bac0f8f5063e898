/**
 * The checks every request passes before a handler acts on it, in the IC's order
 * (dfinity/ic `rs/http_endpoints/public/src/call.rs` `validate_ingress_message`):
 * 1. the body decodes as an envelope of the endpoint's request type;
 * 2. a call or query addresses the canister its URL names (management calls excepted);
 * 3. `ingress_expiry` is in range;
 * 4. the signature and delegations authenticate the sender.
 */
import type { Principal } from '@dfinity/principal';
import { authenticateRequest, type DelegationTargets } from './authentication.ts';
import { checkIngressExpiry, decodeEnvelope, type ContentOf, type RequestContent, type RequestEnvelope, type RequestType } from './envelope.ts';
import { MalformedRequestError } from './errors.ts';

/** A request that passed the checks. */
export interface AcceptedRequest<T extends RequestType> {
  readonly envelope: RequestEnvelope<ContentOf<T>>;
  /** The canisters the sender's delegations allow it to address. */
  readonly targets: DelegationTargets;
}

/**
 * Decodes and checks a request.
 *
 * @param effectiveId The principal in the URL. Calls and queries must address it unless
 *   they address the management canister; `read_state` checks it per path instead.
 * @param nowNanos Wall-clock time, nanoseconds since the Unix epoch.
 * @throws RequestRefusedError subclasses (400): malformed body, effective id mismatch,
 *   expiry out of range, failed authentication.
 */
export function acceptRequest<T extends RequestType>(body: Uint8Array, type: T, effectiveId: Principal, nowNanos: bigint): AcceptedRequest<T> {
  const envelope = decodeEnvelope(body, type);
  const content: RequestContent = envelope.content;
  if (content.requestType !== 'read_state' && !isManagementCanister(content.canisterId) && content.canisterId.compareTo(effectiveId) !== 'eq') {
    // The IC enforces this because boundary nodes filter by the URL's id while the replica
    // executes `canister_id`; a mismatch would let a blocked canister be reached.
    throw new MalformedRequestError(
      `Specified CanisterId ${content.canisterId.toText()} does not match effective canister id in URL ${effectiveId.toText()}`,
    );
  }
  checkIngressExpiry(content, nowNanos);
  return { envelope, targets: authenticateRequest(envelope, nowNanos) };
}

/** Whether `id` is the management canister `aaaaa-aa` (the empty principal). */
export function isManagementCanister(id: Principal): boolean {
  return id.toUint8Array().length === 0;
}
