/**
 * The replica's state as a checkpoint's snapshot file records it (JSON through
 * snapshot-json.ts); canister memories are in page files, modules in their own files.
 */
import type { DelayedResponse, IngressRecord, ManagementMessage } from '../replica.ts';
import type { CanisterSnapshot } from './canister-snapshot.ts';

export interface ReplicaSnapshot {
  /** Seed of the root and node keys: a restored replica signs with the same keys. */
  keySeed: Uint8Array;
  /** raw_rand's state. */
  random: Uint8Array;
  randomCounter: number;
  timeNanos: bigint;
  lastChargeNanos: bigint;
  nextCanisterId: bigint;
  nextIngress: bigint;
  managementQueue: ManagementMessage[];
  /** Responses held back by fault injection (tests). */
  delayedResponses: DelayedResponse[];
  /** Ingress messages not yet forgotten, answered or not. */
  ingress: Array<[string, IngressRecord]>;
  /** In scheduling (id) order. */
  canisters: CanisterSnapshot[];
}
