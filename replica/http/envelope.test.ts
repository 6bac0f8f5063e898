import {
  AnonymousIdentity,
  Cbor,
  Endpoint,
  Expiry,
  JSON_KEY_EXPIRY,
  ReadRequestType,
  SubmitRequestType,
  makeNonce,
  requestIdOf,
  type CallRequest,
  type HttpAgentRequest,
  type Identity,
  type QueryRequest,
  type ReadStateRequest,
} from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { utf8ToBytes } from '@noble/hashes/utils';
import { describe, expect, it } from 'vitest';
import { checkIngressExpiry, decodeEnvelope, MAX_INGRESS_TTL_NANOS, PERMITTED_DRIFT_NANOS } from './envelope.ts';
import { InvalidRequestExpiryError, MalformedRequestError } from './errors.ts';
import { formatIcTime } from './ic-time.ts';

const canisterId = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
const identity = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(1));
const anonymous = new AnonymousIdentity();
/** 2025-05-01 23:55:18.005285297 UTC */
const NOW = 1_746_143_718_005_285_297n;

function expiryAt(nanos: bigint): Expiry {
  return Expiry.fromJSON(JSON.stringify({ [JSON_KEY_EXPIRY]: String(nanos) }));
}

function callContent(sender: Identity, expiryNanos = NOW + 60_000_000_000n): CallRequest {
  return {
    request_type: SubmitRequestType.Call,
    canister_id: canisterId,
    method_name: 'greet',
    arg: IDL.encode([IDL.Text], ['world']),
    sender: sender.getPrincipal(),
    ingress_expiry: expiryAt(expiryNanos),
    nonce: makeNonce(),
  };
}

function queryContent(sender: Identity, expiryNanos: bigint): QueryRequest {
  return { ...callContent(sender, expiryNanos), request_type: ReadRequestType.Query, nonce: undefined };
}

function readStateContent(sender: Identity, expiryNanos: bigint): ReadStateRequest {
  return {
    request_type: ReadRequestType.ReadState,
    paths: [[utf8ToBytes('time')], [utf8ToBytes('request_status'), new Uint8Array(32)]],
    sender: sender.getPrincipal(),
    ingress_expiry: expiryAt(expiryNanos),
  };
}

/** The body the agent would send: its identity signs (or not) and its CBOR encoder encodes. */
async function agentBody(sender: Identity, content: CallRequest | QueryRequest | ReadStateRequest): Promise<Uint8Array> {
  const request = (content.request_type === 'call'
    ? { endpoint: Endpoint.Call, request: {}, body: content }
    : { endpoint: content.request_type === 'query' ? Endpoint.Query : Endpoint.ReadState, request: {}, body: content }) as HttpAgentRequest;
  const transformed = (await sender.transformRequest(request)) as { body: unknown };
  return Cbor.encode(transformed.body);
}

/** A hand-made body, for shapes the agent never produces. */
const rawBody = (envelope: Record<string, unknown>) => Cbor.encode(envelope);

