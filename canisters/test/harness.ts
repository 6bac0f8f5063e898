/**
 * Test harness for the BigMap canisters on the embedded replica: deploys an index,
 * drives it, and routes items the way the protocol says (a minimal router: the real one,
 * with batching and retries, is the client's).
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { compileBigMapCanister } from '../build.ts';
import { Replica, type ReplicaActor } from '../../replica/index.ts';
import { IndexInit, indexIdlFactory, type IndexInitValue, type IndexService, type RoutingTableValue } from '../../client/idl/index.ts';
import { dataIdlFactory, type DataService, type GetResultValue, type PutResultValue, type DeleteResultValue, type ScanRequestValue, type ScanItemValue, type ScanPageValue } from '../../client/idl/data.ts';
import { slotOf as slotOfKey, encodeKey } from '../../sharding/index.ts';

export const OWNER = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');

/** Every method of a data canister, admin and peer ones included (tests call them to check refusals). */
export interface DataAdmin extends DataService {
  peerPeek(keys: Uint8Array[]): Promise<Array<[] | [{ value: Uint8Array; version: bigint; writeId: [] | [Uint8Array] }]>>;
  peerScan(request: ScanRequestValue): Promise<ScanPageValue>;
  migrationBegin(args: { role: { source: { to: Principal } } | { target: { from: Principal } }; slots: number[]; tableVersion: bigint }): Promise<void>;
  migrationRedirect(): Promise<void>;
  migrationCopy(args: { after: [] | [Uint8Array]; maxBytes: bigint }): Promise<{ next: [] | [Uint8Array]; keys: bigint; bytes: bigint }>;
  migrationReceive(args: { entries: Array<[Uint8Array, { value: Uint8Array; version: bigint; writeId: [] | [Uint8Array] }]>; copiedThrough: [] | [Uint8Array] }): Promise<void>;
  migrationCommit(args: { slots: number[]; tableVersion: bigint }): Promise<void>;
  migrationDrop(maxKeys: bigint): Promise<{ deletedKeys: bigint; remaining: boolean }>;
  setAccess(entries: Array<[Principal, [] | [{ read: boolean; write: boolean }]]>): Promise<void>;
  slotStats(): Promise<Array<{ slot: number; bytes: bigint }>>;
  depositCycles(): Promise<void>;
}

export interface Deployment {
  replica: Replica;
  indexId: Principal;
  index: ReplicaActor<IndexService>;
  data(id: Principal, sender?: Principal): ReplicaActor<DataAdmin>;
}

export type IndexOptions = Partial<{ [K in keyof Omit<IndexInitValue, 'owners'>]: IndexInitValue[K] extends [] | [infer V] ? V : never }>;

/** Encodes the index's init argument; unset options take the index's defaults. */
export function indexInit(owners: Principal[], options: IndexOptions = {}): Uint8Array {
  const opt = <V>(v: V | undefined): [] | [V] => (v === undefined ? [] : [v]);
  const value: IndexInitValue = {
    owners,
    capacityBytes: opt(options.capacityBytes),
    splitAt: opt(options.splitAt),
    memoryLimitBytes: opt(options.memoryLimitBytes),
    cyclesPerCanister: opt(options.cyclesPerCanister),
    initialDataCanisters: opt(options.initialDataCanisters),
    topUpBelowCycles: opt(options.topUpBelowCycles),
    topUpCycles: opt(options.topUpCycles),
    driverIntervalSeconds: opt(options.driverIntervalSeconds),
    pollIntervalSeconds: opt(options.pollIntervalSeconds),
    copyChunkBytes: opt(options.copyChunkBytes),
  };
  return new Uint8Array(IDL.encode([IndexInit], [value]));
}

/** Deploys an index (owner: {@link OWNER}) and lets it create its first data canisters. */
export async function deploy(options: IndexOptions = {}, replica?: Replica): Promise<Deployment> {
  const r = replica ?? (await Replica.create());
  const indexId = await r.createCanister({ controllers: [OWNER], cycles: 10n ** 16n, sender: OWNER });
  await r.installCode(indexId, compileBigMapCanister('index').wasm, indexInit([OWNER], options), { sender: OWNER });
  const index = r.createActor<IndexService>(indexIdlFactory, indexId, { sender: OWNER });
  const deployment: Deployment = {
    replica: r,
    indexId,
    index,
    data: (id, sender = OWNER) => r.createActor<DataAdmin>(dataIdlFactory, id, { sender }),
  };
  await settle(deployment);
  return deployment;
}

/** Runs index steps until it is idle; fails on a step that reports a failure. */
export async function settle(d: Deployment, maxSteps = 10_000): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    const outcome = await d.index.step();
    if (!outcome.more) {
      if (outcome.did !== 'idle') throw new Error(`index step failed: ${outcome.did}`);
      return;
    }
  }
  throw new Error(`index still busy after ${maxSteps} steps`);
}

