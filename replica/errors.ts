/**
 * The IC's reject codes and error codes, and the errors the replica's API throws.
 *
 * Codes follow dfinity/ic `rs/types/error_types/src/lib.rs`: an error code's first digit
 * is its reject code (IC0503 → reject code 5, CANISTER_ERROR).
 */

/** Reject codes as the IC interface specification defines them. */
export const RejectCode = {
  SysFatal: 1,
  SysTransient: 2,
  DestinationInvalid: 3,
  CanisterReject: 4,
  CanisterError: 5,
  SysUnknown: 6,
} as const;
export type RejectCode = (typeof RejectCode)[keyof typeof RejectCode];

/** User-facing error codes (`IC0xyz`), the subset this replica produces. */
export const ErrorCode = {
  CanisterQueueFull: 'IC0201',
  CanisterOutOfCycles: 'IC0207',
  CanisterNotFound: 'IC0301',
  InsufficientCyclesForCreateCanister: 'IC0403',
  CanisterRejectedMessage: 'IC0406',
  UnknownManagementMessage: 'IC0407',
  InvalidManagementPayload: 'IC0408',
  CanisterTrapped: 'IC0502',
  CanisterCalledTrap: 'IC0503',
  CanisterContractViolation: 'IC0504',
  CanisterInvalidWasm: 'IC0505',
  CanisterDidNotReply: 'IC0506',
  CanisterOutOfMemory: 'IC0507',
  CanisterStopped: 'IC0508',
  CanisterStopping: 'IC0509',
  CanisterNotStopped: 'IC0510',
  CanisterStoppingCancelled: 'IC0511',
  CanisterInvalidController: 'IC0512',
  CanisterNonEmpty: 'IC0514',
  InsufficientCyclesInCall: 'IC0520',
  CanisterInstructionLimitExceeded: 'IC0522',
  QueryCallGraphTooDeep: 'IC0525',
  CompositeQueryCalledInReplicatedMode: 'IC0527',
  CanisterMethodNotFound: 'IC0536',
  CanisterWasmModuleNotFound: 'IC0537',
  CanisterWasmMemoryLimitExceeded: 'IC0539',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The reject code an error code belongs to (its first digit). */
export function rejectCodeOf(code: ErrorCode): RejectCode {
  return Number(code[3]) as RejectCode;
}

/** A reject as it travels between canisters, to ingress callers and over HTTP. */
export interface Reject {
  code: RejectCode;
  message: string;
  /** Absent for rejects a canister made itself with `msg_reject` between canisters. */
  errorCode?: ErrorCode;
}

export function reject(errorCode: ErrorCode, message: string): Reject {
  return { code: rejectCodeOf(errorCode), message, errorCode };
}

/**
 * A call that the IC answered with a reject: thrown by {@link Replica.updateCall} and
 * {@link Replica.queryCall}, and by the management helpers.
 */
export class CanisterRejectError extends Error {
  override name = 'CanisterRejectError';
  readonly rejectCode: RejectCode;
  readonly errorCode?: ErrorCode;
  readonly rejectMessage: string;

  constructor(r: Reject) {
    super(`${r.errorCode ? `${r.errorCode}: ` : ''}${r.message} (reject code ${r.code})`);
    this.rejectCode = r.code;
    if (r.errorCode) this.errorCode = r.errorCode;
    this.rejectMessage = r.message;
  }
}

/** The replica cannot run on this Node.js (wasm64 needs Node 24). */
export class UnsupportedRuntimeError extends Error {
  override name = 'UnsupportedRuntimeError';
}

/** A call did not finish within the replica's bound on scheduler rounds. */
export class NoProgressError extends Error {
  override name = 'NoProgressError';
}

/**
 * Thrown inside an execution to abort it: a trap. Carries the error the caller sees.
 * Internal to the replica: executions catch it and roll back.
 */
export class Trap extends Error {
  override name = 'Trap';
  readonly errorCode: ErrorCode;
  constructor(errorCode: ErrorCode, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}
