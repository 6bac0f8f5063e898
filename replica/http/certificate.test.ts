import {
  Cbor,
  CanisterStatus,
  Certificate,
  CertificateTimeErrorCode,
  CertificateVerificationErrorCode,
  TrustError,
  check_canister_ranges,
  lookupResultToBuffer,
  reconstruct,
  type Cert,
} from '@dfinity/agent';
import { IDL, lebDecode, PipeArrayBuffer } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';
import { describe, expect, it } from 'vitest';
import { certify, certifyPaths } from './certificate.ts';
import { hashTree } from './hash-tree.ts';
import { ReplicaKeys } from './keys.ts';
import { buildStateTree, singleNodeSubnet, type StateTreeContents } from './state-tree.ts';

const keys = ReplicaKeys.fromSeed(new Uint8Array(32).fill(9));
const otherKeys = ReplicaKeys.fromSeed(new Uint8Array(32).fill(10));

const canisterId = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
const outsideCanister = Principal.fromText('lxzze-o7777-77777-aaaaa-cai');
const lowId = Principal.fromText('rwlgt-iiaaa-aaaaa-aaaaa-cai');
const highId = Principal.fromText('renrk-eyaaa-aaaaa-aaada-cai');
const controller = Principal.fromText('2vxsx-fae');
const wasmHash = sha256(utf8ToBytes('module'));
const candid = 'service : { greet : (text) -> (text) }';

const repliedId = sha256(utf8ToBytes('replied request'));
const rejectedId = sha256(utf8ToBytes('rejected request'));
const unknownId = sha256(utf8ToBytes('never seen'));
const reply = IDL.encode([IDL.Text], ['Hello!']);

const nowNanos = () => BigInt(Date.now()) * 1_000_000n;

function contents(timeNanos = nowNanos()): StateTreeContents {
  return {
    timeNanos,
    requestStatuses: [
      [repliedId, { status: 'replied', reply }],
      [rejectedId, { status: 'rejected', reject: { code: 4, message: 'no', errorCode: 'IC0406' } }],
    ],
    canisters: [
      {
        canisterId,
        controllers: [controller],
        moduleHash: wasmHash,
        metadata: new Map([['candid:service', utf8ToBytes(candid)]]),
      },
    ],
    subnets: [singleNodeSubnet(keys, [[lowId, highId]])],
  };
}

const verify = (certificate: Uint8Array, rootKey = keys.rootKeyDer) =>
  Certificate.create({ certificate, rootKey, canisterId });

const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

describe('certify', () => {
  it('makes certificates the agent verifies against the replica’s root key', async () => {
    await expect(verify(certifyPaths(buildStateTree(contents()), [], keys))).resolves.toBeInstanceOf(Certificate);
  });

  it('makes certificates the agent refuses for any other root key', async () => {
    const certificate = certifyPaths(buildStateTree(contents()), [], keys);
    const error = await verify(certificate, otherKeys.rootKeyDer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrustError);
    expect((error as TrustError).hasCode(CertificateVerificationErrorCode)).toBe(true);
  });

  it('encodes {tree, signature} with the self-described tag and no delegation', () => {
    const certificate = certify(buildStateTree(contents()), keys);
    expect([...certificate.subarray(0, 3)]).toEqual([0xd9, 0xd9, 0xf7]);
    expect(Object.keys(Cbor.decode<Cert>(certificate)).sort()).toEqual(['signature', 'tree']);
  });

  it('certifies a time the agent reads back, and the agent refuses a time 10 minutes old', async () => {
    const time = nowNanos();
    const certificate = await verify(certifyPaths(buildStateTree(contents(time)), [], keys));
    expect(certifiedTimeMs(certificate)).toBe(Number(time / 1_000_000n));

    const stale = certifyPaths(buildStateTree(contents(time - 600_000_000_000n)), [], keys);
    const error = await verify(stale).catch((e: unknown) => e);
    expect((error as TrustError).hasCode(CertificateTimeErrorCode)).toBe(true);
  });
});

