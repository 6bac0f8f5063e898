import { AgentError, HttpErrorCode, ProtocolError, RejectError, UncertifiedRejectUpdateErrorCode, type RequestId } from '@dfinity/agent';
import { describe, expect, it } from 'vitest';
import { BigMapError, CanisterRejectedError, RequestTooLargeError, TransportError, UnauthorizedError } from '../errors/index.ts';
import { classifyCallError } from './call-errors.ts';

/** What the agent throws for an HTTP error status from the replica. */
const httpError = (status: number, statusText: string, bodyText?: string): AgentError => ProtocolError.fromCode(new HttpErrorCode(status, statusText, [], bodyText));

/** What the agent throws when a sync update call is refused before it runs (as by canister_inspect_message). */
const refusal = (rejectCode: number, errorCode: string, message: string): AgentError =>
  RejectError.fromCode(new UncertifiedRejectUpdateErrorCode(new Uint8Array(32) as RequestId, rejectCode, message, errorCode));

describe('classifyCallError', () => {
  it('reports an HTTP 413 as a request over the 2 MiB ingress limit, not as an unreachable replica, and does not retry it', () => {
    const body = 'Request 0abc is too large. Message byte size 2097300 is larger than the max allowed 2097152.';
    const cause = httpError(413, 'Payload Too Large', body);
    const { error, transient } = classifyCallError(cause);
    expect(error).toBeInstanceOf(RequestTooLargeError);
    expect(error).toBeInstanceOf(BigMapError);
    expect(error).not.toBeInstanceOf(TransportError);
    expect(error.name).toBe('RequestTooLargeError');
    expect(error.shortMessage).toMatch(/2 MiB ingress message limit/);
    expect(error.shortMessage).not.toMatch(/Could not reach/);
    expect(error.message).toMatch(/Split it into smaller requests/);
    expect(error.details).toBe(`HTTP 413 Payload Too Large: ${body}`);
    expect(error.cause).toBe(cause);
    expect(transient).toBe(false);
  });

  it('still reports other HTTP errors as transport errors, transient for 5xx and 429', () => {
    expect(classifyCallError(httpError(503, 'Service Unavailable'))).toMatchObject({ error: expect.any(TransportError), transient: true });
    expect(classifyCallError(httpError(429, 'Too Many Requests'))).toMatchObject({ error: expect.any(TransportError), transient: true });
    const bad = classifyCallError(httpError(400, 'Bad Request', 'no'));
    expect(bad).toMatchObject({ error: expect.any(TransportError), transient: false });
    expect(bad.error.details).toBe('HTTP 400 Bad Request: no');
  });

  it('reports a refusal in canister_inspect_message as unauthorized: IC0406, or the explicit trap of a Motoko inspect that returns false (IC0503)', () => {
    const id = 'bkyz2-fmaaa-aaaaa-qaaaq-cai';
    expect(classifyCallError(refusal(4, 'IC0406', 'Requested canister rejected the message'))).toMatchObject({ error: expect.any(UnauthorizedError), transient: false });
    const motoko = classifyCallError(refusal(5, 'IC0503', `Canister ${id} trapped explicitly: canister_inspect_message explicitly refused message`));
    expect(motoko).toMatchObject({ error: expect.any(UnauthorizedError), transient: false });
    expect(motoko.error.details).toContain('explicitly refused message');
    // Other explicit traps stay what they are.
    expect(classifyCallError(refusal(5, 'IC0503', `Canister ${id} trapped explicitly: IDL error: too few arguments`)).error).toBeInstanceOf(CanisterRejectedError);
  });
});
