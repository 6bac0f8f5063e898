/**
 * What a failed canister call means for the client: the typed error to report, and
 * whether trying again may succeed. The agent wraps rejects and transport failures in
 * `AgentError`s whose `code` says which.
 */
import {
  AgentError,
  CertifiedRejectErrorCode,
  HttpErrorCode,
  HttpFetchErrorCode,
  TimeoutWaitingForResponseErrorCode,
  UncertifiedRejectErrorCode,
  UncertifiedRejectUpdateErrorCode,
} from '@dfinity/agent';
import { BigMapError, CanisterRejectedError, RequestTooLargeError, TransportError, UnauthorizedError } from '../errors/index.ts';

export interface CallFailure {
  error: BigMapError;
  /** Retrying the same call may succeed (SYS_TRANSIENT, a stopping canister, the network). */
  transient: boolean;
}

/**
 * How a canister refuses an ingress message in canister_inspect_message: without calling
 * accept_message (IC0406 "Requested canister rejected the message"), or, for a Motoko
 * `system func inspect` that returns false, with its explicit trap (IC0503). BigMap's
 * canisters refuse there whoever may not make the call.
 */
const INSPECT_REFUSAL = /rejected the message|canister_inspect_message explicitly refused message/;

/** Error codes that clear up by themselves: out of cycles (topped up), stopping/stopped (an upgrade). */
const TRANSIENT_ERROR_CODES = new Set(['IC0207', 'IC0508', 'IC0509']);

export function classifyCallError(e: unknown): CallFailure {
  if (e instanceof BigMapError) return { error: e, transient: false };
  if (e instanceof AgentError) {
    const code = e.code;
    if (code instanceof CertifiedRejectErrorCode || code instanceof UncertifiedRejectErrorCode || code instanceof UncertifiedRejectUpdateErrorCode) {
      const message = code.rejectMessage;
      if (message.startsWith('Unauthorized') || ((code.rejectErrorCode === 'IC0406' || code.rejectErrorCode === 'IC0503') && INSPECT_REFUSAL.test(message))) {
        return { error: new UnauthorizedError(message, e), transient: false };
      }
      const transient = code.rejectCode === 2 || TRANSIENT_ERROR_CODES.has(code.rejectErrorCode ?? '');
      return { error: new CanisterRejectedError(message, code.rejectCode, code.rejectErrorCode, e), transient };
    }
    if (code instanceof HttpFetchErrorCode) return { error: new TransportError(code.toErrorMessage(), e), transient: true };
    if (code instanceof HttpErrorCode) {
      const details = `HTTP ${code.status} ${code.statusText}${code.bodyText ? `: ${code.bodyText}` : ''}`;
      // The replica reached and refused the request: retrying the same bytes cannot help.
      if (code.status === 413) return { error: new RequestTooLargeError(details, e), transient: false };
      return { error: new TransportError(details, e), transient: code.status >= 500 || code.status === 429 };
    }
    if (code instanceof TimeoutWaitingForResponseErrorCode) return { error: new TransportError(code.toErrorMessage(), e), transient: true };
    return { error: new BigMapError(`The agent failed: ${e.message}`, { cause: e }), transient: false };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { error: new TransportError(message, e), transient: true };
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
