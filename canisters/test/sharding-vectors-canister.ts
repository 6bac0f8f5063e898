/**
 * The ShardingVectors test canister (`ShardingVectors.mo`, the Motoko sharding modules as
 * query methods) seen from TypeScript: its Candid interface, and one evaluator per kind of
 * vector in `sharding/vectors.json`.
 *
 * Each evaluator takes a vector, asks the canister for its outputs and returns the whole
 * vector in the JSON shape of `sharding/vectors.ts` (hex bytes, decimal 64-bit numbers,
 * principals as text, `{ error }` for an `#err`), the way that file's `evaluate…`
 * functions do for TypeScript. A test compares the result with the vector on file, so any
 * difference between the compiled Motoko and the TypeScript, error texts included, is a
 * diff that names the vector.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { fromHex, toHex } from '../../sharding/bytes.ts';
import type {
  DecodeKeyVector,
  EncodeKeyVector,
  Outcome,
  PartitionRangeVector,
  PlanRebalanceVector,
  PlanSplitVector,
  SlotBytesJson,
  SlotOfVector,
  SlotRangeVector,
  SlotTableOperation,
  SlotTableVector,
  SplitPlanJson,
  Xxh64Vector,
} from '../../sharding/vectors.ts';
import type { SlotRange } from '../../sharding/slot-table.ts';

// ------------------------------------------------------------------ Candid interface

const Blob = IDL.Vec(IDL.Nat8);
const Slot = IDL.Nat16;
const KeyRange = IDL.Record({ start: Blob, end: Blob });
const Key = IDL.Record({ slot: Slot, collection: IDL.Text, partition: Blob, sort: Blob });
const SlotBytes = IDL.Record({ slot: IDL.Nat16, bytes: IDL.Nat64 });
const SplitPlan = IDL.Variant({
  move: IDL.Record({ slots: IDL.Vec(IDL.Nat16), movedBytes: IDL.Nat64, keptBytes: IDL.Nat64 }),
  unsplittable: IDL.Variant({ noData: IDL.Null, oneSlotHoldsAllData: IDL.Null }),
});
const CanisterLoad = IDL.Record({ canister: IDL.Principal, slots: IDL.Vec(SlotBytes) });
const Move = IDL.Record({ from: IDL.Principal, to: IDL.Principal, slots: IDL.Vec(IDL.Nat16), bytes: IDL.Nat64 });
const SlotSpan = IDL.Record({ start: IDL.Nat16, end: IDL.Nat16 });
const OperationArgs = IDL.Record({ slots: IDL.Vec(SlotSpan), canister: IDL.Principal });
const Operation = IDL.Variant({ assign: OperationArgs, beginMigration: OperationArgs, commitMigration: OperationArgs });
const CanisterSlotRange = IDL.Record({ start: Slot, end: Slot, owner: IDL.Principal, migratingTo: IDL.Opt(IDL.Principal) });
const SlotTableSnapshot = IDL.Record({ version: IDL.Nat64, ranges: IDL.Vec(CanisterSlotRange) });
const Result = (ok: IDL.Type) => IDL.Variant({ ok, err: IDL.Text });

/** The service of `ShardingVectors.mo`; its `.did` is snapshotted by `sharding-vectors.test.ts`. */
export const shardingVectorsIdlFactory: IDL.InterfaceFactory = () =>
  IDL.Service({
    xxh64: IDL.Func([Blob, IDL.Nat64], [IDL.Nat64], ['query']),
    slotOf: IDL.Func([IDL.Text, Blob], [Result(IDL.Nat16)], ['query']),
    encodeKey: IDL.Func([IDL.Text, Blob, Blob], [Result(Blob)], ['query']),
    decodeKey: IDL.Func([Blob], [Result(Key)], ['query']),
    partitionRange: IDL.Func([IDL.Text, Blob, IDL.Opt(Blob), IDL.Opt(Blob)], [Result(KeyRange)], ['query']),
    slotRange: IDL.Func([IDL.Nat16], [KeyRange], ['query']),
    planSplit: IDL.Func([IDL.Vec(SlotBytes)], [SplitPlan], ['query']),
    planRebalance: IDL.Func([IDL.Vec(CanisterLoad), IDL.Nat], [IDL.Vec(Move)], ['query']),
    replaySlotTable: IDL.Func([IDL.Principal, IDL.Vec(Operation)], [Result(SlotTableSnapshot)], ['query']),
  });

