/**
 * The KvMap baseline canister (bench/canisters/KvMap.mo): one `mo:core` Map from Blob to
 * Blob, no sharding — what a user would write instead of BigMap. Its wasm and Candid
 * interface, for the replica's in-process actor and for the agent's.
 */
import type { ActorMethod } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { join } from 'node:path';
import { REPO_ROOT, compileMotoko } from '../../canisters/build.ts';

export type KvMapService = {
  put: ActorMethod<[Uint8Array, Uint8Array], undefined>;
  putMany: ActorMethod<[Array<[Uint8Array, Uint8Array]>], undefined>;
  get: ActorMethod<[Uint8Array], [] | [Uint8Array]>;
  delete: ActorMethod<[Uint8Array], undefined>;
  size: ActorMethod<[], bigint>;
};

export const kvMapIdl: IDL.InterfaceFactory = ({ IDL }) =>
  IDL.Service({
    put: IDL.Func([IDL.Vec(IDL.Nat8), IDL.Vec(IDL.Nat8)], [], []),
    putMany: IDL.Func([IDL.Vec(IDL.Tuple(IDL.Vec(IDL.Nat8), IDL.Vec(IDL.Nat8)))], [], []),
    get: IDL.Func([IDL.Vec(IDL.Nat8)], [IDL.Opt(IDL.Vec(IDL.Nat8))], ['query']),
    delete: IDL.Func([IDL.Vec(IDL.Nat8)], [], []),
    size: IDL.Func([], [IDL.Nat], ['query']),
  });

/** KvMap's wasm (compiled once, then from the build cache). */
export function kvMapWasm(): Uint8Array {
  return compileMotoko('KvMap.mo', { sourceRoot: join(REPO_ROOT, 'bench', 'canisters') }).wasm;
}
