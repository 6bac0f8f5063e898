import { Cbor, isV2ResponseBody, isV3ResponseBody, type v2ResponseBody, type v3ResponseBody } from '@dfinity/agent';
import { describe, expect, it } from 'vitest';
import {
  encodeAsyncCallRejection,
  encodeNonReplicatedRejection,
  encodeReadStateResponse,
  encodeStatus,
  encodeSyncCallResponse,
} from './responses.ts';

const decode = (bytes: Uint8Array) => Cbor.decode<Record<string, unknown>>(bytes);
const reject = { code: 3, message: 'Canister rrkah-fqaaa-aaaaa-aaaaq-cai not found', errorCode: 'IC0301' };

describe('responses', () => {
  it('are self-described CBOR', () => {
    for (const body of [encodeSyncCallResponse(new Uint8Array()), encodeReadStateResponse(new Uint8Array())]) {
      expect([...body.subarray(0, 3)]).toEqual([0xd9, 0xd9, 0xf7]);
    }
  });

  it('report status with the root key the agent fetches', () => {
    const rootKeyDer = new Uint8Array(133).fill(1);
    expect(decode(encodeStatus({ rootKeyDer, implVersion: '0.1.0' }))).toEqual({
      ic_api_version: '0.18.0',
      impl_version: '0.1.0',
      replica_health_status: 'healthy',
      root_key: rootKeyDer,
    });
  });

  it('answer a finished sync call with status "replied" and the certificate, which the agent reads as v3', () => {
    const body = decode(encodeSyncCallResponse(new Uint8Array([1, 2])));
    expect(body).toEqual({ status: 'replied', certificate: new Uint8Array([1, 2]) });
    expect(isV3ResponseBody(body as unknown as v3ResponseBody)).toBe(true);
  });

  it('answer a sync call refused before execution with a non-replicated rejection the agent reads as a reject', () => {
    const body = decode(encodeNonReplicatedRejection(reject));
    expect(body).toEqual({
      status: 'non_replicated_rejection',
      reject_code: 3,
      reject_message: reject.message,
      error_code: 'IC0301',
    });
    expect(isV2ResponseBody(body as unknown as v2ResponseBody)).toBe(true);
  });

  it('answer an async call refused before execution with the same fields and no status', () => {
    const body = decode(encodeAsyncCallRejection({ code: 4, message: 'refused by inspect_message' }));
    expect(body).toEqual({ reject_code: 4, reject_message: 'refused by inspect_message' });
  });

  it('wrap a read_state certificate', () => {
    expect(decode(encodeReadStateResponse(new Uint8Array([3])))).toEqual({ certificate: new Uint8Array([3]) });
  });
});