type CandidResult<T> = { ok: T } | { err: string };
/** Candid `vec nat16` decodes to a typed array, `blob` to bytes. */
type Slots = ArrayLike<number>;
interface KeyRangeValue {
  start: Uint8Array;
  end: Uint8Array;
}
interface SlotBytesValue {
  slot: number;
  bytes: bigint;
}
interface SlotRangeValue {
  start: number;
  end: number;
  owner: Principal;
  migratingTo: [] | [Principal];
}
type OperationValue = { [op in SlotTableOperation['op']]: { [K in op]: { slots: Array<{ start: number; end: number }>; canister: Principal } } }[SlotTableOperation['op']];

/** The canister's methods, as decoded by `@dfinity/candid`. */
export interface ShardingVectorsService {
  xxh64(data: Uint8Array, seed: bigint): Promise<bigint>;
  slotOf(collection: string, partition: Uint8Array): Promise<CandidResult<number>>;
  encodeKey(collection: string, partition: Uint8Array, sort: Uint8Array): Promise<CandidResult<Uint8Array>>;
  decodeKey(key: Uint8Array): Promise<CandidResult<{ slot: number; collection: string; partition: Uint8Array; sort: Uint8Array }>>;
  partitionRange(collection: string, partition: Uint8Array, from: [] | [Uint8Array], to: [] | [Uint8Array]): Promise<CandidResult<KeyRangeValue>>;
  slotRange(slot: number): Promise<KeyRangeValue>;
  planSplit(slots: SlotBytesValue[]): Promise<{ move: { slots: Slots; movedBytes: bigint; keptBytes: bigint } } | { unsplittable: { noData: null } | { oneSlotHoldsAllData: null } }>;
  planRebalance(canisters: Array<{ canister: Principal; slots: SlotBytesValue[] }>, tolerancePpm: bigint): Promise<Array<{ from: Principal; to: Principal; slots: Slots; bytes: bigint }>>;
  replaySlotTable(first: Principal, operations: OperationValue[]): Promise<CandidResult<{ version: bigint; ranges: SlotRangeValue[] }>>;
}

// ------------------------------------------------------------------ evaluators

/** For each kind of vector, a function that recomputes a vector's outputs on the canister. */
export interface ShardingVectorsEvaluators {
  xxh64(v: Xxh64Vector): Promise<Xxh64Vector>;
  slotOf(v: SlotOfVector): Promise<SlotOfVector>;
  encodeKey(v: EncodeKeyVector): Promise<EncodeKeyVector>;
  decodeKey(v: DecodeKeyVector): Promise<DecodeKeyVector>;
  partitionRange(v: PartitionRangeVector): Promise<PartitionRangeVector>;
  slotRange(v: SlotRangeVector): Promise<SlotRangeVector>;
  planSplit(v: PlanSplitVector): Promise<PlanSplitVector>;
  planRebalance(v: PlanRebalanceVector): Promise<PlanRebalanceVector>;
  slotTable(v: SlotTableVector): Promise<SlotTableVector>;
}

