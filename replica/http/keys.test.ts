import { blsVerify, Ed25519PublicKey, type DerEncodedPublicKey } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { ed25519 } from '@noble/curves/ed25519';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { describe, expect, it } from 'vitest';
import { ReplicaKeys, SEED_BYTES } from './keys.ts';

const seed = (byte: number) => new Uint8Array(SEED_BYTES).fill(byte);
const BLS_ROOT_KEY_DER_PREFIX = '308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100';

describe('ReplicaKeys', () => {
  it('derives the same keys from the same seed and different keys from another', () => {
    const a = ReplicaKeys.fromSeed(seed(1));
    const again = ReplicaKeys.fromSeed(seed(1));
    const b = ReplicaKeys.fromSeed(seed(2));
    expect(again.rootKeyDer).toEqual(a.rootKeyDer);
    expect(again.nodeKeyDer).toEqual(a.nodeKeyDer);
    expect(b.rootKeyDer).not.toEqual(a.rootKeyDer);
    expect(b.nodeKeyDer).not.toEqual(a.nodeKeyDer);
  });

  it('restores the same keys from an exported seed', () => {
    const keys = ReplicaKeys.generate();
    const restored = ReplicaKeys.fromSeed(keys.seed);
    expect(restored.subnetId.toText()).toBe(keys.subnetId.toText());
    expect(restored.nodeId.toText()).toBe(keys.nodeId.toText());
  });

  it('hands out copies of the seed, so changing one does not change the keys', () => {
    const keys = ReplicaKeys.fromSeed(seed(3));
    keys.seed.fill(0);
    expect(keys.seed).toEqual(seed(3));
  });

  it('generates a different key pair each time', () => {
    expect(ReplicaKeys.generate().rootKeyDer).not.toEqual(ReplicaKeys.generate().rootKeyDer);
  });

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => ReplicaKeys.fromSeed(new Uint8Array(31))).toThrowErrorMatchingInlineSnapshot(`[Error: Expected a 32-byte replica key seed, got 31 bytes]`);
  });

  it('encodes the root key in the 133-byte DER form the agent extracts, and names the subnet after it', () => {
    const keys = ReplicaKeys.fromSeed(seed(4));
    expect(keys.rootPublicKey).toHaveLength(96);
    expect(keys.rootKeyDer).toHaveLength(133);
    expect(bytesToHex(keys.rootKeyDer)).toBe(BLS_ROOT_KEY_DER_PREFIX + bytesToHex(keys.rootPublicKey));
    expect(keys.subnetId.toText()).toBe(Principal.selfAuthenticating(keys.rootKeyDer).toText());
  });

  it('encodes the node key in the 44-byte DER form the agent parses, and names the node after it', () => {
    const keys = ReplicaKeys.fromSeed(seed(5));
    expect(keys.nodeKeyDer).toHaveLength(44);
    expect(Ed25519PublicKey.fromDer(keys.nodeKeyDer as DerEncodedPublicKey).rawKey).toEqual(keys.nodePublicKey);
    expect(keys.nodeId.toText()).toBe(Principal.selfAuthenticating(keys.nodeKeyDer).toText());
  });

  it('signs with the root key so that the agent’s BLS check accepts it, and only for that key and message', () => {
    const keys = ReplicaKeys.fromSeed(seed(6));
    const message = utf8ToBytes('\x0Dic-state-root and a hash');
    const signature = keys.signWithRootKey(message);
    expect(signature).toHaveLength(48);
    expect(blsVerify(keys.rootPublicKey, signature, message)).toBe(true);
    expect(blsVerify(keys.rootPublicKey, signature, utf8ToBytes('another message'))).toBe(false);
    expect(blsVerify(ReplicaKeys.fromSeed(seed(7)).rootPublicKey, signature, message)).toBe(false);
  });

  it('signs with the node key as Ed25519', () => {
    const keys = ReplicaKeys.fromSeed(seed(8));
    const message = utf8ToBytes('\x0Bic-response and a hash');
    const signature = keys.signWithNodeKey(message);
    expect(signature).toHaveLength(64);
    expect(ed25519.verify(signature, message, keys.nodePublicKey)).toBe(true);
  });
});
