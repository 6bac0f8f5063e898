/**
 * `BigMap.local()`: the embedded replica in this process, live (its time follows the
 * wall clock, timers fire by themselves), with an index canister deployed and the caller
 * as its owner; the client reaches it through the agent with an in-process fetch.
 *
 * With `stateDir` the BigMap outlives the process: the replica checkpoints there, and the
 * next `BigMap.local({ stateDir })` (or `bigmap start`) finds the same index, owner and data.
 * What it keeps where: see local-paths.ts.
 */
import { Ed25519KeyIdentity } from '@dfinity/identity';
import type { Identity } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { compileBigMapCanister } from '../canisters/build.ts';
import { Replica, createHttpHandler, type ReplicaOptions } from '../replica/index.ts';
import { indexInitArgument, type IndexSettings } from './deploy.ts';
import { BigMap } from './bigmap.ts';
import { BigMapError } from './errors/index.ts';
import { ensurePemIdentity } from './identity-file.ts';
import { localStatePaths } from './local-paths.ts';
import type { ClientOptions } from './options.ts';

export interface LocalOptions {
  /**
   * Keep the BigMap in this directory across restarts (created when absent).
   * @default none: everything lives in memory and ends with the process
   */
  stateDir?: string;
  /** The index's settings (capacity, split threshold, initial data canisters…), on first start. */
  index?: IndexSettings;
  /** The owner. @default with `stateDir`, the identity in `<stateDir>/identity.pem` (created on first start); else a new Ed25519 identity */
  identity?: Identity;
  /** Client options. */
  options?: Partial<ClientOptions>;
  /** Options of the embedded replica (e.g. `onExecuted` to count instructions, `durability`). */
  replica?: Omit<ReplicaOptions, 'stateDir'>;
}

export interface LocalBigMap {
  bigmap: BigMap;
  replica: Replica;
  indexCanisterId: Principal;
  identity: Identity;
  /** Whether the BigMap was restored from `stateDir` (false: deployed now). */
  restored: boolean;
  /** Stops the replica (after a last checkpoint, with `stateDir`). */
  close(): Promise<void>;
}

/** Cycles the local index starts with: enough for thousands of data canisters. */
const LOCAL_INDEX_CYCLES = 10n ** 18n;

export async function startLocal(options: LocalOptions = {}): Promise<LocalBigMap> {
  const paths = options.stateDir === undefined ? undefined : localStatePaths(options.stateDir);
  const identity = options.identity ?? (paths ? ensurePemIdentity(paths.identity) : Ed25519KeyIdentity.generate());
  const replica = await Replica.create({ ...options.replica, ...(paths ? { stateDir: paths.replica } : {}) });
  try {
    let indexCanisterId = paths ? recordedIndex(paths.index) : undefined;
    const restored = indexCanisterId !== undefined;
    if (indexCanisterId === undefined) {
      indexCanisterId = await deployIndex(replica, identity.getPrincipal(), options.index);
      if (paths) {
        // The index must be on disk before its id is recorded, or a crash would record a canister that is not.
        await replica.checkpoint();
        writeFileSync(paths.index, `${JSON.stringify({ indexCanisterId: indexCanisterId.toText() }, null, 2)}\n`);
      }
    } else if (!replica.canisterState(indexCanisterId)) {
      throw new BigMapError(`${paths!.index} names index canister ${indexCanisterId.toText()}, which the replica state in ${paths!.replica} does not hold.`, {
        metaMessages: ['The state directory is inconsistent: restore it from a backup, or start with a new one.'],
      });
    }
    replica.makeLive();
    const bigmap = await BigMap.connect({
      indexCanisterId,
      identity,
      host: 'http://127.0.0.1',
      fetch: createHttpHandler(replica) as typeof fetch,
      fetchRootKey: true,
      ...(options.options ? { options: options.options } : {}),
    });
    return { bigmap, replica, indexCanisterId, identity, restored, close: () => replica.close() };
  } catch (e) {
    await replica.close();
    throw e;
  }
}

async function deployIndex(replica: Replica, owner: Principal, settings: IndexSettings | undefined): Promise<Principal> {
  const id = await replica.createCanister({ controllers: [owner], cycles: LOCAL_INDEX_CYCLES, sender: owner });
  await replica.installCode(id, compileBigMapCanister('index').wasm, indexInitArgument([owner], settings), { sender: owner });
  return id;
}

function recordedIndex(path: string): Principal | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return Principal.fromText((JSON.parse(readFileSync(path, 'utf8')) as { indexCanisterId: string }).indexCanisterId);
  } catch (e) {
    throw new BigMapError(`${path} does not name an index canister (${(e as Error).message}).`, { metaMessages: ['Restore the state directory from a backup, or start with a new one.'] });
  }
}