export const text = (s: string) => new TextEncoder().encode(s);
export const key = (collection: string, partition: string, sort = '') => encodeKey(collection, text(partition), text(sort));

/** Follows the routing protocol for single items, as a client would (without batching). */
export class Router {
  readonly #d: Deployment;
  readonly #sender: Principal;
  readonly #whileUnavailable: () => Promise<unknown>;
  #table: RoutingTableValue | undefined;

  /**
   * @param whileUnavailable what to do before retrying an `#unavailable` answer (a slot
   *   about to move): by default one index step, standing in for the driver's timer.
   */
  constructor(d: Deployment, sender = OWNER, whileUnavailable: () => Promise<unknown> = () => d.index.step()) {
    this.#d = d;
    this.#sender = sender;
    this.#whileUnavailable = whileUnavailable;
  }

  async refresh(): Promise<void> {
    this.#table = await this.#d.index.routingTable();
  }

  /** The canister the cached table sends a slot's writes and reads to. */
  async ownerOf(slot: number): Promise<Principal> {
    if (!this.#table) await this.refresh();
    const range = this.#table!.ranges.find((r) => r.start <= slot && slot <= r.end);
    if (!range) throw new Error(`slot ${slot} has no owner in the routing table`);
    return range.migratingTo[0] ?? range.owner;
  }

  #slot(k: Uint8Array): number {
    return (k[0] << 8) | k[1];
  }

  async #route<R>(k: Uint8Array, call: (canister: Principal) => Promise<R>, redirect: (r: R) => Principal | 'refresh' | 'retry' | undefined): Promise<R> {
    let target = await this.ownerOf(this.#slot(k));
    for (let hop = 0; hop < 20; hop++) {
      const result = await call(target);
      const next = redirect(result);
      if (next === undefined) return result;
      if (next === 'retry') {
        await this.#whileUnavailable();
        continue;
      }
      if (next === 'refresh') {
        await this.refresh();
        target = await this.ownerOf(this.#slot(k));
      } else {
        target = next;
      }
    }
    throw new Error('too many redirects');
  }

  async put(k: Uint8Array, value: Uint8Array, condition: [] | [{ ifAbsent: null } | { ifVersion: bigint }] = []): Promise<PutResultValue> {
    return this.#route(
      k,
      async (c) => (await this.#d.data(c, this.#sender).put([{ key: k, value, condition, writeId: [], returnPrevious: [] }]))[0],
      (r) => ('moved' in r ? 'refresh' : 'migrating' in r ? r.migrating.to : 'unavailable' in r ? 'retry' : undefined),
    );
  }

  async delete(k: Uint8Array): Promise<DeleteResultValue> {
    return this.#route(
      k,
      async (c) => (await this.#d.data(c, this.#sender).delete([{ key: k, condition: [], returnPrevious: [] }]))[0],
      (r) => ('moved' in r ? 'refresh' : 'migrating' in r ? r.migrating.to : 'unavailable' in r ? 'retry' : undefined),
    );
  }

  async get(k: Uint8Array): Promise<GetResultValue> {
    const result = await this.#route(
      k,
      async (c) => (await this.#d.data(c, this.#sender).get([k], { fallback: false, values: true }))[0],
      (r) => ('moved' in r ? 'refresh' : 'migrating' in r ? r.migrating.to : undefined),
    );
    if ('fallback' in result) {
      const [fromSource] = await this.#d.data(result.fallback.from, this.#sender).get([k], { fallback: true, values: true });
      // The source moved on meanwhile (the migration committed): ask again from the start.
      return 'moved' in fromSource ? this.get(k) : fromSource;
    }
    return result;
  }

  /** Every item of a partition, following pages and merged scans. */
  async scanPartition(collection: string, partition: string, reverse = false): Promise<ScanItemValue[]> {
    const slot = slotOfKey(collection, text(partition));
    const items: ScanItemValue[] = [];
    let after: [] | [Uint8Array] = [];
    for (let page = 0; page < 1000; page++) {
      const request: ScanRequestValue = { range: { partition: { collection, partition: text(partition), from: [], to: [] } }, reverse, limit: 7n, after };
      let canister = await this.ownerOf(slot);
      let result = await this.#d.data(canister, this.#sender).scan(request);
      for (let hop = 0; hop < 20 && !('ok' in result); hop++) {
        if ('fallback' in result) result = await this.#d.data(canister, this.#sender).scanMerged(request);
        else {
          if ('moved' in result) await this.refresh();
          canister = 'migrating' in result ? result.migrating.to : await this.ownerOf(slot);
          result = await this.#d.data(canister, this.#sender).scan(request);
        }
      }
      if (!('ok' in result)) throw new Error(`scan failed: ${JSON.stringify(result)}`);
      items.push(...result.ok.items);
      if (result.ok.next.length === 0) return items;
      after = [Uint8Array.from(result.ok.next[0])];
    }
    throw new Error('scan did not finish');
  }
}
