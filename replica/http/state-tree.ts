/**
 * The system state tree the HTTP interface certifies (IC interface specification, "The
 * system state tree"), built from plain data.
 *
 * Leaf encodings, as `@dfinity/agent` 3.4.3 decodes them:
 * - `time`: LEB128 nanoseconds (`decodeTime`);
 * - `request_status/<id>/status`: UTF-8 text; `reply`: raw Candid bytes; `reject_code`:
 *   LEB128 (the agent reads the first byte, which is the code for codes below 128);
 *   `reject_message` and `error_code`: UTF-8;
 * - `canister/<id>/controllers`: self-described CBOR array of principal bytes
 *   (`decodeControllers`); `module_hash`: 32 raw bytes; `metadata/<name>`: raw bytes;
 * - `subnet/<id>/public_key`: the DER key; `canister_ranges`: self-described CBOR array of
 *   `[low, high]` principal-byte pairs, inclusive (`check_canister_ranges`);
 *   `node/<id>/public_key`: the 44-byte DER Ed25519 key (`fetchNodeKeys`).
 */
import { lebEncode } from '@dfinity/candid';
import { encodeWithSelfDescribedTag } from '@dfinity/cbor';
import type { Principal } from '@dfinity/principal';
import { utf8ToBytes } from '@noble/hashes/utils';
import { buildTree, type HashTree, type LabeledEntry } from './hash-tree.ts';
import type { ReplicaKeys } from './keys.ts';
import type { HttpReject } from './types.ts';

/** The status of one ingress message, as `request_status/<request_id>` certifies it. */
export type RequestStatus =
  | { readonly status: 'received' | 'processing' | 'done' }
  | { readonly status: 'replied'; readonly reply: Uint8Array }
  | { readonly status: 'rejected'; readonly reject: HttpReject };

/** What `canister/<canister_id>` certifies about one canister. */
export interface CanisterEntry {
  readonly canisterId: Principal;
  /** Certified as a CBOR array in the order given. */
  readonly controllers: readonly Principal[];
  /** SHA-256 of the installed module; absent when the canister is empty. */
  readonly moduleHash?: Uint8Array;
  /**
   * Public custom sections by name without their `icp:public ` / `icp:private ` prefix.
   * The caller decides which sections a reader may see (private ones only for controllers).
   */
  readonly metadata?: ReadonlyMap<string, Uint8Array>;
}

/** A node of a subnet. */
export interface NodeEntry {
  readonly nodeId: Principal;
  /** The node's DER public key (44 bytes for Ed25519). */
  readonly publicKeyDer: Uint8Array;
}

/** What `subnet/<subnet_id>` certifies about one subnet. */
export interface SubnetEntry {
  readonly subnetId: Principal;
  /** The subnet's DER public key; for the root subnet, the 133-byte root key. */
  readonly publicKeyDer: Uint8Array;
  /** Inclusive ranges `[low, high]` of canister ids the subnet hosts, in ascending order. */
  readonly canisterRanges: readonly (readonly [Principal, Principal])[];
  readonly nodes: readonly NodeEntry[];
}

/** Everything {@link buildStateTree} certifies. */
export interface StateTreeContents {
  /** Certified time, nanoseconds since the Unix epoch. Keep it near the wall clock: agents reject certificates more than 5 minutes off. */
  readonly timeNanos: bigint;
  /** Request id (32 bytes) → status. */
  readonly requestStatuses?: Iterable<readonly [requestId: Uint8Array, status: RequestStatus]>;
  readonly canisters?: Iterable<CanisterEntry>;
  readonly subnets?: Iterable<SubnetEntry>;
}

/**
 * Builds the full state tree. Top-level subtrees with no entries are left out.
 *
 * @returns A tree to prune and certify with `certifyPaths`.
 * @example
 * const tree = buildStateTree({
 *   timeNanos: BigInt(Date.now()) * 1_000_000n,
 *   requestStatuses: [[requestId, { status: 'replied', reply }]],
 *   subnets: [singleNodeSubnet(keys, [[lowId, highId]])],
 * });
 */
export function buildStateTree(contents: StateTreeContents): HashTree {
  const entries: LabeledEntry[] = [['time', lebEncode(contents.timeNanos)]];
  const requests = [...(contents.requestStatuses ?? [])].map(([id, status]) => requestStatusEntry(id, status));
  if (requests.length > 0) entries.push(['request_status', requests]);
  const canisters = [...(contents.canisters ?? [])].map(canisterEntry);
  if (canisters.length > 0) entries.push(['canister', canisters]);
  const subnets = [...(contents.subnets ?? [])].map(subnetEntry);
  if (subnets.length > 0) entries.push(['subnet', subnets]);
  return buildTree(entries);
}

/**
 * The subnet of a single-node replica: the root key is the subnet key and the one node
 * signs queries.
 *
 * @param keys The replica's keys.
 * @param canisterRanges Inclusive ranges of the canister ids the replica hosts.
 */
export function singleNodeSubnet(
  keys: Pick<ReplicaKeys, 'subnetId' | 'rootKeyDer' | 'nodeId' | 'nodeKeyDer'>,
  canisterRanges: readonly (readonly [Principal, Principal])[],
): SubnetEntry {
  return {
    subnetId: keys.subnetId,
    publicKeyDer: keys.rootKeyDer,
    canisterRanges,
    nodes: [{ nodeId: keys.nodeId, publicKeyDer: keys.nodeKeyDer }],
  };
}

// Private: one entry per top-level subtree.

function requestStatusEntry(requestId: Uint8Array, status: RequestStatus): LabeledEntry {
  const fields: LabeledEntry[] = [['status', utf8ToBytes(status.status)]];
  if (status.status === 'replied') fields.push(['reply', status.reply]);
  if (status.status === 'rejected') {
    fields.push(['reject_code', lebEncode(status.reject.code)]);
    fields.push(['reject_message', utf8ToBytes(status.reject.message)]);
    if (status.reject.errorCode !== undefined) fields.push(['error_code', utf8ToBytes(status.reject.errorCode)]);
  }
  return [requestId, fields];
}

function canisterEntry(canister: CanisterEntry): LabeledEntry {
  const fields: LabeledEntry[] = [
    ['controllers', encodeWithSelfDescribedTag(canister.controllers.map((p) => p.toUint8Array()))],
  ];
  if (canister.moduleHash) fields.push(['module_hash', canister.moduleHash]);
  const metadata = [...(canister.metadata ?? [])];
  if (metadata.length > 0) fields.push(['metadata', metadata]);
  return [canister.canisterId.toUint8Array(), fields];
}

function subnetEntry(subnet: SubnetEntry): LabeledEntry {
  const ranges = subnet.canisterRanges.map(([low, high]) => [low.toUint8Array(), high.toUint8Array()]);
  return [
    subnet.subnetId.toUint8Array(),
    [
      ['public_key', subnet.publicKeyDer],
      ['canister_ranges', encodeWithSelfDescribedTag(ranges)],
      ['node', subnet.nodes.map((node): LabeledEntry => [node.nodeId.toUint8Array(), [['public_key', node.publicKeyDer]]])],
    ],
  ];
}
