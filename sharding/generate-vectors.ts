/**
 * Writes `sharding/vectors.json`: the inputs below, with outputs computed by the TypeScript
 * implementation. Run once, commit the result, and rerun only when a change to the encoding
 * or the planner is intended (then the diff of `vectors.json` is the review):
 *
 *     node_modules/.bin/node sharding/generate-vectors.ts
 *
 * The output is deterministic: fixed inputs, no clock, no randomness, one vector per line.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex, toHex } from './bytes.ts';
import { encodeKey, MAX_KEY_BYTES, MAX_PARTITION_BYTES } from './key.ts';
import { sortKey } from './sort-key.ts';
import {
  evaluateDecodeKey,
  evaluateEncodeKey,
  evaluatePartitionRange,
  evaluatePlanRebalance,
  evaluatePlanSplit,
  evaluateSlotOf,
  evaluateSlotRange,
  evaluateSlotTable,
  evaluateXxh64,
  type ShardingVectors,
  type SlotBytesJson,
  type SlotSpans,
  type SlotTableOperation,
} from './vectors.ts';

const VECTORS_PATH = fileURLToPath(new URL('./vectors.json', import.meta.url));

/** Canister ids 0..4 in the IC's canister-id format (8-byte index, then 0x01 0x01). */
const CANISTERS = [
  'rwlgt-iiaaa-aaaaa-aaaaa-cai',
  'rrkah-fqaaa-aaaaa-aaaaq-cai',
  'ryjl3-tyaaa-aaaaa-aaaba-cai',
  'r7inp-6aaaa-aaaaa-aaabq-cai',
  'rkp4c-7iaaa-aaaaa-aaaca-cai',
] as const;
const [C0, C1, C2, C3] = CANISTERS;

const utf8 = (text: string): string => toHex(new TextEncoder().encode(text));

/** `length` bytes of a fixed pseudo-random-looking pattern, covering all byte values. */
function pattern(length: number, salt = 0): string {
  return toHex(Uint8Array.from({ length }, (_, i) => (i * 167 + salt * 31 + 11) & 0xff));
}

const slots = (entries: Array<[slot: number, bytes: number | bigint]>): SlotBytesJson[] =>
  entries.map(([slot, bytes]) => ({ slot, bytes: String(bytes) }));
const evenSlots = (first: number, count: number, bytes: number): SlotBytesJson[] =>
  slots(Array.from({ length: count }, (_, i) => [first + i, bytes]));

const operation = (op: SlotTableOperation['op'], spans: SlotSpans, canister: string): SlotTableOperation => ({ op, slots: spans, canister });

const SEED_GOLDEN = String(0x9e3779b97f4a7c15n);
const SEED_MAX = String((1n << 64n) - 1n);
const ETH_ADDRESS = 'd8da6bf26964af9d7eed9e03e53415d37aa96045';
const MAX_PARTITION = pattern(MAX_PARTITION_BYTES, 3);