describe('decodeEnvelope', () => {
  it('decodes a signed call the agent built and computes the agent’s request id', async () => {
    const content = callContent(identity);
    const envelope = decodeEnvelope(await agentBody(identity, content), 'call');
    expect(envelope.requestId).toEqual(requestIdOf(content));
    const { sender, canisterId: target, ...rest } = envelope.content;
    expect(sender.toText()).toBe(identity.getPrincipal().toText());
    expect(target.toText()).toBe(canisterId.toText());
    expect(rest).toEqual({
      requestType: 'call',
      ingressExpiryNanos: content.ingress_expiry.toBigInt(),
      nonce: Uint8Array.from(content.nonce!),
      methodName: 'greet',
      arg: content.arg,
    });
    expect(envelope.senderSignature?.pubkey).toEqual(new Uint8Array(identity.getPublicKey().toDer()));
    expect(envelope.senderSignature?.signature).toHaveLength(64);
    expect(envelope.senderSignature?.delegations).toEqual([]);
  });

  it('decodes an anonymous query without a signature', async () => {
    const content = queryContent(anonymous, NOW);
    const envelope = decodeEnvelope(await agentBody(anonymous, content), 'query');
    expect(envelope.requestId).toEqual(requestIdOf(content));
    expect(envelope.content.sender.isAnonymous()).toBe(true);
    expect(envelope.senderSignature).toBeUndefined();
  });

  it('decodes the paths of a read_state request', async () => {
    const content = readStateContent(anonymous, NOW);
    const envelope = decodeEnvelope(await agentBody(anonymous, content), 'read_state');
    expect(envelope.content.paths).toEqual(content.paths);
    expect(envelope.requestId).toEqual(requestIdOf(content));
  });

  it('counts content fields it does not model, such as sender_info, in the request id', async () => {
    const content = { ...callContent(anonymous), sender_info: { info: new Uint8Array([1]), signer: new Uint8Array([2]) } };
    const envelope = decodeEnvelope(rawBody({ content }), 'call');
    expect(envelope.requestId).toEqual(requestIdOf(content));
    expect(envelope.requestId).not.toEqual(requestIdOf(callContent(anonymous)));
  });

  describe('refuses malformed bodies with the IC’s wording', () => {
    const content = { ...callContent(anonymous) };
    const refusal = (body: Uint8Array, type: 'call' | 'read_state' = 'call') => {
      try {
        decodeEnvelope(body, type);
      } catch (error) {
        expect(error).toBeInstanceOf(MalformedRequestError);
        return (error as Error).message;
      }
      throw new Error('expected a refusal');
    };

    it('that are empty or not CBOR', () => {
      expect(refusal(new Uint8Array())).toMatchInlineSnapshot(`"Could not parse body as call message: invalid CBOR (Provided CBOR data is empty)"`);
      expect(refusal(new Uint8Array([0x5f]))).toMatchInlineSnapshot(`"Could not parse body as call message: invalid CBOR (Byte length is too large)"`);
    });
    it('without a content map', () => {
      expect(refusal(rawBody({ sender_pubkey: new Uint8Array(1) }))).toMatchInlineSnapshot(`"Could not parse body as call message: content must be a map, got nothing"`);
    });
    it('of another request type', () => {
      expect(refusal(rawBody({ content }), 'read_state')).toMatchInlineSnapshot(`"Could not parse body as read_state message: content.request_type must be "read_state", got "call""`);
    });
    it('with a sender that is not a principal', () => {
      expect(refusal(rawBody({ content: { ...content, sender: 'aaaaa-aa' } }))).toMatchInlineSnapshot(`"Could not parse body as call message: content.sender must be a byte string, got text "aaaaa-aa""`);
      expect(refusal(rawBody({ content: { ...content, sender: new Uint8Array(30) } }))).toMatchInlineSnapshot(`"Could not parse body as call message: content.sender must be a principal of at most 29 bytes, got 30 bytes"`);
    });
    it('with an expiry that is not a 64-bit unsigned integer', () => {
      expect(refusal(rawBody({ content: { ...content, ingress_expiry: -1 } }))).toMatchInlineSnapshot(`"Could not parse body as call message: content.ingress_expiry must be an unsigned 64-bit integer, got the number -1"`);
    });
    it('with a nonce over 32 bytes', () => {
      expect(refusal(rawBody({ content: { ...content, nonce: new Uint8Array(33) } }))).toMatchInlineSnapshot(`"Nonce in request is too big: got 33 bytes, but at most 32 are allowed."`);
    });
    it('with more than 1000 paths, or a path over 127 labels', () => {
      const readState = { ...readStateContent(anonymous, NOW) };
      const tooMany = Array.from({ length: 1001 }, () => [utf8ToBytes('time')]);
      const tooDeep = [Array.from({ length: 128 }, () => utf8ToBytes('x'))];
      expect(refusal(rawBody({ content: { ...readState, paths: tooMany } }), 'read_state')).toMatchInlineSnapshot(`"Too many paths in read state request: got 1001 paths, but at most 1000 are allowed."`);
      expect(refusal(rawBody({ content: { ...readState, paths: tooDeep } }), 'read_state')).toMatchInlineSnapshot(`"At least one path in read state request is too deep: got 128 labels, but at most 127 are allowed."`);
    });
    it('with a public key but no signature', () => {
      expect(refusal(rawBody({ content, sender_pubkey: new Uint8Array(44) }))).toMatchInlineSnapshot(`"Could not parse body as call message: sender_pubkey and sender_sig must be given together"`);
    });
  });
});

