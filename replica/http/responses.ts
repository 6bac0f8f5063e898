/**
 * CBOR bodies of the HTTP interface's successful (200) responses, as the IC encodes them
 * (dfinity/ic `rs/http_endpoints/public`). All are self-described CBOR (tag 55799).
 * Refusals before execution are plain text instead; see `errors.ts`.
 */
import { encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { queryResponseFields, type NodeSignature, type QueryOutcome } from './query-signature.ts';
import type { HttpReject } from './types.ts';

/** Options of {@link encodeStatus}. */
export interface StatusOptions {
  /** The 133-byte DER root key; the only field agents read. */
  readonly rootKeyDer: Uint8Array;
  /** Free-form implementation version. */
  readonly implVersion: string;
}

/** The interface specification version the replica implements, as `/api/v2/status` reports it. */
export const IC_API_VERSION = '0.18.0';

/**
 * `GET /api/v2/status`: `{ic_api_version, impl_version, replica_health_status, root_key}`.
 * The embedded replica serves as soon as it exists, so it is always `healthy`.
 */
export function encodeStatus(options: StatusOptions): Uint8Array {
  return encodeWithSelfDescribedTag({
    ic_api_version: IC_API_VERSION,
    impl_version: options.implVersion,
    replica_health_status: 'healthy',
    root_key: options.rootKeyDer,
  });
}

/**
 * `POST /api/v3/canister/<id>/call`, answered once the call finished: `{status: "replied",
 * certificate}`. The status is "replied" whether the call replied or was rejected; the
 * certificate's `request_status/<id>/status` tells which (dfinity/ic `call_sync`).
 *
 * @param certificate A certificate holding `request_status/<request_id>` and `time`.
 */
export function encodeSyncCallResponse(certificate: Uint8Array): Uint8Array {
  return encodeWithSelfDescribedTag({ status: 'replied', certificate });
}

/**
 * `POST /api/v3/canister/<id>/call` refused before execution (no such canister, refused
 * by `canister_inspect_message`, …): `{status: "non_replicated_rejection", reject_code,
 * reject_message, error_code}`. The agent throws an uncertified reject.
 */
export function encodeNonReplicatedRejection(reject: HttpReject): Uint8Array {
  return encodeWithSelfDescribedTag({ status: 'non_replicated_rejection', ...rejectFields(reject) });
}

/**
 * `POST /api/v2/canister/<id>/call` refused before execution: the same fields without a
 * `status`. (Accepted v2 calls get 202 with an empty body.)
 */
export function encodeAsyncCallRejection(reject: HttpReject): Uint8Array {
  return encodeWithSelfDescribedTag(rejectFields(reject));
}

/**
 * `POST /api/v2/canister/<id>/query`: the outcome's fields plus `signatures`.
 *
 * @param signatures From `signQueryResponse` over the same outcome.
 */
export function encodeQueryResponse(outcome: QueryOutcome, signatures: readonly NodeSignature[]): Uint8Array {
  // `<unknown>`: the encoder takes readonly arrays, which its `CborValue` type does not list.
  return encodeWithSelfDescribedTag<unknown>({ ...queryResponseFields(outcome), signatures });
}

/** `POST /api/v2/canister/<id>/read_state` and `/api/v3/subnet/<id>/read_state`: `{certificate}`. */
export function encodeReadStateResponse(certificate: Uint8Array): Uint8Array {
  return encodeWithSelfDescribedTag({ certificate });
}

function rejectFields(reject: HttpReject) {
  return {
    reject_code: reject.code,
    reject_message: reject.message,
    ...(reject.errorCode !== undefined && { error_code: reject.errorCode }),
  };
}
