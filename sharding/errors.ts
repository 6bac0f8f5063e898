/**
 * Errors thrown by the sharding modules. Messages of {@link InvalidKeyError} are the same
 * text the Motoko `Key` module returns in `#err`, byte for byte (`vectors.json` checks it),
 * so a client and a canister report a bad key identically.
 */

/** Which key rule was broken. */
export type InvalidKeyCode =
  | 'collection-empty'
  | 'collection-too-long'
  | 'collection-has-nul'
  | 'collection-not-utf8'
  | 'partition-too-long'
  | 'key-too-long'
  | 'key-truncated';

/** A key that the encoding cannot represent, or encoded bytes that are not a key. */
export class InvalidKeyError extends Error {
  override name = 'InvalidKeyError';
  readonly code: InvalidKeyCode;
  constructor(code: InvalidKeyCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A slot-table operation whose precondition does not hold, or a malformed wire table. */
export class SlotTableError extends Error {
  override name = 'SlotTableError';
}
