/**
 * Requests the HTTP interface refuses before any canister sees them. The server answers
 * each with its `httpStatus` and its `message` as a plain-text body, as the IC does.
 */

/** A request refused before execution; `message` is the response body. */
export class RequestRefusedError extends Error {
  override name = 'RequestRefusedError';
  /** The HTTP status to answer with. */
  readonly httpStatus: number = 400;
}

/** The body is not a well-formed request envelope of the expected kind. */
export class MalformedRequestError extends RequestRefusedError {
  override name = 'MalformedRequestError';
}

/**
 * `ingress_expiry` is outside `[now, now + 5 min + 30 s]`. The message starts with
 * `Invalid request expiry: `, the prefix `@dfinity/agent` looks for to run `syncTime` and
 * retry (`HttpAgent` `#requestAndRetry`).
 */
export class InvalidRequestExpiryError extends RequestRefusedError {
  override name = 'InvalidRequestExpiryError';
}

/** The sender's signature, public key or delegations do not authenticate the request. */
export class AuthenticationFailedError extends RequestRefusedError {
  override name = 'AuthenticationFailedError';
}
