import { Cbor, IC_RESPONSE_DOMAIN_SEPARATOR, hashOfMap, type QueryResponse } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha2';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils';
import { describe, expect, it } from 'vitest';
import { ReplicaKeys } from './keys.ts';
import { signQueryResponse, type QueryOutcome } from './query-signature.ts';
import { encodeQueryResponse } from './responses.ts';

const keys = ReplicaKeys.fromSeed(new Uint8Array(32).fill(11));
const requestId = sha256(utf8ToBytes('a query'));
const timestamp = 1_746_143_718_005_285_297n;

/**
 * Checks a response body the way `HttpAgent` `#verifyQueryResponse` does: the hash of the
 * decoded fields plus timestamp and request id, signed by the node named in `identity`.
 */
function agentAccepts(body: Uint8Array): boolean {
  const response = Cbor.decode<QueryResponse>(body);
  const [{ timestamp: signedAt, signature, identity }] = response.signatures!;
  expect(identity).toEqual(keys.nodeId.toUint8Array());
  const fields =
    response.status === 'replied'
      ? { status: response.status, reply: response.reply }
      : {
          status: response.status,
          reject_code: response.reject_code,
          reject_message: response.reject_message,
          error_code: response.error_code,
        };
  const hash = hashOfMap({ ...fields, timestamp: BigInt(signedAt), request_id: requestId });
  return ed25519.verify(signature, concatBytes(IC_RESPONSE_DOMAIN_SEPARATOR, hash), keys.nodePublicKey);
}

const respond = (outcome: QueryOutcome) =>
  encodeQueryResponse(outcome, signQueryResponse(outcome, requestId, timestamp, keys));

describe('signQueryResponse', () => {
  it('signs a reply so that the fields the agent decodes verify', () => {
    expect(agentAccepts(respond({ status: 'replied', reply: IDL.encode([IDL.Nat], [42n]) }))).toBe(true);
  });

  it('signs a reject with an error code', () => {
    expect(agentAccepts(respond({ status: 'rejected', reject: { code: 5, message: 'trapped', errorCode: 'IC0503' } }))).toBe(true);
  });

  it('signs a reject without an error code, leaving the field out of body and hash', () => {
    const body = respond({ status: 'rejected', reject: { code: 4, message: 'no' } });
    expect(Object.keys(Cbor.decode<object>(body))).not.toContain('error_code');
    expect(agentAccepts(body)).toBe(true);
  });

  it('gives each signature the timestamp and node identity it was made with', () => {
    const [signature] = signQueryResponse({ status: 'replied', reply: new Uint8Array() }, requestId, timestamp, keys);
    expect(signature.timestamp).toBe(timestamp);
    expect(signature.identity).toEqual(keys.nodeId.toUint8Array());
    expect(signature.signature).toHaveLength(64);
  });

  it('does not verify for another request id', () => {
    const outcome: QueryOutcome = { status: 'replied', reply: new Uint8Array([1]) };
    const body = encodeQueryResponse(outcome, signQueryResponse(outcome, sha256(utf8ToBytes('other')), timestamp, keys));
    expect(agentAccepts(body)).toBe(false);
  });
});
