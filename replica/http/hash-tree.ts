/**
 * IC hash trees: build one from labeled data, hash it, and prune it to a set of paths.
 *
 * A hash tree is what a certificate carries (IC interface specification, "Certification").
 * Nodes are the CBOR arrays `[0]` (empty), `[1, left, right]` (fork),
 * `[2, label, subtree]` (labeled), `[3, value]` (leaf) and `[4, hash]` (pruned).
 *
 * Invariants of every tree {@link buildTree} returns:
 * 1. At each level (the labeled nodes reachable through forks alone) labels are strictly
 *    increasing, bytewise, from left to right.
 * 2. A tree is never mutated after it is built, so a node's hash is a function of the node
 *    object and may be cached. Label and leaf bytes are not copied: do not change them
 *    after building.
 *
 * Caveat for callers: `@dfinity/agent` 3.4.3 `find_label` compares labels with a flawed
 * `isBufferGreaterThan` ("some byte is greater" rather than lexicographic order):
 * - When a sibling label is a proper prefix of the label sought, it answers "not greater",
 *   so a lookup of `"ab"` next to a sibling `"a"` stops at `"a"` and reports Absent. Avoid
 *   sibling labels where one is a prefix of another; the state tree's fixed labels and its
 *   fixed-length ids (canister, request, subnet and node ids) never are.
 * - For a label it does not find, it may answer Unknown where the specification says Absent
 *   (or the reverse) when a larger sibling has a smaller byte further on. Requested labels
 *   that exist are still found; for the others both answers mean "no value here", and the
 *   agent treats them alike (a polled request id that is missing keeps it polling).
 */
import { domain_sep } from '@dfinity/agent';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils';

export type EmptyNode = readonly [0];
export type ForkNode = readonly [1, HashTree, HashTree];
export type LabeledNode = readonly [2, Uint8Array, HashTree];
export type LeafNode = readonly [3, Uint8Array];
export type PrunedNode = readonly [4, Uint8Array];

/** A hash tree node in its CBOR array form. */
export type HashTree = EmptyNode | ForkNode | LabeledNode | LeafNode | PrunedNode;

/** A label: raw bytes, or text that stands for its UTF-8 bytes. */
export type Label = Uint8Array | string;

/** Labeled data to certify: a leaf value, or a list of labeled subtrees in any order. */
export type LabeledTree = Uint8Array | readonly LabeledEntry[];

/** One child of a {@link LabeledTree}. */
export type LabeledEntry = readonly [label: Label, subtree: LabeledTree];

/** A path into a tree: one label per level, root first. */
export type Path = readonly Label[];

/**
 * Builds the hash tree of labeled data. Each level becomes a balanced tree of forks over
 * its labeled children sorted bytewise; an empty list becomes `[0]`.
 *
 * @param tree Leaf bytes, or entries `[label, subtree]` in any order.
 * @returns A well-formed tree (see the invariants at the top of this file).
 * @throws Error when two siblings carry the same label.
 * @example
 * const tree = buildTree([['time', lebEncode(1_700_000_000_000_000_000n)]]);
 */
export function buildTree(tree: LabeledTree): HashTree {
  if (tree instanceof Uint8Array) return [3, tree];
  const children = tree
    .map(([label, subtree]) => [labelBytes(label), subtree] as const)
    .sort(([a], [b]) => compareLabels(a, b));
  for (let i = 1; i < children.length; i++) {
    if (compareLabels(children[i - 1][0], children[i][0]) === 0) {
      throw new Error(`Duplicate label ${describeLabel(children[i][0])} among siblings of a hash tree`);
    }
  }
  return forkAll(children.map(([label, subtree]): HashTree => [2, label, buildTree(subtree)]));
}

/**
 * The root hash of a tree: SHA-256 with the `ic-hashtree-*` domain separators; a pruned
 * node contributes its hash as is. Equal to `reconstruct` in `@dfinity/agent`, which is async
 * and uncached; this one is synchronous and caches per node so that pruning and certifying
 * a large state tree cost one pass.
 *
 * @returns 32 bytes.
 */
export function hashTree(tree: HashTree): Uint8Array {
  const cached = hashCache.get(tree);
  if (cached) return cached;
  const hash = computeHash(tree);
  hashCache.set(tree, hash);
  return hash;
}

/**
 * Prunes a tree to what `paths` need, replacing everything else by `[4, hash]`.
 *
 * For each path:
 * - if it exists, the whole subtree at its end is kept (a path to an inner node keeps
 *   everything below it);
 * - if a label along it is missing, the labeled neighbours on either side are kept with
 *   pruned contents, which proves the absence (the minimal proof, as the IC gives it);
 * - if it runs into a leaf or an empty node early, that node is kept, which also proves
 *   the rest of the path absent.
 *
 * The result has the same root hash as `tree`. Cost: one pass over each level a path
 * visits, plus hashing each pruned subtree once ({@link hashTree} caches).
 *
 * @param paths Paths from the root of `tree`; an empty list prunes everything.
 * @example
 * const witness = pruneTree(stateTree, [['time'], ['request_status', requestId]]);
 */
