/**
 * Shared fixtures of the reliability tests: a live BigMap on the embedded replica reached
 * through the real `@dfinity/agent` (in-process fetch), clients for any identity, raw data
 * canister actors, a "stranger" relay canister, and the integrity check every test ends
 * with: a set of known keys reads back unchanged and every data canister holds exactly the
 * keys it held before.
 */
import { join } from 'node:path';
import { IDL } from '@dfinity/candid';
import { Actor, HttpAgent, type Identity } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { expect } from 'vitest';
import { compileBigMapCanister, compileMotoko, REPO_ROOT } from '../../canisters/build.ts';
import { BigMap, codecs, indexInitArgument, type ClientOptions, type IndexSettings, type LocalBigMap } from '../../client/index.ts';
import { dataIdlFactory, type DataStatsValue } from '../../client/idl/data.ts';
import type { DataAdmin } from '../../canisters/test/harness.ts';
import { indexIdlFactory, type IndexService } from '../../client/idl/index.ts';
import { createHttpHandler, type Replica } from '../../replica/index.ts';

export const HOST = 'http://127.0.0.1';


export type IndexActor = IndexService;

/** A live BigMap and the ways to reach it. */
export interface Fixture {
  local: LocalBigMap;
  replica: Replica;
  indexId: Principal;
  owner: Identity;
  fetch: typeof fetch;
  /** A client as `identity` (anonymous when omitted). */
  connect(identity?: Identity, options?: Partial<ClientOptions>): Promise<BigMap>;
  agent(identity?: Identity): Promise<HttpAgent>;
  /** A data canister's actor through the real agent, as `identity`. */
  data(id: Principal, identity?: Identity): Promise<DataAdmin>;
  index(identity?: Identity): Promise<IndexActor>;
  dataCanisters(): Promise<Principal[]>;
}

export async function startFixture(settings: IndexSettings = {}): Promise<Fixture> {
  const local = await BigMap.local({ index: settings });
  const handler = createHttpHandler(local.replica) as typeof fetch;
  const agents = new Map<string, Promise<HttpAgent>>();
  const agent = (identity?: Identity) => {
    const key = identity ? identity.getPrincipal().toText() : 'anonymous';
    let a = agents.get(key);
    if (!a) {
      // No agent-level retries: a refusal is the answer these tests look at.
      a = HttpAgent.create({ host: HOST, fetch: handler, shouldFetchRootKey: true, logToConsole: false, retryTimes: 0, ...(identity ? { identity } : {}) });
      agents.set(key, a);
    }
    return a;
  };
  const fx: Fixture = {
    local,
    replica: local.replica,
    indexId: local.indexCanisterId,
    owner: local.identity,
    fetch: handler,
    connect: (identity, options) =>
      BigMap.connect({ indexCanisterId: local.indexCanisterId, host: HOST, fetch: handler, ...(identity ? { identity } : {}), ...(options ? { options } : {}) }),
    agent,
    data: async (id, identity = local.identity) => Actor.createActor<DataAdmin>(dataIdlFactory, { agent: await agent(identity), canisterId: id }),
    index: async (identity = local.identity) => Actor.createActor<IndexActor>(indexIdlFactory, { agent: await agent(identity), canisterId: local.indexCanisterId }),
    dataCanisters: async () => (await fx.index()).dataCanisters(),
  };
  return fx;
}

/** Deploys another BigMap index on the same replica (owned by `owner`), as BigMap.local does. */
export async function deployIndex(replica: Replica, owner: Principal, settings: IndexSettings = {}): Promise<Principal> {
  const id = await replica.createCanister({ controllers: [owner], cycles: 10n ** 18n, sender: owner });
  await replica.installCode(id, compileBigMapCanister('index').wasm, indexInitArgument([owner], settings), { sender: owner });
  return id;
}

export const newIdentity = () => Ed25519KeyIdentity.generate();

// ------------------------------------------------------------------ integrity

export interface Baseline {
  collection: string;
  values: Map<string, string>;
  /** Keys per data canister (principal text). */
  keys: Map<string, bigint>;
}

/** Per data canister key counts, read from each canister as the owner. */
export async function keyCounts(fx: Fixture): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for (const id of await fx.dataCanisters()) {
    const stats: DataStatsValue = await (await fx.data(id)).stats();
    out.set(id.toText(), stats.keys);
  }
  return out;
}

/** Writes `count` known keys (spread over every data canister) and records the baseline. */
export async function seed(fx: Fixture, collection: string, count = 60): Promise<Baseline> {
  const known = fx.local.bigmap.collection(collection, { value: codecs.text() });
  const values = new Map(Array.from({ length: count }, (_, i) => [`known-${i}`, `value-${i}-${'.'.repeat(i % 7)}`] as const));
  const results = await known.putMany(values);
  expect(results.every((r) => r.ok)).toBe(true);
  return { collection, values, keys: await keyCounts(fx) };
}

/**
 * The known keys read back unchanged, and every data canister holds the keys it held (or,
 * after a rebalance moved keys on purpose, all of them together hold as many).
 */
export async function expectIntact(fx: Fixture, baseline: Baseline, options: { moved?: boolean } = {}): Promise<void> {
  const known = fx.local.bigmap.collection(baseline.collection, { value: codecs.text() });
  const names = [...baseline.values.keys()];
  const back = await known.getMany(names);
  expect(back.map((r) => (r.ok ? r.value : String(r.error)))).toEqual([...baseline.values.values()]);
  const now = await keyCounts(fx);
  const total = (m: Map<string, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);
  if (options.moved) {
    expect(total(now), 'keys in all data canisters').toBe(total(baseline.keys));
    return;
  }
  for (const [id, keys] of baseline.keys) expect(now.get(id), `keys in data canister ${id}`).toBe(keys);
  // Canisters added since hold nothing.
  for (const [id, keys] of now) if (!baseline.keys.has(id)) expect(keys, `keys in new data canister ${id}`).toBe(0n);
}

// ------------------------------------------------------------------ failures

/** The rejection of `p` (fails the test if it resolves). */
export async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

// ------------------------------------------------------------------ a stranger canister

const relayIdl: IDL.InterfaceFactory = ({ IDL: I }) =>
  I.Service({ relay: I.Func([I.Principal, I.Text, I.Vec(I.Nat8)], [I.Variant({ ok: I.Vec(I.Nat8), err: I.Text })], []) });

export interface Relay {
  id: Principal;
  /** Calls `method` of `target` from the relay canister; the reply bytes or the reject message. */
  call(target: Principal, method: string, arg: Uint8Array): Promise<{ ok: Uint8Array } | { err: string }>;
}

/** Installs test/reliability/canisters/Relay.mo: a canister that forwards raw calls. */
export async function installRelay(replica: Replica, controller: Principal): Promise<Relay> {
  const wasm = compileMotoko('Relay.mo', { sourceRoot: join(REPO_ROOT, 'test', 'reliability', 'canisters') }).wasm;
  const id = await replica.createCanister({ controllers: [controller], cycles: 10n ** 14n, sender: controller });
  await replica.installCode(id, wasm, new Uint8Array(IDL.encode([], [])), { sender: controller });
  const actor = replica.createActor<{ relay(t: Principal, m: string, a: Uint8Array): Promise<{ ok: Uint8Array } | { err: string }> }>(relayIdl, id, { sender: controller });
  return { id, call: (target, method, arg) => actor.relay(target, method, arg) };
}

export const candid = (types: IDL.Type[], values: unknown[]) => new Uint8Array(IDL.encode(types, values));
export const utf8 = (s: string) => new TextEncoder().encode(s);
