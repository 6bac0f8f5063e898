/**
 * The replica's identity: a BLS12-381 root key that signs certificates and an Ed25519 node
 * key that signs query responses, both derived from one 32-byte seed.
 *
 * The embedded replica is a single-node, single-subnet IC whose subnet key is the root key,
 * so certificates carry no delegation. The agents require the subnet id to be the
 * self-authenticating principal of the DER root key (`@dfinity/agent` `fetchNodeKeys`), and
 * the node id is the self-authenticating principal of the DER node key.
 *
 * Persist {@link ReplicaKeys.seed} to keep the same root key, and so the same
 * `shouldFetchRootKey` answer and subnet id, across restarts.
 */
import { BLS12_381_G2_OID, ED25519_OID, wrapDER } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { mapHashToField } from '@noble/curves/abstract/modular';
import { bls12_381 } from '@noble/curves/bls12-381';
import { ed25519 } from '@noble/curves/ed25519';
import { bytesToNumberBE } from '@noble/curves/utils';
import { sha256, sha512 } from '@noble/hashes/sha2';
import { concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils';

/** Length of a key seed, in bytes. */
export const SEED_BYTES = 32;

/**
 * The hash-to-curve ciphersuite of IC certificate signatures: BLS with signatures in G1
 * (48 bytes compressed) and public keys in G2 (96 bytes compressed).
 */
export const BLS_SIGNATURE_DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_';

/** The replica's root and node key pairs. Create with {@link ReplicaKeys.fromSeed} or {@link ReplicaKeys.generate}. */
export class ReplicaKeys {
  /** The BLS12-381 G2 root public key, 96 bytes compressed. */
  readonly rootPublicKey: Uint8Array;
  /** The root public key in DER, 133 bytes: what `/api/v2/status` serves as `root_key`. */
  readonly rootKeyDer: Uint8Array;
  /** The subnet id: the self-authenticating principal of {@link rootKeyDer}. */
  readonly subnetId: Principal;
  /** The Ed25519 node public key, 32 bytes. */
  readonly nodePublicKey: Uint8Array;
  /** The node public key in DER, 44 bytes: what `subnet/<id>/node/<id>/public_key` certifies. */
  readonly nodeKeyDer: Uint8Array;
  /** The node id: the self-authenticating principal of {@link nodeKeyDer}. */
  readonly nodeId: Principal;

  readonly #seed: Uint8Array;
  readonly #rootSecret: bigint;
  readonly #nodeSecret: Uint8Array;

  private constructor(seed: Uint8Array) {
    this.#seed = seed.slice();
    this.#rootSecret = bytesToNumberBE(
      mapHashToField(sha512(concatBytes(ROOT_KEY_DOMAIN, seed)), bls12_381.params.r),
    );
    this.#nodeSecret = sha256(concatBytes(NODE_KEY_DOMAIN, seed));

    this.rootPublicKey = bls12_381.shortSignatures.getPublicKey(this.#rootSecret).toBytes(true);
    this.rootKeyDer = wrapDER(this.rootPublicKey, BLS12_381_G2_OID);
    this.subnetId = Principal.selfAuthenticating(this.rootKeyDer);
    this.nodePublicKey = ed25519.getPublicKey(this.#nodeSecret);
    this.nodeKeyDer = wrapDER(this.nodePublicKey, ED25519_OID);
    this.nodeId = Principal.selfAuthenticating(this.nodeKeyDer);
  }

  /**
   * Derives both key pairs from a seed: the same seed always gives the same keys.
   *
   * @param seed {@link SEED_BYTES} bytes, as returned by {@link ReplicaKeys.seed}.
   * @throws Error when the seed is not 32 bytes long.
   * @example
   * const keys = ReplicaKeys.fromSeed(await readFile(join(stateDir, 'replica.seed')));
   */
  static fromSeed(seed: Uint8Array): ReplicaKeys {
    if (seed.length !== SEED_BYTES) {
      throw new Error(`Expected a ${SEED_BYTES}-byte replica key seed, got ${seed.length} bytes`);
    }
    return new ReplicaKeys(seed);
  }

  /**
   * Generates keys from a fresh random seed (the one place this module uses randomness).
   * Save {@link ReplicaKeys.seed} to restore them with {@link ReplicaKeys.fromSeed}.
   */
  static generate(): ReplicaKeys {
    return new ReplicaKeys(randomBytes(SEED_BYTES));
  }

  /** A copy of the 32-byte seed both key pairs derive from. Secret: whoever has it can sign as this replica. */
  get seed(): Uint8Array {
    return this.#seed.slice();
  }

  /**
   * Signs with the root key: BLS12-381, hashed to G1 with {@link BLS_SIGNATURE_DST}.
   *
   * @returns The 48-byte compressed G1 signature the agent checks with `blsVerify`.
   */
  signWithRootKey(message: Uint8Array): Uint8Array {
    const hashed = bls12_381.shortSignatures.hash(message, BLS_SIGNATURE_DST);
    return bls12_381.shortSignatures.sign(hashed, this.#rootSecret).toBytes(true);
  }

  /**
   * Signs with the node key.
   *
   * @returns The 64-byte Ed25519 signature.
   */
  signWithNodeKey(message: Uint8Array): Uint8Array {
    return ed25519.sign(message, this.#nodeSecret);
  }
}

// Private: domain separation, so the two secrets derived from one seed are independent.
const ROOT_KEY_DOMAIN = utf8ToBytes('bigmap-replica/root-key/bls12-381-g2');
const NODE_KEY_DOMAIN = utf8ToBytes('bigmap-replica/node-key/ed25519');