/** Evaluators that ask `canister`; see the module comment. */
export function canisterEvaluators(canister: ShardingVectorsService): ShardingVectorsEvaluators {
  return {
    xxh64: async (v) => ({ input: v.input, seed: v.seed, hash: String(await canister.xxh64(fromHex(v.input), BigInt(v.seed))) }),
    slotOf: async (v) => ({ collection: v.collection, partition: v.partition, result: outcome(await canister.slotOf(v.collection, fromHex(v.partition)), (slot) => slot) }),
    encodeKey: async (v) => ({
      collection: v.collection,
      partition: v.partition,
      sort: v.sort,
      result: outcome(await canister.encodeKey(v.collection, fromHex(v.partition), fromHex(v.sort)), toHex),
    }),
    decodeKey: async (v) => ({
      key: v.key,
      result: outcome(await canister.decodeKey(fromHex(v.key)), (k) => ({ slot: k.slot, collection: k.collection, partition: toHex(k.partition), sort: toHex(k.sort) })),
    }),
    partitionRange: async ({ result: _, ...inputs }) => ({
      ...inputs,
      result: outcome(await canister.partitionRange(inputs.collection, fromHex(inputs.partition), optionalBytes(inputs.from), optionalBytes(inputs.to)), rangeJson),
    }),
    slotRange: async (v) => ({ slot: v.slot, ...rangeJson(await canister.slotRange(v.slot)) }),
    planSplit: async (v) => ({ name: v.name, slots: v.slots, plan: splitPlanJson(await canister.planSplit(v.slots.map(slotBytesValue))) }),
    planRebalance: async ({ moves: _, ...inputs }) => {
      const loads = inputs.canisters.map((c) => ({ canister: Principal.fromText(c.canister), slots: c.slots.map(slotBytesValue) }));
      const moves = await canister.planRebalance(loads, BigInt(inputs.tolerancePpm));
      return { ...inputs, moves: moves.map((m) => ({ from: m.from.toText(), to: m.to.toText(), slots: Array.from(m.slots), bytes: String(m.bytes) })) };
    },
    slotTable: async ({ result: _, ...inputs }) => {
      const snapshot = await canister.replaySlotTable(Principal.fromText(inputs.first), inputs.operations.map(operationValue));
      return { ...inputs, result: outcome(snapshot, (t) => ({ version: String(t.version), ranges: t.ranges.map(slotRangeJson) })) };
    },
  };
}

// Private: Candid values to and from the JSON of vectors.json.

function outcome<T, J>(result: CandidResult<T>, toJson: (value: T) => J): Outcome<J> {
  return 'ok' in result ? { ok: toJson(result.ok) } : { error: result.err };
}

function optionalBytes(hex: string | undefined): [] | [Uint8Array] {
  return hex === undefined ? [] : [fromHex(hex)];
}

function rangeJson(range: KeyRangeValue): { start: string; end: string } {
  return { start: toHex(range.start), end: toHex(range.end) };
}

function slotBytesValue(s: SlotBytesJson): SlotBytesValue {
  return { slot: s.slot, bytes: BigInt(s.bytes) };
}

function splitPlanJson(plan: Awaited<ReturnType<ShardingVectorsService['planSplit']>>): SplitPlanJson {
  if ('move' in plan) {
    const { slots, movedBytes, keptBytes } = plan.move;
    return { kind: 'move', slots: Array.from(slots), movedBytes: String(movedBytes), keptBytes: String(keptBytes) };
  }
  return { kind: 'unsplittable', reason: 'noData' in plan.unsplittable ? 'noData' : 'oneSlotHoldsAllData' };
}

function operationValue({ op, slots, canister }: SlotTableOperation): OperationValue {
  const args = { slots: slots.map(([start, end]) => ({ start, end })), canister: Principal.fromText(canister) };
  return { [op]: args } as OperationValue;
}

/** A range as `SlotTable.toRanges` gives it in TypeScript: `migratingTo` only when set. */
function slotRangeJson(range: SlotRangeValue): SlotRange {
  const [migratingTo] = range.migratingTo;
  return { start: range.start, end: range.end, owner: range.owner.toText(), ...(migratingTo === undefined ? {} : { migratingTo: migratingTo.toText() }) };
}
