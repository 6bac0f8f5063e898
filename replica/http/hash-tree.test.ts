import {
  Cbor,
  LookupPathStatus,
  lookup_path,
  lookupResultToBuffer,
  reconstruct,
  type HashTree as AgentHashTree,
} from '@dfinity/agent';
import { encode } from '@dfinity/cbor';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildTree,
  compareLabels,
  hashTree,
  labelBytes,
  pruneTree,
  type ForkNode,
  type HashTree,
  type LabeledNode,
  type LabeledTree,
  type Path,
} from './hash-tree.ts';

/** The tree as the agent sees it: CBOR-encoded, then decoded by the agent's own decoder. */
function overTheWire(tree: HashTree): AgentHashTree {
  return Cbor.decode<AgentHashTree>(Cbor.encode(tree));
}

const text = (s: string) => utf8ToBytes(s);

// IC interface specification, "Certification" → "Example".
const SPEC_TREE: HashTree = [
  1,
  [
    1,
    [2, text('a'), [1, [1, [2, text('x'), [3, text('hello')]], [0]], [2, text('y'), [3, text('world')]]]],
    [2, text('b'), [3, text('good')]],
  ],
  [1, [2, text('c'), [0]], [2, text('d'), [3, text('morning')]]],
];
const SPEC_ROOT_HASH = 'eb5c5b2195e62d996b84c9bcc8259d19a83786a2f59e0878cec84c811f669aa0';
const SPEC_PRUNED_CBOR =
  '83018301830241618301820458201b4feff9bef8131788b0c9dc6dbad6e81e524249c879e9f10f71ce3749f5a638' +
  '83024179820345776f726c6483024162820458207b32ac0c6ba8ce35ac82c255fc7906f7fc130dab2a090f80fe12' +
  'f9c2cae83ba6830182045820ec8324b8a1f1ac16bd2e806edba78006479c9877fed4eb464a25485465af601d8302' +
  '41648203476d6f726e696e67';

describe('hashTree', () => {
  it('hashes the specification example to its published root hash', async () => {
    expect(bytesToHex(hashTree(SPEC_TREE))).toBe(SPEC_ROOT_HASH);
    expect(bytesToHex(await reconstruct(overTheWire(SPEC_TREE)))).toBe(SPEC_ROOT_HASH);
  });
});

describe('pruneTree', () => {
  it('prunes the specification example to its published witness', () => {
    const pruned = pruneTree(SPEC_TREE, [['a', 'y'], ['ax'], ['d']]);
    // Plain CBOR, as the specification prints it (certificates add the self-described tag).
    expect(bytesToHex(encode<unknown>(pruned))).toBe(SPEC_PRUNED_CBOR);
    expect(bytesToHex(hashTree(pruned))).toBe(SPEC_ROOT_HASH);
  });

  it('gives the lookups the specification lists for its pruned example, but for one', () => {
    const pruned = overTheWire(pruneTree(SPEC_TREE, [['a', 'y'], ['ax'], ['d']]));
    const lookup = (...path: string[]) => lookup_path(path, pruned);
    expect(lookup('a', 'a').status).toBe(LookupPathStatus.Unknown);
    expect(lookupResultToBuffer(lookup('a', 'y'))).toEqual(text('world'));
    expect(lookup('aa').status).toBe(LookupPathStatus.Absent);
    expect(lookup('ax').status).toBe(LookupPathStatus.Absent);
    expect(lookup('b').status).toBe(LookupPathStatus.Unknown);
    // The specification says Unknown; the agent stops at the sibling "b", a prefix of "bb".
    expect(lookup('bb').status).toBe(LookupPathStatus.Absent);
    expect(lookupResultToBuffer(lookup('d'))).toEqual(text('morning'));
    expect(lookup('e').status).toBe(LookupPathStatus.Absent);
  });

  it('keeps the whole subtree below a path that ends at an inner node', () => {
    const tree = buildTree([
      ['subnet', [['s1', [['public_key', text('k1')], ['node', [['n1', text('v')]]]]]]],
      ['time', text('t')],
    ]);
    const [, subnet, time] = tree as ForkNode;
    expect(pruneTree(tree, [['subnet']])).toEqual([1, subnet, [4, hashTree(time)]]);
  });

  it('prunes everything when no path is asked for', () => {
    const tree = buildTree([['time', text('t')]]);
    expect(pruneTree(tree, [])).toEqual([4, hashTree(tree)]);
  });

  it('keeps a leaf that a longer path runs into, which proves the rest absent', () => {
    const tree = overTheWire(pruneTree(buildTree([['time', text('t')], ['zzz', text('z')]]), [['time', 'more']]));
    expect(lookup_path(['time', 'more'], tree).status).toBe(LookupPathStatus.Absent);
    expect(lookup_path(['zzz'], tree).status).toBe(LookupPathStatus.Unknown);
  });
});

