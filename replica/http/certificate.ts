/**
 * Certificates: a hash tree signed by the replica's root key.
 *
 * Encoding (IC interface specification, "Certification"): self-described CBOR (tag 55799)
 * `{tree, signature}`, where `signature` is the BLS signature of
 * `"\x0Dic-state-root" ‖ root_hash` (the domain separator's length byte is 13). There is
 * no `delegation`: the root key signs directly, so `@dfinity/agent` checks the signature
 * against the root key it fetched and skips the canister-range check of delegations.
 */
import { domain_sep } from '@dfinity/agent';
import { encodeWithSelfDescribedTag } from '@dfinity/cbor';
import { concatBytes } from '@noble/hashes/utils';
import { hashTree, pruneTree, type HashTree, type Path } from './hash-tree.ts';
import type { ReplicaKeys } from './keys.ts';

/**
 * Signs a tree as it is (already pruned, or small enough to send whole); see
 * {@link certifyPaths} for the usual case.
 *
 * @returns The certificate's CBOR bytes, as `read_state` and sync calls carry them.
 */
export function certify(tree: HashTree, keys: Pick<ReplicaKeys, 'signWithRootKey'>): Uint8Array {
  const signature = keys.signWithRootKey(concatBytes(STATE_ROOT_DOMAIN, hashTree(tree)));
  // `<unknown>`: the encoder takes readonly arrays, which its `CborValue` type does not list.
  return encodeWithSelfDescribedTag<unknown>({ tree, signature });
}

/**
 * Prunes a state tree to `paths` plus `["time"]` (every certificate the IC issues holds
 * `/time`, and the agent refuses one without it), then signs it. A requested path that does
 * not exist gets an absence proof; the agent's `lookup_path` then finds no value (Absent,
 * or Unknown through its flawed label comparison), so for an unknown `request_status` id a
 * polling agent keeps polling.
 *
 * @param stateTree The full state tree (see `buildStateTree`).
 * @param paths The paths a `read_state` asked for, or `[["request_status", requestId]]`
 *   for the certificate of a sync call.
 * @returns The certificate's CBOR bytes.
 * @example
 * // The body of a sync call's answer: the call's status, and the time.
 * const certificate = certifyPaths(buildStateTree(contents), [['request_status', requestId]], keys);
 * const body = encodeSyncCallResponse(certificate);
 */
export function certifyPaths(
  stateTree: HashTree,
  paths: readonly Path[],
  keys: Pick<ReplicaKeys, 'signWithRootKey'>,
): Uint8Array {
  return certify(pruneTree(stateTree, [['time'], ...paths]), keys);
}

// Private.
const STATE_ROOT_DOMAIN = domain_sep('ic-state-root');