describe('certifyPaths', () => {
  it('prunes to the requested paths without changing the root hash', async () => {
    const full = buildStateTree(contents());
    const certificate = Cbor.decode<Cert>(certifyPaths(full, [['request_status', repliedId]], keys));
    expect(await reconstruct(certificate.tree)).toEqual(hashTree(full));
    expect(Cbor.encode(certificate.tree).length).toBeLessThan(Cbor.encode(full).length);
  });

  it('certifies a replied request’s status and reply bytes', async () => {
    const certificate = await verify(certifyPaths(buildStateTree(contents()), [['request_status', repliedId]], keys));
    const path = ['request_status', repliedId];
    expect(text(lookupResultToBuffer(certificate.lookup_path([...path, 'status'])))).toBe('replied');
    expect(lookupResultToBuffer(certificate.lookup_path([...path, 'reply']))).toEqual(reply);
    expect(lookupResultToBuffer(certificate.lookup_path(['subnet', keys.subnetId.toUint8Array(), 'public_key']))).toBeUndefined();
  });

  it('certifies a rejected request’s code, message and error code the way the agent reads them', async () => {
    const certificate = await verify(certifyPaths(buildStateTree(contents()), [['request_status', rejectedId]], keys));
    const path = ['request_status', rejectedId];
    expect(text(lookupResultToBuffer(certificate.lookup_path([...path, 'status'])))).toBe('rejected');
    expect(lookupResultToBuffer(certificate.lookup_path([...path, 'reject_code']))?.[0]).toBe(4);
    expect(text(lookupResultToBuffer(certificate.lookup_path([...path, 'reject_message'])))).toBe('no');
    expect(text(lookupResultToBuffer(certificate.lookup_path([...path, 'error_code'])))).toBe('IC0406');
  });

  it('answers an unknown request id with a certificate that still has the time and no status', async () => {
    const certificate = await verify(certifyPaths(buildStateTree(contents()), [['request_status', unknownId]], keys));
    expect(lookupResultToBuffer(certificate.lookup_path(['request_status', unknownId, 'status']))).toBeUndefined();
    expect(lookupResultToBuffer(certificate.lookup_path(['time']))).toBeDefined();
  });

  it('certifies controllers, module hash and metadata in the encodings the agent decodes', async () => {
    const paths = ['controllers', 'module_hash', ['metadata', 'candid:service']].map((p) => [
      'canister',
      canisterId.toUint8Array(),
      ...[p].flat(),
    ]);
    const certificate = await verify(certifyPaths(buildStateTree(contents()), paths, keys));
    const at = (...path: (string | Uint8Array)[]) =>
      lookupResultToBuffer(certificate.lookup_path(['canister', canisterId.toUint8Array(), ...path]));
    expect(Cbor.decode<Uint8Array[]>(at('controllers')!).map((p) => Principal.fromUint8Array(p).toText())).toEqual([
      controller.toText(),
    ]);
    expect(at('module_hash')).toEqual(wasmHash);
    expect(text(at('metadata', 'candid:service'))).toBe(candid);
  });

  it('certifies a subnet the agent takes node keys from, covering exactly its canister ranges', async () => {
    const certificate = certifyPaths(buildStateTree(contents()), [['subnet']], keys);
    await verify(certificate);
    const status = CanisterStatus.fetchNodeKeys(certificate, canisterId, keys.rootKeyDer);
    expect(status.subnetId).toBe(keys.subnetId.toText());
    expect([...status.nodeKeys]).toEqual([[keys.nodeId.toText(), keys.nodeKeyDer]]);

    const tree = Cbor.decode<Cert>(certificate).tree;
    const inRange = (id: Principal) => check_canister_ranges({ canisterId: id, subnetId: keys.subnetId, tree });
    expect([lowId, canisterId, highId].map(inRange)).toEqual([true, true, true]);
    expect(inRange(outsideCanister)).toBe(false);
    expect(() => CanisterStatus.fetchNodeKeys(certificate, outsideCanister, keys.rootKeyDer)).toThrow(/does not include the canister .* in the canister_ranges/);
  });
});

/** The certified time in milliseconds, decoded as the agent's `decodeTime` does (LEB128 nanoseconds). */
function certifiedTimeMs(certificate: Certificate): number {
  const bytes = lookupResultToBuffer(certificate.lookup_path(['time']));
  return Number(lebDecode(new PipeArrayBuffer(bytes!)) / 1_000_000n);
}
