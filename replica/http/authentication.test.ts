import {
  AnonymousIdentity,
  Cbor,
  Endpoint,
  Expiry,
  IC_REQUEST_DOMAIN_SEPARATOR,
  SECP256K1_OID,
  SubmitRequestType,
  requestIdOf,
  wrapDER,
  type CallRequest,
  type HttpAgentRequest,
  type Identity,
  type ReadStateRequest,
  ReadRequestType,
} from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { DelegationChain, DelegationIdentity, ECDSAKeyIdentity, Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { secp256k1 } from '@noble/curves/secp256k1';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils';
import { describe, expect, it } from 'vitest';
import { authenticateRequest } from './authentication.ts';
import { decodeEnvelope, type RequestType } from './envelope.ts';
import { AuthenticationFailedError } from './errors.ts';
import { ReplicaKeys } from './keys.ts';

const canisterId = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
const otherCanister = Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai');
const nowNanos = BigInt(Date.now()) * 1_000_000n;

function call(sender: Principal, target = canisterId): CallRequest {
  return {
    request_type: SubmitRequestType.Call,
    canister_id: target,
    method_name: 'greet',
    arg: IDL.encode([IDL.Text], ['world']),
    sender,
    ingress_expiry: Expiry.fromDeltaInMilliseconds(60_000),
  };
}

/** The envelope an agent with this identity would send, as a map (before CBOR). */
async function envelopeOf(identity: Identity, content: CallRequest | ReadStateRequest): Promise<Record<string, unknown>> {
  const endpoint = content.request_type === 'call' ? Endpoint.Call : Endpoint.ReadState;
  const request = { endpoint, request: {}, body: content } as HttpAgentRequest;
  return ((await identity.transformRequest(request)) as { body: Record<string, unknown> }).body;
}

const decoded = (envelope: Record<string, unknown>, type: RequestType = 'call') => decodeEnvelope(Cbor.encode(envelope), type);

async function authenticate(identity: Identity, content = call(identity.getPrincipal()), now = nowNanos) {
  return authenticateRequest(decoded(await envelopeOf(identity, content)), now);
}

/** The message authenticateRequest refuses `envelope` with. */
function refusal(envelope: Record<string, unknown>, now = nowNanos): string {
  try {
    authenticateRequest(decoded(envelope), now);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationFailedError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('authenticateRequest', () => {
  it('accepts the anonymous sender unsigned, with no delegation limits', async () => {
    expect(await authenticate(new AnonymousIdentity())).toBe('all');
  });

  it('accepts requests signed by Ed25519 identities', async () => {
    expect(await authenticate(Ed25519KeyIdentity.generate())).toBe('all');
  });

  it('accepts requests signed by ECDSA P-256 identities (WebCrypto, as browsers sign)', async () => {
    expect(await authenticate(await ECDSAKeyIdentity.generate())).toBe('all');
  });

  it('accepts requests signed by ECDSA secp256k1 keys', () => {
    const secretKey = secp256k1.utils.randomSecretKey();
    const pubkey = wrapDER(secp256k1.getPublicKey(secretKey, false), SECP256K1_OID);
    const content = call(Principal.selfAuthenticating(pubkey));
    const message = concatBytes(IC_REQUEST_DOMAIN_SEPARATOR, requestIdOf(content));
    const signature = secp256k1.sign(message, secretKey, { prehash: true }).toBytes('compact');
    expect(authenticateRequest(decoded({ content, sender_pubkey: pubkey, sender_sig: signature }), nowNanos)).toBe('all');
  });

  it('refuses a signature over other content', async () => {
    const identity = Ed25519KeyIdentity.generate();
    const signed = await envelopeOf(identity, call(identity.getPrincipal()));
    const tampered = { ...signed, content: { ...call(identity.getPrincipal()), method_name: 'steal' } };
    expect(refusal(tampered)).toMatchInlineSnapshot(`"Invalid signature: Invalid basic signature: Ed25519 signature could not be verified"`);
  });

  it('refuses an unsigned request from a principal other than anonymous', () => {
    const sender = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(1)).getPrincipal();
    expect(refusal({ content: call(sender) })).toMatchInlineSnapshot(`"Missing signature from user: wf3fv-4c4nr-7ks2b-xa4u7-kf3no-32glf-lf7e4-4ng4a-wwtlu-a2vnq-nae"`);
  });

  it('refuses a signature for the anonymous sender', async () => {
    const signed = await envelopeOf(Ed25519KeyIdentity.generate(), call(Principal.anonymous()));
    expect(refusal(signed)).toMatchInlineSnapshot(`"Signature is not allowed for the anonymous user."`);
  });

  it('refuses a sender that is not the public key’s principal', async () => {
    const identity = Ed25519KeyIdentity.generate(new Uint8Array(32).fill(2));
    const signed = await envelopeOf(identity, call(Ed25519KeyIdentity.generate(new Uint8Array(32).fill(3)).getPrincipal()));
    expect(refusal(signed)).toMatch(/^The user id '.*' does not match the public key '302a300506032b6570032100/);
  });

  it('refuses key types it cannot verify', async () => {
    const keys = ReplicaKeys.fromSeed(new Uint8Array(32));
    const signed = await envelopeOf(new AnonymousIdentity(), call(keys.subnetId));
    expect(refusal({ ...signed, sender_pubkey: keys.rootKeyDer, sender_sig: new Uint8Array(48) })).toMatchInlineSnapshot(`"Invalid signature: Invalid public key: unsupported key type (this replica verifies Ed25519, ECDSA P-256, ECDSA secp256k1 keys)"`);
  });

  describe('with delegations', () => {
    const root = Ed25519KeyIdentity.generate();
    const session = Ed25519KeyIdentity.generate();
    const expiration = new Date(Date.now() + 15 * 60_000);
    const delegated = async (targets?: Principal[]) =>
      DelegationIdentity.fromDelegation(session, await DelegationChain.create(root, session.getPublicKey(), expiration, { targets }));

    it('accepts a chain signed link by link, and returns its targets', async () => {
      const identity = await delegated([canisterId]);
      expect(identity.getPrincipal().toText()).toBe(root.getPrincipal().toText());
      const targets = await authenticate(identity);
      expect(targets !== 'all' && targets.map((t) => t.toText())).toEqual([canisterId.toText()]);
      expect(await authenticate(await delegated())).toBe('all');
    });

    it('refuses a call to a canister outside the delegation targets', async () => {
      const identity = await delegated([otherCanister]);
      const envelope = await envelopeOf(identity, call(identity.getPrincipal()));
      expect(refusal(envelope)).toMatchInlineSnapshot(`"Canister 'rrkah-fqaaa-aaaaa-aaaaq-cai' is not one of the delegation targets."`);
    });

    it('leaves read_state targets to the caller', async () => {
      const identity = await delegated([otherCanister]);
      const readState: ReadStateRequest = {
        request_type: ReadRequestType.ReadState,
        paths: [[utf8ToBytes('time')]],
        sender: identity.getPrincipal(),
        ingress_expiry: Expiry.fromDeltaInMilliseconds(60_000),
      };
      const envelope = decoded(await envelopeOf(identity, readState), 'read_state');
      const targets = authenticateRequest(envelope, nowNanos);
      expect(targets !== 'all' && targets.map((t) => t.toText())).toEqual([otherCanister.toText()]);
    });

    it('refuses an expired delegation', async () => {
      const identity = await delegated();
      const envelope = await envelopeOf(identity, call(identity.getPrincipal()));
      const afterExpiry = BigInt(expiration.getTime() + 1) * 1_000_000n;
      expect(refusal(envelope, afterExpiry)).toMatch(
        /^Invalid delegation expiry: Specified sender delegation has expired:\nProvided expiry: {4}.* UTC\nLocal replica time: .* UTC$/,
      );
    });

    it('refuses a delegation whose signature does not match', async () => {
      const identity = await delegated();
      const envelope = await envelopeOf(identity, call(identity.getPrincipal()));
      const [link] = envelope.sender_delegation as { delegation: unknown; signature: Uint8Array }[];
      const forged = { ...link, signature: new Uint8Array(link.signature).fill(7) };
      expect(refusal({ ...envelope, sender_delegation: [forged] })).toMatchInlineSnapshot(`"Invalid delegation: Invalid basic signature: Ed25519 signature could not be verified"`);
    });
  });
});
