/**
 * Authenticates a request's sender the way the IC's ingress validator does
 * (dfinity/ic `rs/validator/src/ingress_validation.rs`), with its error wording:
 * 1. An unsigned envelope is valid only from the anonymous principal, and the anonymous
 *    principal may not sign.
 * 2. `sender` must be the self-authenticating principal of `sender_pubkey`.
 * 3. The delegation chain has at most 20 links, none expired, no key twice, and each link
 *    is signed by the previous key over `"\x1Aic-request-auth-delegation" ‖ hash_of_map(delegation)`.
 * 4. The last key signs `"\x0Aic-request" ‖ request_id`.
 * 5. For calls and queries, the target canister must be among every delegation's targets.
 *
 * Keys and signatures verified here: Ed25519, ECDSA P-256 and ECDSA secp256k1 (64-byte
 * `r ‖ s` over SHA-256). Canister signatures (Internet Identity) and WebAuthn keys are
 * refused with AuthenticationFailedError; a server that must accept them can skip this
 * check and trust `content.sender`, which is what an emulator may do.
 */
import {
  ED25519_OID,
  IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR,
  IC_REQUEST_DOMAIN_SEPARATOR,
  SECP256K1_OID,
  hashOfMap,
  unwrapDER,
} from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { ed25519 } from '@noble/curves/ed25519';
import { p256 } from '@noble/curves/nist';
import { secp256k1 } from '@noble/curves/secp256k1';
import { bytesToHex, concatBytes } from '@noble/hashes/utils';
import type { Delegation, RequestEnvelope } from './envelope.ts';
import { AuthenticationFailedError } from './errors.ts';
import { formatIcTime } from './ic-time.ts';

/** The canisters a request's delegations allow it to address: all, or only those listed. */
export type DelegationTargets = 'all' | readonly Principal[];

/** Longest delegation chain the IC accepts. */
export const MAX_DELEGATIONS = 20;

/** Most targets one delegation may list. */
export const MAX_DELEGATION_TARGETS = 1000;

/**
 * Checks that the envelope's signature and delegations authenticate its sender.
 *
 * @param nowNanos The replica's time, nanoseconds since the Unix epoch; delegations that
 *   expire before it are refused.
 * @returns The canisters the delegations allow. Calls and queries are already checked
 *   against it; for `read_state` the caller checks the canisters its paths name.
 * @throws AuthenticationFailedError naming what failed.
 * @example
 * const envelope = decodeEnvelope(body, 'call');
 * checkIngressExpiry(envelope.content, nowNanos);
 * authenticateRequest(envelope, nowNanos); // then execute envelope.content
 */
export function authenticateRequest(envelope: RequestEnvelope, nowNanos: bigint): DelegationTargets {
  const { content, requestId, senderSignature } = envelope;
  if (!senderSignature) {
    if (content.sender.isAnonymous()) return 'all';
    throw new AuthenticationFailedError(`Missing signature from user: ${content.sender.toText()}`);
  }
  if (content.sender.isAnonymous()) {
    throw new AuthenticationFailedError('Signature is not allowed for the anonymous user.');
  }
  const { pubkey, signature, delegations } = senderSignature;
  if (Principal.selfAuthenticating(pubkey).compareTo(content.sender) !== 'eq') {
    throw new AuthenticationFailedError(
      `The user id '${content.sender.toText()}' does not match the public key '${bytesToHex(pubkey)}'`,
    );
  }
  checkDelegationChain(pubkey, delegations.map((d) => d.delegation), nowNanos);

  let signingKey = pubkey;
  let targets: DelegationTargets = 'all';
  for (const { delegation, signature: delegationSignature } of delegations) {
    const signed = concatBytes(IC_REQUEST_AUTH_DELEGATION_DOMAIN_SEPARATOR, hashOfDelegation(delegation));
    const failure = verifySignature(signingKey, delegationSignature, signed);
    if (failure) throw new AuthenticationFailedError(`Invalid delegation: ${failure}`);
    targets = intersect(targets, delegation.targets);
    signingKey = delegation.pubkey;
  }
  const failure = verifySignature(signingKey, signature, concatBytes(IC_REQUEST_DOMAIN_SEPARATOR, requestId));
  if (failure) throw new AuthenticationFailedError(`Invalid signature: ${failure}`);

  if (content.requestType !== 'read_state' && !allows(targets, content.canisterId)) {
    throw new AuthenticationFailedError(
      `Canister '${content.canisterId.toText()}' is not one of the delegation targets.`,
    );
  }
  return targets;
}