export function pruneTree(tree: HashTree, paths: readonly Path[]): HashTree {
  return prune(
    tree,
    paths.map((path) => path.map(labelBytes)),
  );
}

/** Bytewise lexicographic order of labels (a proper prefix sorts first). */
export function compareLabels(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** The bytes of a label. */
export function labelBytes(label: Label): Uint8Array {
  return typeof label === 'string' ? utf8ToBytes(label) : label;
}

// Private: hashing.

const hashCache = new WeakMap<HashTree, Uint8Array>();

const EMPTY_SEPARATOR = domain_sep('ic-hashtree-empty');
const FORK_SEPARATOR = domain_sep('ic-hashtree-fork');
const LABELED_SEPARATOR = domain_sep('ic-hashtree-labeled');
const LEAF_SEPARATOR = domain_sep('ic-hashtree-leaf');

function computeHash(tree: HashTree): Uint8Array {
  switch (tree[0]) {
    case 0:
      return sha256(EMPTY_SEPARATOR);
    case 1:
      return sha256(concatBytes(FORK_SEPARATOR, hashTree(tree[1]), hashTree(tree[2])));
    case 2:
      return sha256(concatBytes(LABELED_SEPARATOR, tree[1], hashTree(tree[2])));
    case 3:
      return sha256(concatBytes(LEAF_SEPARATOR, tree[1]));
    case 4:
      return tree[1];
  }
}

// Private: building.

/** A balanced tree of forks over `nodes`, keeping their order. */
function forkAll(nodes: readonly HashTree[]): HashTree {
  if (nodes.length === 0) return [0];
  if (nodes.length === 1) return nodes[0];
  const middle = Math.ceil(nodes.length / 2);
  return [1, forkAll(nodes.slice(0, middle)), forkAll(nodes.slice(middle))];
}

function describeLabel(label: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(label);
  return /^[\x20-\x7e]*$/.test(text) ? JSON.stringify(text) : `0x${bytesToHex(label)}`;
}

// Private: pruning.

function prune(tree: HashTree, paths: readonly (readonly Uint8Array[])[]): HashTree {
  if (paths.length === 0) return [4, hashTree(tree)];
  if (paths.some((path) => path.length === 0)) return tree;
  if (tree[0] === 1 || tree[0] === 2) return pruneLevel(tree, paths);
  // An empty node, a leaf or a pruned node: nothing below it to select. Keeping it shows
  // the lookup where the paths end (Absent for empty nodes and leaves).
  return tree;
}

/**
 * Prunes one level: decides which labeled children the paths need (and with which rest
 * paths), then rebuilds the forks above them, pruning every fork subtree with no needed child.
 */
function pruneLevel(level: ForkNode | LabeledNode, paths: readonly (readonly Uint8Array[])[]): HashTree {
  const children = labeledChildren(level);
  const needed = new Map<LabeledNode, (readonly Uint8Array[])[]>();
  const need = (child: LabeledNode, rest?: readonly Uint8Array[]) => {
    const rests = needed.get(child) ?? [];
    if (rest) rests.push(rest);
    needed.set(child, rests);
  };
  for (const [head, ...rest] of paths) {
    const i = lowerBound(children, head);
    if (i < children.length && compareLabels(children[i][1], head) === 0) {
      need(children[i], rest);
    } else {
      // Absent: keep the labels on either side (contents pruned) as the proof.
      if (i > 0) need(children[i - 1]);
      if (i < children.length) need(children[i]);
    }
  }
  return rebuild(level, needed) ?? [4, hashTree(level)];
}

/** The labeled nodes of one level, left to right. */
function labeledChildren(tree: HashTree): LabeledNode[] {
  if (tree[0] === 2) return [tree];
  if (tree[0] === 1) return [...labeledChildren(tree[1]), ...labeledChildren(tree[2])];
  return [];
}

/** The index of the first child whose label is not less than `label`. */
function lowerBound(children: readonly LabeledNode[], label: Uint8Array): number {
  let lo = 0;
  let hi = children.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareLabels(children[mid][1], label) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The pruned level, or undefined when no child below `tree` is needed. */
function rebuild(tree: HashTree, needed: ReadonlyMap<LabeledNode, (readonly Uint8Array[])[]>): HashTree | undefined {
  if (tree[0] === 2) {
    const rests = needed.get(tree);
    return rests && [2, tree[1], prune(tree[2], rests)];
  }
  if (tree[0] !== 1) return undefined;
  const left = rebuild(tree[1], needed);
  const right = rebuild(tree[2], needed);
  if (!left && !right) return undefined;
  return [1, left ?? [4, hashTree(tree[1])], right ?? [4, hashTree(tree[2])]];
}