export function buildVectors(): ShardingVectors {
  const xxh64Inputs = [
    ...[0, 1, 3, 4, 8, 31, 32, 33, 64, 100, 1000].map((length) => ({ input: pattern(length), seed: '0' })),
    { input: utf8('abc'), seed: '0' },
    { input: utf8('Nobody inspects the spammish repetition'), seed: '0' },
    { input: utf8('héllo wörld — 日本語 🎉'), seed: '0' },
    ...[0, 3, 33, 100].flatMap((length) => [
      { input: pattern(length, 1), seed: '1' },
      { input: pattern(length, 2), seed: SEED_GOLDEN },
      { input: pattern(length, 3), seed: SEED_MAX },
    ]),
  ];

  const slotOfInputs = [
    { collection: 'users', partition: utf8('alice') },
    { collection: 'users', partition: utf8('bob') },
    { collection: 'users', partition: '' },
    { collection: 'logs', partition: ETH_ADDRESS },
    { collection: 'blocks', partition: toHex(sortKey.u64(19_000_000)) },
    { collection: 'a', partition: '00' },
    { collection: 'a', partition: 'ff' },
    { collection: 'a', partition: '0000' },
    { collection: 'c'.repeat(255), partition: utf8('max collection') },
    { collection: '日'.repeat(85), partition: utf8('unicode max collection') },
    { collection: 'コレクション', partition: utf8('ключ') },
    { collection: '🎉', partition: pattern(7) },
    { collection: 'logs', partition: MAX_PARTITION },
    ...Array.from({ length: 6 }, (_, i) => ({ collection: 'items', partition: toHex(sortKey.u32(i)) })),
    { collection: 'a\u0000b', partition: '' },
  ];

  const encodeKeyInputs = [
    { collection: 'users', partition: utf8('alice'), sort: '' },
    { collection: 'users', partition: utf8('alice'), sort: toHex(sortKey.u64(42)) },
    { collection: 'logs', partition: ETH_ADDRESS, sort: toHex(sortKey.concat(sortKey.u64(19_000_000), sortKey.u32(7))) },
    { collection: 'bin', partition: '00ff00ff', sort: 'ffff' },
    { collection: 'x', partition: '', sort: '' },
    { collection: 'c'.repeat(255), partition: utf8('p'), sort: '01' },
    { collection: '日'.repeat(85), partition: '', sort: '' },
    { collection: 'コレクション', partition: utf8('ключ'), sort: utf8('значение') },
    { collection: 'big', partition: MAX_PARTITION, sort: '' },
    // Exactly MAX_KEY_BYTES: 5 framing + 1 collection + 1024 partition + 1018 sort.
    { collection: 'k', partition: MAX_PARTITION, sort: pattern(MAX_KEY_BYTES - 5 - 1 - MAX_PARTITION_BYTES, 4) },
    { collection: '', partition: utf8('p'), sort: '' },
    { collection: 'c'.repeat(256), partition: '', sort: '' },
    { collection: 'a\u0000b', partition: '', sort: '' },
    { collection: 'big', partition: pattern(MAX_PARTITION_BYTES + 1), sort: '' },
    { collection: 'k', partition: MAX_PARTITION, sort: pattern(MAX_KEY_BYTES - 5 - 1 - MAX_PARTITION_BYTES + 1, 4) },
  ];

  const encoded = (collection: string, partition: string, sort: string) => toHex(encodeKey(collection, fromHex(partition), fromHex(sort)));
  const alice = encoded('users', utf8('alice'), '');
  const decodeKeyInputs = [
    { key: alice },
    { key: encoded('logs', ETH_ADDRESS, toHex(sortKey.u64(19_000_000))) },
    { key: encoded('日'.repeat(85), '', '') },
    { key: encoded('k', MAX_PARTITION, pattern(MAX_KEY_BYTES - 5 - 1 - MAX_PARTITION_BYTES, 4)) },
    { key: `0000${alice.slice(4)}` }, // slot bytes altered: decodes with slot 0
    { key: '' },
    { key: '07540a7573' }, // collection length 10, 2 bytes present
    { key: `0754017500${'10'}6162` }, // partition length 16, 2 bytes present
    { key: '0000000000' }, // empty collection
    { key: '0000026100' + '0000' }, // 0x00 in the collection
    { key: '000002fffe0000' }, // collection not UTF-8
    { key: `00000161${'0401'}${pattern(MAX_PARTITION_BYTES + 1)}` }, // partition too long
  ];

  const partitionRangeInputs = [
    { collection: 'users', partition: utf8('alice') },
    { collection: 'users', partition: utf8('alice'), from: toHex(sortKey.u64(10)) },
    { collection: 'users', partition: utf8('alice'), to: toHex(sortKey.u64(20)) },
    { collection: 'users', partition: utf8('alice'), from: toHex(sortKey.u64(10)), to: toHex(sortKey.u64(20)) },
    { collection: 'bin', partition: '01ffff' }, // the successor drops the trailing 0xFF bytes
    { collection: 'bin', partition: 'ffff' }, // ... down into the partition length
    { collection: 'users', partition: '' },
    { collection: '', partition: utf8('alice') },
  ];

  const planSplitInputs = [
    { name: 'eight equal slots split four and four', slots: evenSlots(100, 8, 1000) },
    { name: 'unsorted input is cut in slot order', slots: slots([[900, 50], [5, 10], [300, 5000], [42, 20], [7000, 30]]) },
    { name: 'a tie prefers the earlier cut', slots: slots([[1, 10], [2, 10], [3, 0], [4, 10], [5, 10]]) },
    { name: 'one slot holds all data', slots: slots([[10, 0], [11, 777], [12, 0]]) },
    { name: 'no data', slots: slots([[1, 0], [2, 0]]) },
    { name: 'no slots', slots: [] },
    { name: 'byte counts past 2^32', slots: slots([[0, 3_000_000_000], [1, 1_500_000_000], [2, 1_500_000_000], [65535, 4_000_000_000]]) },
    { name: 'forty skewed slots', slots: slots(Array.from({ length: 40 }, (_, i) => [i * 1000, ((i * i * 37) % 1000) + 1])) },
  ];

  const planRebalanceInputs = [
    { name: 'a new empty canister takes half', tolerancePpm: 50_000, canisters: [{ canister: C0, slots: evenSlots(0, 16, 1000) }, { canister: C1, slots: [] }] },
    {
      name: 'three uneven canisters',
      tolerancePpm: 100_000,
      canisters: [
        { canister: C0, slots: slots(Array.from({ length: 10 }, (_, i) => [i, 500 + i * 250])) },
        { canister: C1, slots: slots([[10, 300], [11, 700], [12, 100]]) },
        { canister: C2, slots: [] },
      ],
    },
    { name: 'within tolerance: no moves', tolerancePpm: 100_000, canisters: [{ canister: C0, slots: slots([[0, 1000]]) }, { canister: C1, slots: slots([[1, 950]]) }] },
    { name: 'one dominant slot: no move helps', tolerancePpm: 0, canisters: [{ canister: C0, slots: slots([[5, 10_000]]) }, { canister: C1, slots: [] }] },
    {
      name: 'zero tolerance spreads small slots',
      tolerancePpm: 0,
      canisters: [{ canister: C0, slots: evenSlots(0, 6, 1) }, { canister: C1, slots: [] }, { canister: C2, slots: [] }],
    },
    {
      name: 'ties go to the canister given first',
      tolerancePpm: 10_000,
      canisters: [
        { canister: C0, slots: evenSlots(0, 4, 100) },
        { canister: C1, slots: evenSlots(4, 4, 100) },
        { canister: C2, slots: [] },
        { canister: C3, slots: [] },
      ],
    },
    {
      name: 'loads past 2^32 bytes',
      tolerancePpm: 50_000,
      canisters: [
        { canister: C0, slots: slots([[0, 4_000_000_000], [1, 3_000_000_000], [2, 2_000_000_000]]) },
        { canister: C1, slots: slots([[3, 1_000_000_000]]) },
      ],
    },
  ];

  const slotTableInputs = [
    {
      name: 'a split moves the low half',
      first: C0,
      operations: [
        operation('beginMigration', [[0, 32767]], C1),
        operation('commitMigration', [[0, 32767]], C1),
      ],
    },
    {
      name: 'a migration in progress shows in the ranges; repeating it changes nothing',
      first: C0,
      operations: [
        operation('beginMigration', [[100, 199]], C1),
        operation('beginMigration', [[150, 199]], C1),
        operation('assign', [[65000, 65535]], C2),
        operation('commitMigration', [[100, 149]], C1),
      ],
    },
    {
      name: 'migrating a slot to its owner is refused',
      first: C0,
      operations: [operation('beginMigration', [[7, 7]], C0)],
    },
    {
      name: 'committing a slot that is not migrating is refused',
      first: C0,
      operations: [operation('commitMigration', [[9, 9]], C1)],
    },
  ];

  return {
    description:
      'Shared test vectors for sharding/ (TypeScript) and canisters/lib/ (Motoko). Bytes are hex, 64-bit numbers decimal strings. ' +
      'Generated by sharding/generate-vectors.ts; checked by sharding/vectors.test.ts and canisters/test/sharding-vectors.test.ts.',
    xxh64: xxh64Inputs.map(evaluateXxh64),
    slotOf: slotOfInputs.map(evaluateSlotOf),
    encodeKey: encodeKeyInputs.map(evaluateEncodeKey),
    decodeKey: decodeKeyInputs.map(evaluateDecodeKey),
    partitionRange: partitionRangeInputs.map(evaluatePartitionRange),
    slotRange: [0, 1, 1876, 65535].map((slot) => evaluateSlotRange({ slot })),
    planSplit: planSplitInputs.map(evaluatePlanSplit),
    planRebalance: planRebalanceInputs.map(evaluatePlanRebalance),
    slotTable: slotTableInputs.map(evaluateSlotTable),
  };
}

/** JSON with one vector per line, so that a changed vector is a one-line diff. */
export function formatVectors(vectors: ShardingVectors): string {
  const sections = Object.entries(vectors).map(([name, value]) => {
    const body = Array.isArray(value) ? `[\n${value.map((v) => `    ${JSON.stringify(v)}`).join(',\n')}\n  ]` : JSON.stringify(value);
    return `  ${JSON.stringify(name)}: ${body}`;
  });
  return `{\n${sections.join(',\n')}\n}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(VECTORS_PATH, formatVectors(buildVectors()));
  console.log(`wrote ${VECTORS_PATH}`);
}