/** Whether `targets` allow addressing `canisterId`. */
export function allows(targets: DelegationTargets, canisterId: Principal): boolean {
  return targets === 'all' || targets.some((t) => t.compareTo(canisterId) === 'eq');
}

// Private: the delegation chain.

function checkDelegationChain(senderKey: Uint8Array, delegations: readonly Delegation[], nowNanos: bigint): void {
  if (delegations.length > MAX_DELEGATIONS) {
    throw new AuthenticationFailedError(
      `Invalid delegation: Chain of delegations is too long: got ${delegations.length} delegations, but at most ${MAX_DELEGATIONS} are allowed.`,
    );
  }
  for (const { expirationNanos } of delegations) {
    if (expirationNanos < nowNanos) {
      throw new AuthenticationFailedError(
        'Invalid delegation expiry: Specified sender delegation has expired:\n' +
          `Provided expiry:    ${formatIcTime(expirationNanos)}\n` +
          `Local replica time: ${formatIcTime(nowNanos)}`,
      );
    }
  }
  const seen = new Set([bytesToHex(senderKey)]);
  for (const { pubkey, targets } of delegations) {
    const key = bytesToHex(pubkey);
    if (seen.has(key)) {
      throw new AuthenticationFailedError(
        `Invalid delegation: Chain of delegations contains at least one cycle: first repeating public key encountered ${key}`,
      );
    }
    seen.add(key);
    if (targets && targets.length > MAX_DELEGATION_TARGETS) {
      throw new AuthenticationFailedError(
        `Invalid delegation: Delegation target error: expected at most ${MAX_DELEGATION_TARGETS} targets per delegation, but got ${targets.length}`,
      );
    }
  }
}

/** The hash a delegation's signature covers: `hash_of_map` of its wire fields. */
function hashOfDelegation(delegation: Delegation): Uint8Array {
  return hashOfMap({
    pubkey: delegation.pubkey,
    expiration: delegation.expirationNanos,
    targets: delegation.targets,
  });
}

function intersect(targets: DelegationTargets, more: readonly Principal[] | undefined): DelegationTargets {
  if (!more) return targets;
  return targets === 'all' ? more : targets.filter((t) => allows(more, t));
}

// Private: keys and signatures.

// `@dfinity/agent` exports the Ed25519 and secp256k1 OIDs but not this one:
// SEQUENCE(id-ecPublicKey 1.2.840.10045.2.1, prime256v1 1.2.840.10045.3.1.7).
const P256_OID = Uint8Array.from([
  0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
  0x01, 0x07,
]);

type Verify = (signature: Uint8Array, message: Uint8Array, rawKey: Uint8Array) => boolean;

// ECDSA signatures sign SHA-256(message); `lowS: false` because WebCrypto (ECDSAKeyIdentity)
// does not normalise `s`.
const ecdsaVerify =
  (curve: typeof p256 | typeof secp256k1): Verify =>
  (signature, message, rawKey) =>
    curve.verify(signature, message, rawKey, { prehash: true, lowS: false, format: 'compact' });

const KEY_TYPES: readonly { readonly name: string; readonly oid: Uint8Array; readonly verify: Verify }[] = [
  { name: 'Ed25519', oid: ED25519_OID, verify: (signature, message, rawKey) => ed25519.verify(signature, message, rawKey) },
  { name: 'ECDSA P-256', oid: P256_OID, verify: ecdsaVerify(p256) },
  { name: 'ECDSA secp256k1', oid: SECP256K1_OID, verify: ecdsaVerify(secp256k1) },
];

/** Undefined when `signature` is a valid signature of `message` by `derKey`; else why not. */
function verifySignature(derKey: Uint8Array, signature: Uint8Array, message: Uint8Array): string | undefined {
  // A DER key under 128 bytes: SEQUENCE, one length byte, then the algorithm's OID sequence.
  const keyType = KEY_TYPES.find(({ oid }) => startsWith(derKey.subarray(2), oid));
  if (!keyType) {
    return `Invalid public key: unsupported key type (this replica verifies ${KEY_TYPES.map((k) => k.name).join(', ')} keys)`;
  }
  let rawKey: Uint8Array;
  try {
    rawKey = unwrapDER(derKey, keyType.oid);
  } catch (error) {
    return `Invalid public key: malformed ${keyType.name} key (${error instanceof Error ? error.message : String(error)})`;
  }
  let valid: boolean;
  try {
    valid = keyType.verify(signature, message, rawKey);
  } catch {
    valid = false;
  }
  return valid ? undefined : `Invalid basic signature: ${keyType.name} signature could not be verified`;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}