describe('buildTree', () => {
  it('orders sibling labels bytewise, whatever order they come in', () => {
    const tree = buildTree([
      ['b', text('2')],
      [new Uint8Array([0xff]), text('3')],
      ['a', text('1')],
    ]);
    expect(tree).toEqual([
      1,
      [1, [2, text('a'), [3, text('1')]], [2, text('b'), [3, text('2')]]],
      [2, new Uint8Array([0xff]), [3, text('3')]],
    ]);
  });

  it('builds an empty node for an empty level and a leaf for bytes', () => {
    expect(buildTree([])).toEqual([0]);
    expect(buildTree(text('v'))).toEqual([3, text('v')]);
  });

  it('refuses two siblings with the same label', () => {
    expect(() => buildTree([['a', text('1')], [text('a'), text('2')]])).toThrowErrorMatchingInlineSnapshot(`[Error: Duplicate label "a" among siblings of a hash tree]`);
  });

  // Why callers must avoid sibling labels where one is a prefix of the other: the agent's
  // `find_label` stops at the shorter label. If the agent fixes this, this test fails and
  // the caveat in hash-tree.ts can go.
  it('documents the agent flaw: a label next to a sibling that is its prefix is not found', () => {
    const tree = overTheWire(buildTree([['a', text('1')], ['ab', text('2')]]));
    expect(lookup_path(['ab'], tree).status).toBe(LookupPathStatus.Absent);
    expect(lookupResultToBuffer(lookup_path(['a'], tree))).toEqual(text('1'));
  });
});

describe('pruneTree against the full tree (property)', () => {
  // Labels of one fixed length from a small alphabet: collisions and absent neighbours are
  // common, and no label is a proper prefix of a sibling (see the agent flaw above).
  const label = fc.uint8Array({ minLength: 2, maxLength: 2, max: 3 });
  const labeledTree = fc.letrec<{ node: LabeledTree; level: LabeledTree }>((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, fc.uint8Array({ maxLength: 3 }), tie('level')),
    level: fc.uniqueArray(fc.tuple(label, tie('node')), {
      maxLength: 5,
      selector: ([l]) => bytesToHex(l),
    }),
  })).level;
  const path = fc.array(label, { minLength: 1, maxLength: 4 });

  /** Every path from the root to a node of `tree`. */
  function allPaths(tree: LabeledTree, prefix: Uint8Array[] = []): Uint8Array[][] {
    if (tree instanceof Uint8Array) return [];
    return tree.flatMap(([l, sub]) => {
      const here = [...prefix, l as Uint8Array];
      return [here, ...allPaths(sub, here)];
    });
  }

  const below = (p: readonly Uint8Array[], prefix: Path) =>
    prefix.length <= p.length && prefix.every((l, i) => compareLabels(labelBytes(l), p[i]) === 0);

  it('keeps the root hash and the answer for every path at or below a requested one', async () => {
    await fc.assert(
      fc.asyncProperty(labeledTree, fc.array(path, { maxLength: 4 }), fc.nat(), async (data, randomPaths, pick) => {
        const existing = allPaths(data);
        const requested: Path[] = [...randomPaths, ...existing.filter((_, i) => (i + pick) % 3 === 0)];
        const full = buildTree(data);
        const pruned = pruneTree(full, requested);

        expect(hashTree(pruned)).toEqual(hashTree(full));
        expect(await reconstruct(overTheWire(pruned))).toEqual(hashTree(full));

        const agentFull = overTheWire(full);
        const agentPruned = overTheWire(pruned);
        for (const probe of [...existing, ...randomPaths]) {
          const answer = specLookup(probe, pruned);
          if (requested.some((r) => below(probe, r))) {
            // Absent paths come with a proof of absence.
            expect(answer).toEqual(specLookup(probe, full));
            // The agent finds what exists (its flawed comparison may say Unknown for an
            // absent path where the specification says Absent; both mean "no value").
            if (answer.status !== 'Absent') expect(lookup_path(probe, agentPruned)).toEqual(lookup_path(probe, agentFull));
          } else if (answer.status !== 'Unknown') {
            expect(answer).toEqual(specLookup(probe, full));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

type SpecLookup = { status: 'Found'; value: Uint8Array } | { status: 'Absent' | 'Unknown' | 'Error' };

/**
 * `lookup_path` exactly as the specification defines it ("Certification" → "Lookup"), to
 * check absence proofs without the agent's label-comparison flaw.
 */
function specLookup(path: readonly Uint8Array[], tree: HashTree): SpecLookup {
  if (path.length === 0) {
    if (tree[0] === 0) return { status: 'Absent' };
    if (tree[0] === 3) return { status: 'Found', value: tree[1] };
    return { status: tree[0] === 4 ? 'Unknown' : 'Error' };
  }
  const [head, ...rest] = path;
  const level = flatten(tree);
  const match = level.find((node) => node[0] === 2 && compareLabels(node[1], head) === 0);
  if (match) return specLookup(rest, (match as LabeledNode)[2]);
  if (level.length === 1 && level[0][0] === 3) return { status: 'Absent' };
  const less = (node: HashTree | undefined) => node?.[0] === 2 && compareLabels(node[1], head) < 0;
  const greater = (node: HashTree | undefined) => node?.[0] === 2 && compareLabels(node[1], head) > 0;
  for (let k = 0; k <= level.length; k++) {
    if ((k === 0 || less(level[k - 1])) && (k === level.length || greater(level[k]))) return { status: 'Absent' };
  }
  return { status: 'Unknown' };
}

function flatten(tree: HashTree): HashTree[] {
  if (tree[0] === 0) return [];
  if (tree[0] === 1) return [...flatten(tree[1]), ...flatten(tree[2])];
  return [tree];
}