describe('checkIngressExpiry', () => {
  const maxExpiry = NOW + MAX_INGRESS_TTL_NANOS + PERMITTED_DRIFT_NANOS;
  const call = async (expiryNanos: bigint) =>
    decodeEnvelope(await agentBody(anonymous, callContent(anonymous, expiryNanos)), 'call').content;

  it('accepts expiries from now to 5 minutes and 30 seconds ahead', async () => {
    for (const expiry of [NOW, NOW + MAX_INGRESS_TTL_NANOS, maxExpiry]) {
      const content = await call(expiry);
      expect(() => checkIngressExpiry(content, NOW)).not.toThrow();
    }
  });

  it('refuses an expired call with the text the agent recognises', async () => {
    const content = await call(NOW - 1n);
    expect(() => checkIngressExpiry(content, NOW)).toThrow(InvalidRequestExpiryError);
    expect(() => checkIngressExpiry(content, NOW)).toThrowErrorMatchingInlineSnapshot(`[InvalidRequestExpiryError: Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry: 2025-05-01 23:55:18.005285297 UTC, Maximum allowed expiry: 2025-05-02 00:00:48.005285297 UTC, Provided expiry:        2025-05-01 23:55:18.005285296 UTC]`);
  });

  it('refuses a call that expires too far ahead', async () => {
    const content = await call(maxExpiry + 1n);
    expect(() => checkIngressExpiry(content, NOW)).toThrow(/^Invalid request expiry: /);
  });

  it('does not check anonymous queries and read_state requests, so an agent can sync its clock', async () => {
    const query = decodeEnvelope(await agentBody(anonymous, queryContent(anonymous, NOW - 1n)), 'query');
    const readState = decodeEnvelope(await agentBody(anonymous, readStateContent(anonymous, NOW - 1n)), 'read_state');
    expect(() => checkIngressExpiry(query.content, NOW)).not.toThrow();
    expect(() => checkIngressExpiry(readState.content, NOW)).not.toThrow();
  });

  it('checks queries and read_state requests of authenticated senders', async () => {
    const query = decodeEnvelope(await agentBody(identity, queryContent(identity, NOW - 1n)), 'query');
    const readState = decodeEnvelope(await agentBody(identity, readStateContent(identity, NOW - 1n)), 'read_state');
    expect(() => checkIngressExpiry(query.content, NOW)).toThrow(/^Invalid request expiry: /);
    expect(() => checkIngressExpiry(readState.content, NOW)).toThrow(/^Invalid request expiry: /);
  });
});

describe('formatIcTime', () => {
  it('prints times the way the IC’s error messages do', () => {
    expect(formatIcTime(NOW)).toBe('2025-05-01 23:55:18.005285297 UTC');
    expect(formatIcTime(1_746_103_080_000_000_000n)).toBe('2025-05-01 12:38:00 UTC');
    expect(formatIcTime(1_746_103_080_120_000_000n)).toBe('2025-05-01 12:38:00.120 UTC');
    expect(formatIcTime(1_746_103_080_000_120_000n)).toBe('2025-05-01 12:38:00.000120 UTC');
  });
});
