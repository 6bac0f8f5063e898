/**
 * A connection to one BigMap: its index canister and data canisters, through the
 * `@dfinity/agent` HttpAgent — against mainnet, dfx, PocketIC or the embedded replica.
 *
 * @example
 * const bm = await BigMap.connect({ indexCanisterId, identity });            // mainnet
 * const bm = await BigMap.connect({ indexCanisterId, host: 'http://127.0.0.1:4943' }); // local
 * const users = bm.collection('users', { value: codecs.json<User>() });
 */
import { Actor, HttpAgent, type Identity } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import * as admin from './admin.ts';
import { Collection } from './collection.ts';
import type { Codec } from './codecs.ts';
import { ClientCore } from './core.ts';
import { BigMapError } from './errors/index.ts';
import type { BigMapEvents } from './events.ts';
import { dataIdlFactory, type DataService } from './idl/data.ts';
import { indexIdlFactory, type IndexService } from './idl/index.ts';
import type { KeyFormat } from './keys.ts';
import { resolveOptions, type ClientOptions } from './options.ts';
import type { ScheduleFn } from './batching/batcher.ts';
import type { LocalBigMap, LocalOptions } from './local.ts';

export const MAINNET_HOST = 'https://icp-api.io';

export interface ConnectOptions {
  /** The BigMap's index canister. */
  indexCanisterId: string | Principal;
  /** The replica's URL. @default 'https://icp-api.io' (mainnet) */
  host?: string;
  /** Who calls. @default the anonymous principal */
  identity?: Identity;
  /** An agent to use as is (then host, identity, fetch and rootKey are ignored). */
  agent?: HttpAgent;
  /** A fetch function, e.g. the embedded replica's in-process handler. */
  fetch?: typeof fetch;
  /** The replica's root key (DER), for a development replica whose key is known. */
  rootKey?: Uint8Array;
  /**
   * Fetch the root key from the replica (development replicas only: on mainnet the key is
   * built into the agent). @default true unless `host` is mainnet
   */
  fetchRootKey?: boolean;
  /** Client options: batch sizes, retries, concurrency. */
  options?: Partial<ClientOptions>;
  /** How single calls are batched (DataLoader's scheduling by default). */
  batchScheduleFn?: ScheduleFn;
}

export class BigMap {
  readonly indexCanisterId: Principal;
  readonly agent: HttpAgent;
  readonly #core: ClientCore;

  private constructor(indexCanisterId: Principal, agent: HttpAgent, core: ClientCore) {
    this.indexCanisterId = indexCanisterId;
    this.agent = agent;
    this.#core = core;
  }

  /**
   * Connects to a BigMap and reads its slot table.
   * @throws BigMapError when the index cannot be reached or is not a BigMap index
   */
  static async connect(options: ConnectOptions): Promise<BigMap> {
    const resolved = resolveOptions(options.options);
    const indexCanisterId = typeof options.indexCanisterId === 'string' ? Principal.fromText(options.indexCanisterId) : options.indexCanisterId;
    const host = options.host ?? MAINNET_HOST;
    const agent =
      options.agent ??
      (await HttpAgent.create({
        host,
        ...(options.identity ? { identity: options.identity } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.rootKey ? { rootKey: options.rootKey } : {}),
        shouldFetchRootKey: !options.rootKey && (options.fetchRootKey ?? host !== MAINNET_HOST),
        // The client reports failures in its own errors (with the agent's as their cause).
        logToConsole: false,
      }));
    const index = Actor.createActor<IndexService>(indexIdlFactory, { agent, canisterId: indexCanisterId });
    const dataActor = (id: Principal) => Actor.createActor<DataService>(dataIdlFactory, { agent, canisterId: id });
    const core = new ClientCore(index, dataActor, resolved, options.batchScheduleFn);
    const bigmap = new BigMap(indexCanisterId, agent, core);
    try {
      await core.routes.table();
    } catch (e) {
      throw new BigMapError(`Could not read the slot table of the BigMap index ${indexCanisterId.toText()} at ${options.agent ? 'the given agent' : host}.`, {
        metaMessages: ['Check the index canister id and the host; for a local replica run `npx bigmap start`.'],
        cause: e,
      });
    }
    return bigmap;
  }

  /**
   * Starts the embedded replica in this process, deploys an index (the caller is its
   * owner) and connects to it. Node.js 24 or newer.
   * @example
   * const { bigmap, replica, close } = await BigMap.local({ index: { capacityBytes: 1_000_000 } });
   */
  static async local(options: LocalOptions = {}): Promise<LocalBigMap> {
    const { startLocal } = await import('./local.ts');
    return startLocal(options);
  }

  /**
   * A typed collection. `keys: 'bytes'` returns keys from scans as bytes instead of text.
   * @example
   * const blobs = bm.collection('blobs', { value: codecs.bytes(), keys: 'bytes' });
   */
  collection<V, F extends KeyFormat = 'text'>(name: string, options: { value: Codec<V>; keys?: F }): Collection<V, F> {
    return new Collection<V, F>(this.#core, name, options.value, (options.keys ?? 'text') as F);
  }

  /** Load figures of every data canister, and the migrations in progress. */
  stats(): Promise<admin.Stats> {
    return admin.stats(this.#core);
  }

  /** Evens out the stored bytes across data canisters; resolves when the moves are done. Owners only. */
  rebalance(options: { tolerance?: number; onProgress?: (p: admin.Progress) => void } = {}): Promise<{ moves: number; bytes: bigint }> {
    return admin.rebalance(this.#core, options);
  }

  /** Resolves when no migration is running or queued. */
  waitForMigrations(options: { onProgress?: (p: admin.Progress) => void } = {}): Promise<void> {
    return admin.waitForMigrations(this.#core, 0, options.onProgress);
  }

  /** Upgrades every data canister to the wasm the index carries, one at a time. Owners only. */
  upgradeDataCanisters(options: { onProgress?: (p: { done: number; total: number; current?: string }) => void } = {}): Promise<{ upgraded: string[] }> {
    return admin.upgradeDataCanisters(this.#core, options);
  }

  /** Lets `principal` read (and write, if asked) every collection. Owners only. */
  authorize(principal: Principal, access: { read?: boolean; write?: boolean } = { read: true }): Promise<void> {
    return admin.authorize(this.#core, principal, access);
  }

  /** Takes `principal`'s access away; resolves once every data canister refuses it. Owners only. */
  revoke(principal: Principal): Promise<void> {
    return admin.revoke(this.#core, principal);
  }

  /** Re-reads the slot table from the index now. */
  async refreshRoutes(): Promise<bigint> {
    return (await this.#core.routes.refresh()).version;
  }

  /** Listens to client events; returns a function that stops listening. */
  on<K extends keyof BigMapEvents>(event: K, listener: (payload: BigMapEvents[K]) => void): () => void {
    return this.#core.events.on(event, listener);
  }
}
