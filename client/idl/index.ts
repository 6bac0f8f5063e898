/**
 * Candid interface of the BigMap index canister (canisters/index/main.mo) and the
 * TypeScript shapes @dfinity/candid decodes to. `idl.test.ts` checks it against the
 * compiled canister's `.did`.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { Access, DataStats } from './data.ts';
import type { AccessValue, DataStatsValue } from './data.ts';

export const IndexInit = IDL.Record({
  owners: IDL.Vec(IDL.Principal),
  capacityBytes: IDL.Opt(IDL.Nat),
  splitAt: IDL.Opt(IDL.Float64),
  memoryLimitBytes: IDL.Opt(IDL.Nat),
  cyclesPerCanister: IDL.Opt(IDL.Nat),
  initialDataCanisters: IDL.Opt(IDL.Nat),
  topUpBelowCycles: IDL.Opt(IDL.Nat),
  topUpCycles: IDL.Opt(IDL.Nat),
  driverIntervalSeconds: IDL.Opt(IDL.Nat),
  pollIntervalSeconds: IDL.Opt(IDL.Nat),
  copyChunkBytes: IDL.Opt(IDL.Nat),
});
const SlotRange = IDL.Record({ start: IDL.Nat16, end: IDL.Nat16, owner: IDL.Principal, migratingTo: IDL.Opt(IDL.Principal) });
export const RoutingTable = IDL.Record({ version: IDL.Nat64, ranges: IDL.Vec(SlotRange) });
const Reason = IDL.Variant({ split: IDL.Null, rebalance: IDL.Null });
const Phase = IDL.Variant({
  beginSource: IDL.Null,
  beginTarget: IDL.Null,
  redirectSource: IDL.Null,
  beginTable: IDL.Null,
  copy: IDL.Null,
  commitTarget: IDL.Null,
  commitTable: IDL.Null,
  commitSource: IDL.Null,
  drop: IDL.Null,
  done: IDL.Null,
});
const MigrationView = IDL.Record({
  id: IDL.Nat,
  reason: Reason,
  from: IDL.Principal,
  to: IDL.Principal,
  slots: IDL.Nat,
  plannedBytes: IDL.Nat64,
  phase: Phase,
  copiedKeys: IDL.Nat,
  copiedBytes: IDL.Nat,
  droppedKeys: IDL.Nat,
  startedAtNanos: IDL.Int,
  updatedAtNanos: IDL.Int,
  attempts: IDL.Nat,
  lastError: IDL.Opt(IDL.Text),
});
export const MigrationStatus = IDL.Record({
  active: IDL.Opt(MigrationView),
  queued: IDL.Vec(IDL.Record({ reason: Reason, from: IDL.Principal, to: IDL.Principal, slots: IDL.Nat, bytes: IDL.Nat64 })),
  history: IDL.Vec(MigrationView),
  splitRequests: IDL.Vec(IDL.Principal),
  lastError: IDL.Opt(IDL.Text),
});
const Config = IDL.Record({
  capacityBytes: IDL.Nat,
  splitAtPerMille: IDL.Nat,
  memoryLimitBytes: IDL.Nat,
  cyclesPerCanister: IDL.Nat,
  initialDataCanisters: IDL.Nat,
  topUpBelowCycles: IDL.Nat,
  topUpCycles: IDL.Nat,
  driverIntervalSeconds: IDL.Nat,
  pollIntervalSeconds: IDL.Nat,
  copyChunkBytes: IDL.Nat,
});
const PlannedMove = IDL.Record({ reason: Reason, from: IDL.Principal, to: IDL.Principal, slots: IDL.Vec(IDL.Nat16), bytes: IDL.Nat64 });
export const IndexStats = IDL.Record({
  version: IDL.Nat64,
  canisters: IDL.Vec(IDL.Record({ id: IDL.Principal, reachable: IDL.Bool, stats: IDL.Opt(DataStats) })),
  migrations: MigrationStatus,
  config: Config,
  indexCycles: IDL.Nat,
});
const UpgradeStatus = IDL.Record({
  pending: IDL.Vec(IDL.Principal),
  done: IDL.Vec(IDL.Principal),
  failed: IDL.Vec(IDL.Tuple(IDL.Principal, IDL.Text)),
  current: IDL.Opt(IDL.Record({ canister: IDL.Principal, step: IDL.Variant({ stop: IDL.Null, install: IDL.Null, start: IDL.Null }) })),
  finished: IDL.Bool,
});
const StepOutcome = IDL.Record({ did: IDL.Text, more: IDL.Bool });

/** The index canister's service, for `Actor.createActor`. */
export const indexIdlFactory: IDL.InterfaceFactory = () =>
  IDL.Service({
    routingTable: IDL.Func([], [RoutingTable], ['query']),
    dataCanisters: IDL.Func([], [IDL.Vec(IDL.Principal)], ['query']),
    getOwners: IDL.Func([], [IDL.Vec(IDL.Principal)], ['query']),
    configuration: IDL.Func([], [Config], ['query']),
    migrationStatus: IDL.Func([], [MigrationStatus], ['query']),
    stats: IDL.Func([], [IndexStats], []),
    authorize: IDL.Func([IDL.Principal, Access], [], []),
    revoke: IDL.Func([IDL.Principal], [], []),
    accessList: IDL.Func([], [IDL.Vec(IDL.Tuple(IDL.Principal, Access))], ['query']),
    rebalance: IDL.Func([IDL.Float64], [IDL.Vec(PlannedMove)], []),
    addDataCanister: IDL.Func([], [IDL.Principal], []),
    split: IDL.Func([IDL.Principal], [], []),
    upgradeDataCanisters: IDL.Func([], [], []),
    upgradeStatus: IDL.Func([], [IDL.Opt(UpgradeStatus)], ['query']),
    step: IDL.Func([], [StepOutcome], []),
    reportLoad: IDL.Func([DataStats], [], ['oneway']),
  });

