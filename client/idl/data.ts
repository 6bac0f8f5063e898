/**
 * Candid interface of a BigMap data canister (canisters/data/Data.mo), as the client
 * encodes it, with the TypeScript shapes @dfinity/candid decodes to. `idl.test.ts` checks
 * it against the compiled canister's `.did`.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

const Version = IDL.Nat64;
const Entry = IDL.Record({ value: IDL.Vec(IDL.Nat8), version: Version, writeId: IDL.Opt(IDL.Vec(IDL.Nat8)) });
const Found = IDL.Record({ value: IDL.Vec(IDL.Nat8), version: Version });
const Moved = IDL.Record({ tableVersion: IDL.Nat64 });
const Migrating = IDL.Record({ to: IDL.Principal, tableVersion: IDL.Nat64 });
const Condition = IDL.Variant({ ifAbsent: IDL.Null, ifVersion: Version });

export const PutItem = IDL.Record({
  key: IDL.Vec(IDL.Nat8),
  value: IDL.Vec(IDL.Nat8),
  condition: IDL.Opt(Condition),
  writeId: IDL.Opt(IDL.Vec(IDL.Nat8)),
  returnPrevious: IDL.Opt(IDL.Nat),
});
export const PutResult = IDL.Variant({
  ok: IDL.Record({ version: Version, previous: IDL.Opt(IDL.Vec(IDL.Nat8)) }),
  conflict: IDL.Record({ current: IDL.Opt(Version) }),
  moved: Moved,
  migrating: Migrating,
  unavailable: IDL.Text,
  invalid: IDL.Text,
});
export const DeleteItem = IDL.Record({ key: IDL.Vec(IDL.Nat8), condition: IDL.Opt(IDL.Variant({ ifVersion: Version })), returnPrevious: IDL.Opt(IDL.Nat) });
export const DeleteResult = IDL.Variant({
  ok: IDL.Record({ existed: IDL.Bool, previous: IDL.Opt(IDL.Vec(IDL.Nat8)) }),
  conflict: IDL.Record({ current: IDL.Opt(Version) }),
  moved: Moved,
  migrating: Migrating,
  unavailable: IDL.Text,
  invalid: IDL.Text,
});
export const GetOptions = IDL.Record({ fallback: IDL.Bool, values: IDL.Bool });
export const GetResult = IDL.Variant({
  found: Found,
  absent: IDL.Null,
  moved: Moved,
  migrating: Migrating,
  fallback: IDL.Record({ from: IDL.Principal }),
  notIncluded: IDL.Null,
  invalid: IDL.Text,
});
export const ScanRange = IDL.Variant({
  partition: IDL.Record({ collection: IDL.Text, partition: IDL.Vec(IDL.Nat8), from: IDL.Opt(IDL.Vec(IDL.Nat8)), to: IDL.Opt(IDL.Vec(IDL.Nat8)) }),
  slots: IDL.Record({ first: IDL.Nat16, last: IDL.Nat16, collection: IDL.Opt(IDL.Text) }),
});
export const ScanRequest = IDL.Record({ range: ScanRange, reverse: IDL.Bool, limit: IDL.Nat, after: IDL.Opt(IDL.Vec(IDL.Nat8)) });
const ScanItem = IDL.Record({ key: IDL.Vec(IDL.Nat8), value: IDL.Vec(IDL.Nat8), version: Version });
export const ScanPage = IDL.Record({ items: IDL.Vec(ScanItem), next: IDL.Opt(IDL.Vec(IDL.Nat8)) });
export const ScanResult = IDL.Variant({
  ok: ScanPage,
  moved: Moved,
  migrating: Migrating,
  fallback: IDL.Record({ from: IDL.Principal }),
  invalid: IDL.Text,
});
export const Access = IDL.Record({ read: IDL.Bool, write: IDL.Bool });
export const DataStats = IDL.Record({
  keys: IDL.Nat,
  bytes: IDL.Nat,
  memoryBytes: IDL.Nat,
  heapBytes: IDL.Nat,
  slots: IDL.Nat,
  cycles: IDL.Nat,
  tableVersion: IDL.Nat64,
});
export const SlotBytes = IDL.Record({ slot: IDL.Nat16, bytes: IDL.Nat64 });
export const SlotSpan = IDL.Record({ start: IDL.Nat16, end: IDL.Nat16 });
export const DataInit = IDL.Record({
  index: IDL.Principal,
  slots: IDL.Vec(SlotSpan),
  tableVersion: IDL.Nat64,
  acl: IDL.Vec(IDL.Tuple(IDL.Principal, Access)),
  reportAtBytes: IDL.Nat,
  memoryLimitBytes: IDL.Nat,
});
const MigrationRole = IDL.Variant({ source: IDL.Record({ to: IDL.Principal }), target: IDL.Record({ from: IDL.Principal }) });

/** The data canister's service, for `Actor.createActor`. */
export const dataIdlFactory: IDL.InterfaceFactory = ({ IDL: _ }) =>
  IDL.Service({
    put: IDL.Func([IDL.Vec(PutItem)], [IDL.Vec(PutResult)], []),
    delete: IDL.Func([IDL.Vec(DeleteItem)], [IDL.Vec(DeleteResult)], []),
    get: IDL.Func([IDL.Vec(IDL.Vec(IDL.Nat8)), GetOptions], [IDL.Vec(GetResult)], ['query']),
    scan: IDL.Func([ScanRequest], [ScanResult], ['query']),
    scanMerged: IDL.Func([ScanRequest], [ScanResult], []),
    peerPeek: IDL.Func([IDL.Vec(IDL.Vec(IDL.Nat8))], [IDL.Vec(IDL.Opt(Entry))], ['query']),
    peerScan: IDL.Func([ScanRequest], [ScanPage], ['query']),
    migrationBegin: IDL.Func([IDL.Record({ role: MigrationRole, slots: IDL.Vec(IDL.Nat16), tableVersion: IDL.Nat64 })], [], []),
    migrationRedirect: IDL.Func([], [], []),
    migrationCopy: IDL.Func([IDL.Record({ after: IDL.Opt(IDL.Vec(IDL.Nat8)), maxBytes: IDL.Nat })], [IDL.Record({ next: IDL.Opt(IDL.Vec(IDL.Nat8)), keys: IDL.Nat, bytes: IDL.Nat })], []),
    migrationReceive: IDL.Func([IDL.Record({ entries: IDL.Vec(IDL.Tuple(IDL.Vec(IDL.Nat8), Entry)), copiedThrough: IDL.Opt(IDL.Vec(IDL.Nat8)) })], [], []),
    migrationCommit: IDL.Func([IDL.Record({ slots: IDL.Vec(IDL.Nat16), tableVersion: IDL.Nat64 })], [], []),
    migrationDrop: IDL.Func([IDL.Nat], [IDL.Record({ deletedKeys: IDL.Nat, remaining: IDL.Bool })], []),
    setAccess: IDL.Func([IDL.Vec(IDL.Tuple(IDL.Principal, IDL.Opt(Access)))], [], []),
    stats: IDL.Func([], [DataStats], ['query']),
    slotStats: IDL.Func([], [IDL.Vec(SlotBytes)], ['query']),
    depositCycles: IDL.Func([], [], []),
  });

