/**
 * What the end-to-end suite measures: BigMap through its client, and the baselines it is
 * compared with, behind one interface so that every cell runs the same workload code.
 */
import type { Principal } from '@dfinity/principal';

export type TargetName = 'bigmap' | 'bigmap-unbatched' | 'kvmap-replica' | 'kvmap-agent' | 'data-replica';

export type Operation = 'put' | 'get' | 'delete' | 'scan';

/**
 * How a cell issues its operations:
 *  - `single`: one at a time, each awaited before the next;
 *  - `coalesced`: single calls (`put`, `get`, `delete`) made concurrently in bursts;
 *    BigMap's batcher turns each burst into batches, the baselines send one call each;
 *  - `batch`: explicit batch calls (`putMany`, `getMany`, `deleteMany`);
 *  - `pages`: a scan of one partition, page by page, in sort-key order.
 */
export type Mode = 'single' | 'coalesced' | 'batch' | 'pages';

export type Entries = ReadonlyArray<readonly [string, Uint8Array]>;

export interface Target {
  readonly name: TargetName;
  /** One line: what is called and how. */
  readonly description: string;
  /** The canisters whose executions are this target's (for instructions and cycles). */
  readonly canisters: readonly Principal[];
  /** The canister methods each operation runs. */
  readonly methods: Readonly<Record<Operation, readonly string[]>>;
  /** Modes not measured: they would measure the same code as another target. */
  readonly skipModes: readonly Mode[];
  put(key: string, value: Uint8Array): Promise<void>;
  putMany(entries: Entries): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  getMany?(keys: readonly string[]): Promise<Array<Uint8Array | undefined>>;
  /** @returns whether the key existed; undefined when the target's API does not say */
  delete(key: string): Promise<boolean | undefined>;
  deleteMany?(keys: readonly string[]): Promise<Array<boolean | undefined>>;
  /** Items of one partition, kept in sort-key order. */
  scan?: {
    /** Stores `values` in `partition` with sort keys 0, 1, … (not measured). */
    load(partition: string, values: readonly Uint8Array[]): Promise<void>;
    /** Every value of `partition`, in sort-key order. */
    read(partition: string): Promise<Uint8Array[]>;
  };
}

/** Whether `target` is measured doing `operation` in `mode`. */
export function supports(target: Target, operation: Operation, mode: Mode): boolean {
  if (target.skipModes.includes(mode)) return false;
  if (operation === 'scan') return mode === 'pages' && target.scan !== undefined;
  if (mode === 'pages') return false;
  if (mode !== 'batch') return true;
  return operation === 'put' || (operation === 'get' ? target.getMany !== undefined : target.deleteMany !== undefined);
}
