/**
 * `BigMap.local()`: the embedded replica in this process, live (its time follows the
 * wall clock, timers fire by themselves), with an index canister deployed and the caller
 * as its owner; the client reaches it through the agent with an in-process fetch.
 */
import { Ed25519KeyIdentity } from '@dfinity/identity';
import type { Identity } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { compileBigMapCanister } from '../canisters/build.ts';
import { Replica, createHttpHandler, type ReplicaOptions } from '../replica/index.ts';
import { indexInitArgument, type IndexSettings } from './deploy.ts';
import { BigMap } from './bigmap.ts';
import type { ClientOptions } from './options.ts';

export interface LocalOptions {
  /** The index's settings (capacity, split threshold, initial data canisters…). */
  index?: IndexSettings;
  /** The owner. @default a new Ed25519 identity */
  identity?: Identity;
  /** Client options. */
  options?: Partial<ClientOptions>;
  /** Options of the embedded replica (e.g. `onExecuted` to count instructions). */
  replica?: ReplicaOptions;
}

export interface LocalBigMap {
  bigmap: BigMap;
  replica: Replica;
  indexCanisterId: Principal;
  identity: Identity;
  /** Stops the replica. */
  close(): Promise<void>;
}

/** Cycles the local index starts with: enough for thousands of data canisters. */
const LOCAL_INDEX_CYCLES = 10n ** 18n;

export async function startLocal(options: LocalOptions = {}): Promise<LocalBigMap> {
  const replica = await Replica.create(options.replica);
  const identity = options.identity ?? Ed25519KeyIdentity.generate();
  const owner = identity.getPrincipal();
  const indexCanisterId = await replica.createCanister({ controllers: [owner], cycles: LOCAL_INDEX_CYCLES, sender: owner });
  await replica.installCode(indexCanisterId, compileBigMapCanister('index').wasm, indexInitArgument([owner], options.index), { sender: owner });
  replica.makeLive();
  const bigmap = await BigMap.connect({
    indexCanisterId,
    identity,
    host: 'http://127.0.0.1',
    fetch: createHttpHandler(replica) as typeof fetch,
    fetchRootKey: true,
    ...(options.options ? { options: options.options } : {}),
  });
  return { bigmap, replica, indexCanisterId, identity, close: () => replica.close() };
}