// ------------------------------------------------------------------ decoded shapes

type Bytes = Uint8Array | number[];
export type Condition = { ifAbsent: null } | { ifVersion: bigint };
export interface PutItemValue {
  key: Uint8Array;
  value: Uint8Array;
  condition: [] | [Condition];
  writeId: [] | [Uint8Array];
  returnPrevious: [] | [bigint];
}
export interface Moved {
  tableVersion: bigint;
}
export interface Migrating {
  to: Principal;
  tableVersion: bigint;
}
export type PutResultValue =
  | { ok: { version: bigint; previous: [] | [Bytes] } }
  | { conflict: { current: [] | [bigint] } }
  | { moved: Moved }
  | { migrating: Migrating }
  | { unavailable: string }
  | { invalid: string };
export interface DeleteItemValue {
  key: Uint8Array;
  condition: [] | [{ ifVersion: bigint }];
  returnPrevious: [] | [bigint];
}
export type DeleteResultValue =
  | { ok: { existed: boolean; previous: [] | [Bytes] } }
  | { conflict: { current: [] | [bigint] } }
  | { moved: Moved }
  | { migrating: Migrating }
  | { unavailable: string }
  | { invalid: string };
export type GetResultValue =
  | { found: { value: Bytes; version: bigint } }
  | { absent: null }
  | { moved: Moved }
  | { migrating: Migrating }
  | { fallback: { from: Principal } }
  | { notIncluded: null }
  | { invalid: string };
export type ScanRangeValue =
  | { partition: { collection: string; partition: Uint8Array; from: [] | [Uint8Array]; to: [] | [Uint8Array] } }
  | { slots: { first: number; last: number; collection: [] | [string] } };
export interface ScanRequestValue {
  range: ScanRangeValue;
  reverse: boolean;
  limit: bigint;
  after: [] | [Uint8Array];
}
export interface ScanItemValue {
  key: Bytes;
  value: Bytes;
  version: bigint;
}
export interface ScanPageValue {
  items: ScanItemValue[];
  next: [] | [Bytes];
}
export type ScanResultValue =
  | { ok: ScanPageValue }
  | { moved: Moved }
  | { migrating: Migrating }
  | { fallback: { from: Principal } }
  | { invalid: string };
export interface AccessValue {
  read: boolean;
  write: boolean;
}
export interface DataStatsValue {
  keys: bigint;
  bytes: bigint;
  memoryBytes: bigint;
  heapBytes: bigint;
  slots: bigint;
  cycles: bigint;
  tableVersion: bigint;
}

/** The data canister methods the client calls. */
export interface DataService {
  put(items: PutItemValue[]): Promise<PutResultValue[]>;
  delete(items: DeleteItemValue[]): Promise<DeleteResultValue[]>;
  get(keys: Uint8Array[], options: { fallback: boolean; values: boolean }): Promise<GetResultValue[]>;
  scan(request: ScanRequestValue): Promise<ScanResultValue>;
  scanMerged(request: ScanRequestValue): Promise<ScanResultValue>;
  stats(): Promise<DataStatsValue>;
}