// ------------------------------------------------------------------ decoded shapes

export interface IndexInitValue {
  owners: Principal[];
  capacityBytes: [] | [bigint];
  splitAt: [] | [number];
  memoryLimitBytes: [] | [bigint];
  cyclesPerCanister: [] | [bigint];
  initialDataCanisters: [] | [bigint];
  topUpBelowCycles: [] | [bigint];
  topUpCycles: [] | [bigint];
  driverIntervalSeconds: [] | [bigint];
  pollIntervalSeconds: [] | [bigint];
  copyChunkBytes: [] | [bigint];
}
export interface SlotRangeValue {
  start: number;
  end: number;
  owner: Principal;
  migratingTo: [] | [Principal];
}
export interface RoutingTableValue {
  version: bigint;
  ranges: SlotRangeValue[];
}
export type ReasonValue = { split: null } | { rebalance: null };
export type PhaseValue =
  | { beginSource: null }
  | { beginTarget: null }
  | { redirectSource: null }
  | { beginTable: null }
  | { copy: null }
  | { commitTarget: null }
  | { commitTable: null }
  | { commitSource: null }
  | { drop: null }
  | { done: null };
export interface MigrationViewValue {
  id: bigint;
  reason: ReasonValue;
  from: Principal;
  to: Principal;
  slots: bigint;
  plannedBytes: bigint;
  phase: PhaseValue;
  copiedKeys: bigint;
  copiedBytes: bigint;
  droppedKeys: bigint;
  startedAtNanos: bigint;
  updatedAtNanos: bigint;
  attempts: bigint;
  lastError: [] | [string];
}
export interface MigrationStatusValue {
  active: [] | [MigrationViewValue];
  queued: Array<{ reason: ReasonValue; from: Principal; to: Principal; slots: bigint; bytes: bigint }>;
  history: MigrationViewValue[];
  splitRequests: Principal[];
  lastError: [] | [string];
}
export interface ConfigValue {
  capacityBytes: bigint;
  splitAtPerMille: bigint;
  memoryLimitBytes: bigint;
  cyclesPerCanister: bigint;
  initialDataCanisters: bigint;
  topUpBelowCycles: bigint;
  topUpCycles: bigint;
  driverIntervalSeconds: bigint;
  pollIntervalSeconds: bigint;
  copyChunkBytes: bigint;
}
export interface PlannedMoveValue {
  reason: ReasonValue;
  from: Principal;
  to: Principal;
  slots: number[] | Uint16Array;
  bytes: bigint;
}
export interface IndexStatsValue {
  version: bigint;
  canisters: Array<{ id: Principal; reachable: boolean; stats: [] | [DataStatsValue] }>;
  migrations: MigrationStatusValue;
  config: ConfigValue;
  indexCycles: bigint;
}
export interface UpgradeStatusValue {
  pending: Principal[];
  done: Principal[];
  failed: Array<[Principal, string]>;
  current: [] | [{ canister: Principal; step: { stop: null } | { install: null } | { start: null } }];
  finished: boolean;
}

/** The index methods the client and the CLI call. */
export interface IndexService {
  routingTable(): Promise<RoutingTableValue>;
  dataCanisters(): Promise<Principal[]>;
  getOwners(): Promise<Principal[]>;
  configuration(): Promise<ConfigValue>;
  migrationStatus(): Promise<MigrationStatusValue>;
  stats(): Promise<IndexStatsValue>;
  authorize(principal: Principal, access: AccessValue): Promise<void>;
  revoke(principal: Principal): Promise<void>;
  accessList(): Promise<Array<[Principal, AccessValue]>>;
  rebalance(tolerance: number): Promise<PlannedMoveValue[]>;
  addDataCanister(): Promise<Principal>;
  split(canister: Principal): Promise<void>;
  upgradeDataCanisters(): Promise<void>;
  upgradeStatus(): Promise<[] | [UpgradeStatusValue]>;
  step(): Promise<{ did: string; more: boolean }>;
}
