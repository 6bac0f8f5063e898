/**
 * The format of `vectors.json`, the test vectors shared by the TypeScript and Motoko
 * implementations, and how the TypeScript side computes each vector's outputs.
 *
 * Each `evaluate…` function takes a vector's inputs and returns the whole vector, outputs
 * computed by this implementation. `generate-vectors.ts` writes those results once;
 * `vectors.test.ts` recomputes them from the committed inputs and compares, so a changed
 * hash or encoding shows up as a diff against the committed file. Bytes are lowercase hex
 * and 64-bit numbers decimal strings, as JSON numbers lose precision past 2^53.
 */
import { fromHex, toHex } from './bytes.ts';
import { InvalidKeyError, SlotTableError } from './errors.ts';
import { xxh64 } from './hash.ts';
import { decodeKey, encodeKey, partitionRange, slotOf, slotRange, type Slot } from './key.ts';
import { planRebalance, planSplit, type SlotBytes, type UnsplittableReason } from './planner.ts';
import { SlotTable, type SlotRange } from './slot-table.ts';

export interface ShardingVectors {
  description: string;
  xxh64: Xxh64Vector[];
  slotOf: SlotOfVector[];
  encodeKey: EncodeKeyVector[];
  decodeKey: DecodeKeyVector[];
  partitionRange: PartitionRangeVector[];
  slotRange: SlotRangeVector[];
  planSplit: PlanSplitVector[];
  planRebalance: PlanRebalanceVector[];
  slotTable: SlotTableVector[];
}

/** Either an `ok` output or the error message, the same text in both languages. */
export type Outcome<T> = { ok: T } | { error: string };

export interface Xxh64Vector {
  input: string;
  seed: string;
  hash: string;
}

export interface SlotOfVector {
  collection: string;
  partition: string;
  result: Outcome<Slot>;
}

export interface EncodeKeyVector {
  collection: string;
  partition: string;
  sort: string;
  result: Outcome<string>;
}

export interface DecodedKeyJson {
  slot: Slot;
  collection: string;
  partition: string;
  sort: string;
}

export interface DecodeKeyVector {
  key: string;
  result: Outcome<DecodedKeyJson>;
}

export interface PartitionRangeVector {
  collection: string;
  partition: string;
  from?: string;
  to?: string;
  result: Outcome<{ start: string; end: string }>;
}

export interface SlotRangeVector {
  slot: Slot;
  start: string;
  end: string;
}

export interface SlotBytesJson {
  slot: Slot;
  bytes: string;
}

export type SplitPlanJson =
  | { kind: 'move'; slots: Slot[]; movedBytes: string; keptBytes: string }
  | { kind: 'unsplittable'; reason: UnsplittableReason };

export interface PlanSplitVector {
  name: string;
  slots: SlotBytesJson[];
  plan: SplitPlanJson;
}

export interface PlanRebalanceVector {
  name: string;
  /** Parts per million of the mean; the TypeScript API takes `tolerancePpm / 1e6`. */
  tolerancePpm: number;
  canisters: Array<{ canister: string; slots: SlotBytesJson[] }>;
  moves: Array<{ from: string; to: string; slots: Slot[]; bytes: string }>;
}

/** Inclusive slot ranges, so that a vector can name thousands of slots compactly. */
export type SlotSpans = Array<[start: Slot, end: Slot]>;

export interface SlotTableOperation {
  op: 'assign' | 'beginMigration' | 'commitMigration';
  slots: SlotSpans;
  canister: string;
}

export interface SlotTableVector {
  name: string;
  first: string;
  operations: SlotTableOperation[];
  result: Outcome<{ version: string; ranges: SlotRange[] }>;
}

export function evaluateXxh64(v: Pick<Xxh64Vector, 'input' | 'seed'>): Xxh64Vector {
  return { input: v.input, seed: v.seed, hash: xxh64(fromHex(v.input), BigInt(v.seed)).toString() };
}

export function evaluateSlotOf(v: Pick<SlotOfVector, 'collection' | 'partition'>): SlotOfVector {
  return { collection: v.collection, partition: v.partition, result: outcome(() => slotOf(v.collection, fromHex(v.partition))) };
}

export function evaluateEncodeKey(v: Pick<EncodeKeyVector, 'collection' | 'partition' | 'sort'>): EncodeKeyVector {
  const result = outcome(() => toHex(encodeKey(v.collection, fromHex(v.partition), fromHex(v.sort))));
  return { collection: v.collection, partition: v.partition, sort: v.sort, result };
}

export function evaluateDecodeKey(v: Pick<DecodeKeyVector, 'key'>): DecodeKeyVector {
  const result = outcome(() => {
    const key = decodeKey(fromHex(v.key));
    return { slot: key.slot, collection: key.collection, partition: toHex(key.partition), sort: toHex(key.sort) };
  });
  return { key: v.key, result };
}

export function evaluatePartitionRange(v: Omit<PartitionRangeVector, 'result'>): PartitionRangeVector {
  const result = outcome(() => {
    const range = partitionRange(v.collection, fromHex(v.partition), {
      from: v.from === undefined ? undefined : fromHex(v.from),
      to: v.to === undefined ? undefined : fromHex(v.to),
    });
    return { start: toHex(range.start), end: toHex(range.end) };
  });
  return { ...v, result };
}

export function evaluateSlotRange(v: Pick<SlotRangeVector, 'slot'>): SlotRangeVector {
  const range = slotRange(v.slot);
  return { slot: v.slot, start: toHex(range.start), end: toHex(range.end) };
}

export function evaluatePlanSplit(v: Pick<PlanSplitVector, 'name' | 'slots'>): PlanSplitVector {
  const plan = planSplit(v.slots.map(slotBytesFromJson));
  const planJson: SplitPlanJson =
    plan.kind === 'move'
      ? { kind: 'move', slots: plan.slots, movedBytes: String(plan.movedBytes), keptBytes: String(plan.keptBytes) }
      : { kind: 'unsplittable', reason: plan.reason };
  return { name: v.name, slots: v.slots, plan: planJson };
}

export function evaluatePlanRebalance(v: Omit<PlanRebalanceVector, 'moves'>): PlanRebalanceVector {
  const canisters = v.canisters.map((c) => ({ canister: c.canister, slots: c.slots.map(slotBytesFromJson) }));
  const moves = planRebalance(canisters, { tolerance: v.tolerancePpm / 1_000_000 });
  return { ...v, moves: moves.map((m) => ({ from: m.from, to: m.to, slots: m.slots, bytes: String(m.bytes) })) };
}

export function evaluateSlotTable(v: Omit<SlotTableVector, 'result'>): SlotTableVector {
  const result = outcome(() => {
    let table = SlotTable.create(v.first);
    for (const { op, slots, canister } of v.operations) table = table[op](expandSpans(slots), canister);
    return { version: String(table.version), ranges: table.toRanges() };
  });
  return { ...v, result };
}

/** Every slot of the spans, in order. */
export function expandSpans(spans: SlotSpans): Slot[] {
  return spans.flatMap(([start, end]) => Array.from({ length: end - start + 1 }, (_, i) => start + i));
}

function slotBytesFromJson(s: SlotBytesJson): SlotBytes {
  return { slot: s.slot, bytes: Number(s.bytes) };
}

/** Runs `compute`, turning the expected errors (a bad key, a refused table operation) into `{ error }`. */
function outcome<T>(compute: () => T): Outcome<T> {
  try {
    return { ok: compute() };
  } catch (e) {
    if (e instanceof InvalidKeyError || e instanceof SlotTableError) return { error: e.message };
    throw e;
  }
}
