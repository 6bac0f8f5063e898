/**
 * Typed errors of the BigMap client. Each says what went wrong and what to do; per-item
 * errors of batch calls are instances of these too.
 */
import { BigMapError, type BigMapErrorParameters } from './base.ts';

export { BigMapError, type BigMapErrorParameters } from './base.ts';

/** A key breaks a rule (empty or too long collection, partition or key, bad bytes). */
export class InvalidKeyError extends BigMapError {
  override name = 'InvalidKeyError';
}

/** A key is longer than a data canister accepts. */
export class KeyTooLargeError extends InvalidKeyError {
  override name = 'KeyTooLargeError';
  constructor(message: string, parameters: BigMapErrorParameters = {}) {
    super(message, { metaMessages: ['Keep collection + partition + sort under 2048 bytes (partition under 1024).'], ...parameters });
  }
}

/** A value is larger than the client's `maxValueBytes`. */
export class ValueTooLargeError extends BigMapError {
  override name = 'ValueTooLargeError';
  readonly sizeBytes: number;
  readonly limitBytes: number;
  constructor(sizeBytes: number, limitBytes: number) {
    super(`The value is ${sizeBytes} bytes; the limit is ${limitBytes} bytes.`, {
      metaMessages: ['Raise `maxValueBytes` when connecting, or split the value across several keys.'],
    });
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
  }
}

/**
 * The replica refused a request as too large (HTTP 413): over the IC's 2 MiB ingress
 * message limit.
 */
export class RequestTooLargeError extends BigMapError {
  override name = 'RequestTooLargeError';
  constructor(details: string, cause?: unknown) {
    super("The request is larger than the Internet Computer's 2 MiB ingress message limit; the replica refused it (HTTP 413).", {
      metaMessages: ['Split it into smaller requests: fewer or smaller values per batch (lower `maxBatchBytes`), or large values in chunks.'],
      details,
      cause,
    });
  }
}

/** The caller may not do this (not an owner, not authorized to read or write). */
export class UnauthorizedError extends BigMapError {
  override name = 'UnauthorizedError';
  constructor(details: string, cause?: unknown) {
    super('Unauthorized: this identity may not do that on this BigMap.', {
      metaMessages: ['An owner can grant access with `bm.authorize(principal, { read, write })`.'],
      details,
      cause,
    });
  }
}

/** A compare-and-set condition did not hold. */
export class ConflictError extends BigMapError {
  override name = 'ConflictError';
  /** The key's version when the write was refused (undefined: the key is absent). */
  readonly currentVersion: bigint | undefined;
  constructor(currentVersion: bigint | undefined) {
    super(`The write's condition did not hold: the key ${currentVersion === undefined ? 'is absent' : `is at version ${currentVersion}`}.`, {
      metaMessages: ['Read the current value and version (getEntry), then retry with `ifVersion`.'],
    });
    this.currentVersion = currentVersion;
  }
}

/** Routing did not settle within `maxRedirects` hops (a migration in a loop, or a stale table). */
export class TooManyRedirectsError extends BigMapError {
  override name = 'TooManyRedirectsError';
  constructor(hops: number, cause?: unknown) {
    super(`The request was redirected ${hops} times without reaching the data canister that owns its key.`, {
      metaMessages: ['A migration may be starting or failing: check `bm.stats()` and retry.', 'Raise `maxRedirects` if migrations are long.'],
      cause,
    });
  }
}

/**
 * A data canister sent a request on to a canister that is not a data canister of this
 * BigMap (neither in its slot table nor in the index's list); the client did not follow.
 */
export class UntrustedRedirectError extends BigMapError {
  override name = 'UntrustedRedirectError';
  /** The canister the answer named (principal text). */
  readonly to: string;
  constructor(from: string, to: string) {
    super(`Data canister ${from} redirected the request to ${to}, which is not a data canister of this BigMap; the redirect was not followed and nothing was sent there.`, {
      metaMessages: ['A data canister answering this way is misbehaving: check `bm.stats()` and the index.'],
    });
    this.to = to;
  }
}

/** A slot stayed unavailable (moving, or its canister full or stopped) past `retryBudgetMs`. */
export class UnavailableError extends BigMapError {
  override name = 'UnavailableError';
  constructor(details: string, cause?: unknown) {
    super('The data canister for this key stayed unavailable; nothing was changed.', {
      metaMessages: ['Retry later; `bm.stats()` shows migrations and upgrades in progress.'],
      details,
      cause,
    });
  }
}

/** A chunked value's chunks are missing or corrupt (its writer failed half way). */
export class ChunkMissingError extends BigMapError {
  override name = 'ChunkMissingError';
  constructor(details: string) {
    super('A large value is incomplete: some of its chunks are missing or do not match its checksum.', {
      metaMessages: ['Write the value again.'],
      details,
    });
  }
}

/** A canister rejected a call; `rejectCode` and `errorCode` are the IC's. */
export class CanisterRejectedError extends BigMapError {
  override name = 'CanisterRejectedError';
  readonly rejectCode: number | undefined;
  readonly errorCode: string | undefined;
  readonly rejectMessage: string;
  constructor(rejectMessage: string, rejectCode: number | undefined, errorCode: string | undefined, cause?: unknown) {
    super(`A canister rejected the call${errorCode ? ` (${errorCode})` : ''}.`, { details: rejectMessage, cause });
    this.rejectCode = rejectCode;
    this.errorCode = errorCode;
    this.rejectMessage = rejectMessage;
  }
}

/** The replica could not be reached or answered with an HTTP error. */
export class TransportError extends BigMapError {
  override name = 'TransportError';
  constructor(details: string, cause?: unknown) {
    super('Could not reach the Internet Computer replica.', {
      metaMessages: ['Check the host URL and that the replica is running (`npx bigmap start` for a local one).'],
      details,
      cause,
    });
  }
}
