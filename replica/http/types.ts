/** Types shared by the HTTP interface's modules. */

/**
 * A reject as it reaches an ingress sender: in a certified `request_status`, a query
 * response or a non-replicated rejection. The engine's `Reject` fits it structurally.
 */
export interface HttpReject {
  /** Reject code, 1 to 6 (the IC's `RejectCode`, e.g. 4 for CANISTER_REJECT). */
  readonly code: number;
  readonly message: string;
  /** User-facing error code such as `IC0406`; absent for rejects that carry none. */
  readonly errorCode?: string;
}
