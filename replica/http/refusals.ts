/**
 * The server's refusals that are not 400s: each {@link RequestRefusedError} subclass here
 * carries the HTTP status the IC answers with, and its message is the plain-text body.
 * (The 400s for malformed envelopes, expiry and authentication live in `errors.ts`.)
 */
import { RequestRefusedError } from './errors.ts';

/** A path the interface does not serve: an unknown endpoint, or a `read_state` path it does not allow. */
export class NotFoundError extends RequestRefusedError {
  override name = 'NotFoundError';
  override readonly httpStatus = 404;
}

/** A known endpoint asked with the wrong HTTP method. */
export class MethodNotAllowedError extends RequestRefusedError {
  override name = 'MethodNotAllowedError';
  override readonly httpStatus = 405;
  /** The methods the endpoint accepts, for the `Allow` header. */
  readonly allow: string;
  constructor(message: string, allow: string) {
    super(message);
    this.allow = allow;
  }
}

/**
 * An authenticated sender asked for something it may not read: another sender's
 * `request_status`, or a private custom section of a canister it does not control.
 */
export class ForbiddenError extends RequestRefusedError {
  override name = 'ForbiddenError';
  override readonly httpStatus = 403;
}

/** A request body, or an ingress message, larger than the IC accepts. */
export class PayloadTooLargeError extends RequestRefusedError {
  override name = 'PayloadTooLargeError';
  override readonly httpStatus = 413;
}
