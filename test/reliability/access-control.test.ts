/**
 * Access control: owners authorize and revoke readers and writers; a revocation holds at
 * once on every data canister (those spawned after the grant, and after a migration moved
 * the keys, included); only the index spawns, migrates and upgrades data canisters; and
 * `canister_inspect_message` refuses unauthorized ingress before it executes or costs the
 * canister cycles. Every test ends with the stored data intact.
 */
import { AnonymousIdentity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileBigMapCanister } from '../../canisters/build.ts';
import { OWNER, Router, deploy, key, settle, text, type Deployment } from '../../canisters/test/harness.ts';
import { UnauthorizedError, codecs, type BigMap } from '../../client/index.ts';
import { Access, DataStats, DeleteItem, PutItem, ScanRequest, type PutItemValue } from '../../client/idl/data.ts';
import { encodeKey, slotOf } from '../../sharding/index.ts';
import { Replica, type ExecutionRecord } from '../../replica/index.ts';
import { candid, expectIntact, failure, installRelay, keyCounts, newIdentity, seed, startFixture, utf8, type Baseline, type Fixture, type Relay } from './helpers.ts';
import { rejection } from '../../replica/test/helpers.ts';

const item = (k: Uint8Array, value: Uint8Array, extra: Partial<PutItemValue> = {}): PutItemValue => ({ key: k, value, condition: [], writeId: [], returnPrevious: [], ...extra });
const str = (b: Uint8Array | number[]) => new TextDecoder().decode(Uint8Array.from(b));
const RW = { read: true, write: true };
const EMPTY = candid([], []);

async function readAll<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

// ------------------------------------------------------------------ grants and revocations

describe('authorize and revoke, through the agent', () => {
  let fx: Fixture;
  let bm: BigMap;
  let base: Baseline;
  beforeAll(async () => {
    fx = await startFixture({ initialDataCanisters: 2 });
    bm = fx.local.bigmap;
    base = await seed(fx, 'known', 40);
  });
  afterAll(() => fx?.local.close());

  it('a read-only principal reads everything and can write or administer nothing; revoked, it reads nothing', async () => {
    const reader = newIdentity();
    await bm.authorize(reader.getPrincipal(), { read: true });
    expect(await (await fx.index()).accessList()).toEqual([[reader.getPrincipal(), { read: true, write: false }]]);

    const theirs = await fx.connect(reader);
    const known = theirs.collection('known', { value: codecs.text() });
    expect(await known.get('known-3')).toBe(base.values.get('known-3'));
    expect(await known.has('known-4')).toBe(true);
    expect((await known.getMany(['known-5', 'absent'])).map((r) => r.ok && r.value)).toEqual([base.values.get('known-5'), undefined]);
    expect((await readAll(known.entries())).length).toBe(base.values.size);
    // Their stats come from queries (the index's stats, which calls every data canister, is
    // for owners): the same fresh figures, but for the index's own cycles.
    const [theirStats, ownerStats] = [await theirs.stats(), await bm.stats()];
    const figures = (s: typeof ownerStats) => [s.version, s.capacityBytes, s.migrations, s.canisters.map((c) => [c.id, c.reachable, c.keys, c.bytes, c.slots])];
    expect(figures(theirStats)).toEqual(figures(ownerStats));
    expect(theirStats.canisters.reduce((n, c) => n + c.keys, 0n)).toBe(BigInt(base.values.size));
    expect(theirStats.indexCycles).toBeUndefined();
    expect(ownerStats.indexCycles).toBeGreaterThan(0n);

    const refused: Array<[string, () => Promise<unknown>]> = [
      ['put', () => known.put('known-1', 'overwritten')],
      ['delete', () => known.delete('known-2')],
      ['authorize', () => theirs.authorize(newIdentity().getPrincipal(), { read: true })],
      ['revoke', () => theirs.revoke(reader.getPrincipal())],
      ['rebalance', () => theirs.rebalance()],
      ['upgradeDataCanisters', () => theirs.upgradeDataCanisters()],
    ];
    for (const [name, call] of refused) expect(await failure(call()), name).toBeInstanceOf(UnauthorizedError);
    expect((await known.putMany([['known-6', 'x']]))[0]).toMatchObject({ ok: false, error: expect.any(UnauthorizedError) });
    expect((await known.deleteMany(['known-7']))[0]).toMatchObject({ ok: false, error: expect.any(UnauthorizedError) });
    const index = await fx.index(reader);
    for (const [name, call] of [
      ['addDataCanister', () => index.addDataCanister()],
      ['split', () => index.split(Principal.anonymous())],
      ['step', () => index.step()],
      ['accessList', () => index.accessList()],
      ['stats', () => index.stats()],
    ] as Array<[string, () => Promise<unknown>]>) {
      expect((await failure(call())).message, name).toMatch(/explicitly refused message|Unauthorized/);
    }

    await bm.revoke(reader.getPrincipal());
    expect(await failure(known.get('known-3'))).toBeInstanceOf(UnauthorizedError);
    expect(await failure(theirs.stats())).toBeInstanceOf(UnauthorizedError);
    expect(await (await fx.index()).accessList()).toEqual([]);
    await expectIntact(fx, base);
  });

  it('a read-write principal writes and reads; a write-only one writes but reads nothing, not even the value it replaces', async () => {
    const writer = newIdentity();
    await bm.authorize(writer.getPrincipal(), RW);
    const mine = (await fx.connect(writer)).collection('mine', { value: codecs.text() });
    await mine.put('a', 'written by a writer');
    expect(await mine.get('a')).toBe('written by a writer');
    expect(await mine.delete('a')).toBe(true);
    await bm.revoke(writer.getPrincipal());

    // Write-only: the replaced value's head (returnPrevious) is data; it must not come back.
    const blind = newIdentity();
    await bm.authorize(blind.getPrincipal(), { read: false, write: true });
    const secrets = bm.collection('secrets', { value: codecs.text() });
    await secrets.put('s', 'top secret');
    const stored = encodeKey('secrets', utf8('s'));
    const owner = (await (await fx.index()).routingTable()).ranges.find((r) => r.start <= slotOf('secrets', utf8('s')) && slotOf('secrets', utf8('s')) <= r.end)!.owner;
    const direct = await fx.data(owner, blind);
    const put = (await direct.put([item(stored, utf8('\u0000overwritten'), { returnPrevious: [1024n] })]))[0];
    expect(put).toEqual({ ok: { version: expect.any(BigInt), previous: [] } });
    const del = (await direct.delete([{ key: stored, condition: [], returnPrevious: [1024n] }]))[0];
    expect(del).toEqual({ ok: { existed: true, previous: [] } });
    expect((await failure(direct.get([stored], { fallback: false, values: true }))).message).toContain('may not read');
    const blindClient = (await fx.connect(blind)).collection('secrets', { value: codecs.text() });
    expect(await failure(blindClient.get('s'))).toBeInstanceOf(UnauthorizedError);
    await bm.revoke(blind.getPrincipal());
    expect(await secrets.get('s')).toBeUndefined();
    // An owner still gets the replaced value's head.
    await secrets.put('s', 'again');
    const head = (await (await fx.data(owner)).put([item(stored, utf8('\u0000x'), { returnPrevious: [6n] })]))[0];
    expect('ok' in head && str(head.ok.previous[0] ?? [])).toBe('\u0000again');
    await secrets.delete('s');
    await expectIntact(fx, base);
  });

  it('a write-only principal that replaces or deletes a chunked value frees its chunks, learning only where they are', async () => {
    const small = { chunkThresholdBytes: 1_000, chunkSizeBytes: 400 };
    const big = (fill: number) => new Uint8Array(2_000).fill(fill); // a manifest and 5 chunks
    const blind = newIdentity();
    await bm.authorize(blind.getPrincipal(), { read: false, write: true });
    const mine = (await fx.connect(fx.owner, small)).collection('chunked', { value: codecs.bytes() });
    const theirs = (await fx.connect(blind, small)).collection('chunked', { value: codecs.bytes() });
    const total = async () => [...(await keyCounts(fx)).values()].reduce((a, b) => a + b, 0n);
    const before = await total();

    // What a writer gets back of a replaced manifest: the chunk size, count and id, not the
    // value's size or SHA-256. (It writes the same manifest back, so nothing is orphaned.)
    await mine.put('big', big(1));
    expect(await total()).toBe(before + 6n);
    const stored = encodeKey('chunked', utf8('big'));
    const slot = slotOf('chunked', utf8('big'));
    const owner = (await (await fx.index()).routingTable()).ranges.find((r) => r.start <= slot && slot <= r.end)!.owner;
    const [got] = await (await fx.data(owner)).get([stored], { fallback: false, values: true });
    const manifest = Uint8Array.from('found' in got ? got.found.value : []);
    expect(manifest).toHaveLength(65);
    const [rewrite] = await (await fx.data(owner, blind)).put([item(stored, manifest, { returnPrevious: [1024n] })]);
    const refs = Uint8Array.from(manifest.map((b, i) => (i === 0 || (i >= 9 && i < 33) ? b : 0)));
    expect('ok' in rewrite && Uint8Array.from(rewrite.ok.previous[0] ?? [])).toEqual(refs);
    expect(manifest.subarray(33).some((b) => b !== 0)).toBe(true); // the SHA-256 was there to hide

    // Replaced by an inline value, by a chunked one, then deleted: no chunk stays behind.
    await theirs.put('big', new Uint8Array([7]));
    expect(await total()).toBe(before + 1n);
    expect(await mine.get('big')).toEqual(new Uint8Array([7]));
    await mine.put('big', big(2));
    await theirs.put('big', big(3));
    expect(await total()).toBe(before + 6n);
    expect(await mine.get('big')).toEqual(big(3));
    expect(await theirs.delete('big')).toBe(true);
    expect(await total()).toBe(before);
    await bm.revoke(blind.getPrincipal());
    await expectIntact(fx, base);
  });

  it('owners always keep read and write: an owner can be neither revoked nor demoted', async () => {
    const me = fx.owner.getPrincipal();
    await expect(bm.revoke(me)).rejects.toThrow('owners always have access');
    await expect(bm.authorize(me, { read: true, write: false })).rejects.toThrow('owners always have read and write access');
    expect(await (await fx.index()).accessList()).toEqual([]);
    const probe = bm.collection('probe', { value: codecs.text() });
    await probe.put('owner', 'still writes');
    expect(await probe.get('owner')).toBe('still writes');
    await probe.delete('owner');
    await expectIntact(fx, base);
  });

  it('refuses strangers at the index: no spawn, split, rebalance, upgrade, step or access change, by ingress or from a canister', async () => {
    const relay: Relay = await installRelay(fx.replica, fx.owner.getPrincipal());
    const stranger = newIdentity();
    const before = await fx.dataCanisters();
    for (const identity of [stranger, new AnonymousIdentity()]) {
      const index = await fx.index(identity);
      for (const [name, call] of [
        ['authorize', () => index.authorize(stranger.getPrincipal(), RW)],
        ['revoke', () => index.revoke(fx.owner.getPrincipal())],
        ['addDataCanister', () => index.addDataCanister()],
        ['split', () => index.split(before[0])],
        ['rebalance', () => index.rebalance(0)],
        ['upgradeDataCanisters', () => index.upgradeDataCanisters()],
        ['step', () => index.step()],
        ['stats', () => index.stats()],
        ['accessList', () => index.accessList()],
      ] as Array<[string, () => Promise<unknown>]>) {
        expect((await failure(call())).message, name).toMatch(/explicitly refused message|Unauthorized/);
      }
    }
    // From a canister (canister_inspect_message does not run): each method checks its caller.
    const calls: Array<[string, Uint8Array]> = [
      ['authorize', candid([IDL.Principal, Access], [relay.id, RW])],
      ['revoke', candid([IDL.Principal], [fx.owner.getPrincipal()])],
      ['addDataCanister', EMPTY],
      ['split', candid([IDL.Principal], [before[0]])],
      ['rebalance', candid([IDL.Float64], [0])],
      ['upgradeDataCanisters', EMPTY],
      ['step', EMPTY],
      ['stats', EMPTY],
    ];
    for (const [method, arg] of calls) {
      expect(await relay.call(fx.indexId, method, arg), method).toEqual({ err: expect.stringContaining(`Unauthorized: ${relay.id.toText()} may not`) });
    }
    // A load report from a canister that is not a data canister is ignored.
    const huge = { keys: 10n ** 9n, bytes: 10n ** 15n, memoryBytes: 10n ** 15n, heapBytes: 10n ** 15n, slots: 65_536n, cycles: 0n, tableVersion: 0n };
    await relay.call(fx.indexId, 'reportLoad', candid([DataStats], [huge]));
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a driver run
    const status = await (await fx.index()).migrationStatus();
    expect(status.splitRequests).toEqual([]);
    expect(status.active).toEqual([]);
    expect(await fx.dataCanisters()).toEqual(before);
    expect(await (await fx.index()).accessList()).toEqual([]);
    await expectIntact(fx, base);
  });

  it('data canisters are controlled by the index alone: neither an owner nor a stranger can install, stop, delete or re-control them', async () => {
    const r = fx.replica;
    const owner = fx.owner.getPrincipal();
    const stranger = newIdentity().getPrincipal();
    const wasm = compileBigMapCanister('data').wasm;
    for (const c of await fx.dataCanisters()) {
      expect(r.getControllers(c)).toEqual([fx.indexId]);
      for (const sender of [owner, stranger]) {
        for (const [name, call] of [
          ['upgrade', () => r.upgradeCanister(c, wasm, EMPTY, { sender })],
          ['reinstall', () => r.reinstallCode(c, wasm, EMPTY, { sender })],
          ['stop', () => r.stopCanister(c, { sender })],
          ['delete', () => r.deleteCanister(c, { sender })],
          ['update_settings', () => r.updateCanisterSettings(c, { controllers: [[sender]] }, { sender })],
        ] as Array<[string, () => Promise<unknown>]>) {
          expect((await rejection(call())).rejectMessage, name).toContain(`Only controllers of canister ${c.toText()}`);
        }
      }
      expect(r.getControllers(c)).toEqual([fx.indexId]);
    }
    await expectIntact(fx, base);
  });

  // Last: the rebalance moves keys between canisters on purpose.
  it('a revoked principal is refused at once by every data canister, one spawned after the grant and after a migration moved its keys included', async () => {
    const grantee = newIdentity();
    const p = grantee.getPrincipal();
    await bm.authorize(p, RW);
    const index = await fx.index();
    const fresh = await index.addDataCanister(); // spawned after the grant
    const granted = (await fx.connect(grantee)).collection('granted', { value: codecs.text() });
    const entries = Array.from({ length: 150 }, (_, i) => [`g${i}`, `granted ${i}`] as const);
    expect((await granted.putMany(entries)).every((r) => r.ok)).toBe(true);

    await bm.rebalance({ tolerance: 0.05 });
    const table = await index.routingTable();
    const ownerOf = (k: string) => table.ranges.find((r) => r.start <= slotOf('granted', utf8(k)) && slotOf('granted', utf8(k)) <= r.end)!.owner.toText();
    const moved = entries.map(([k]) => k).filter((k) => ownerOf(k) === fresh.toText());
    expect(moved.length, 'some of its keys moved to the new canister').toBeGreaterThan(0);
    expect(await granted.get(moved[0])).toBe(`granted ${moved[0].slice(1)}`); // read there, while granted

    await bm.revoke(p);
    // At once, with no time passing in between: every data canister refuses it.
    const canisters = await fx.dataCanisters();
    expect(canisters.map((c) => c.toText())).toContain(fresh.toText());
    const putArg = candid([IDL.Vec(PutItem)], [[item(encodeKey('granted', utf8(moved[0])), utf8('after revoke'))]]);
    const deleteArg = candid([IDL.Vec(DeleteItem)], [[{ key: encodeKey('granted', utf8(moved[0])), condition: [], returnPrevious: [] }]]);
    for (const c of canisters) {
      expect(fx.replica.submitCall(c, 'put', putArg, { sender: p }), c.toText()).toMatchObject({ reject: { errorCode: 'IC0503' } });
      expect(fx.replica.submitCall(c, 'delete', deleteArg, { sender: p })).toMatchObject({ reject: { errorCode: 'IC0503' } });
      const direct = await fx.data(c, grantee);
      expect((await failure(direct.get([encodeKey('granted', utf8(moved[0]))], { fallback: false, values: true }))).message).toContain(`Unauthorized: ${p.toText()} may not read`);
      expect((await failure(direct.scan({ range: { slots: { first: 0, last: 65_535, collection: [] } }, reverse: false, limit: 10n, after: [] }))).message).toContain('Unauthorized');
    }
    expect(await failure(granted.get(moved[0]))).toBeInstanceOf(UnauthorizedError);
    expect(await failure(granted.put(moved[0], 'after revoke'))).toBeInstanceOf(UnauthorizedError);

    // Its data stays, for the owner.
    const mine = bm.collection('granted', { value: codecs.text() });
    expect((await mine.getMany(entries.map(([k]) => k))).map((r) => r.ok && r.value)).toEqual(entries.map(([, v]) => v));
    expect((await mine.deleteMany(entries.map(([k]) => k))).every((r) => r.ok && r.existed)).toBe(true);
    await expectIntact(fx, base, { moved: true });
    expect((await keyCounts(fx)).get(fresh.toText())).toBeGreaterThan(0n);
  });
});

// ------------------------------------------------------------------ races with the index (stepped replica)

describe('access changes racing the index', () => {
  const GRANTEE = Principal.fromText('aovwi-4maaa-aaaaa-qaagq-cai');

  async function ownerKeys(d: Deployment, n: number): Promise<Map<string, string>> {
    const router = new Router(d);
    const model = new Map<string, string>();
    for (let i = 0; i < n; i++) {
      const r = await router.put(key('race', `k${i}`), text(`v${i}`));
      expect('ok' in r).toBe(true);
      model.set(`k${i}`, `v${i}`);
    }
    return model;
  }

  async function expectModel(d: Deployment, model: Map<string, string>): Promise<void> {
    const router = new Router(d);
    for (const [k, v] of model) {
      const got = await router.get(key('race', k));
      expect('found' in got ? str(got.found.value) : got, k).toBe(v);
    }
    let total = 0n;
    for (const c of await d.index.dataCanisters()) total += (await d.data(c).stats()).keys;
    expect(total).toBe(BigInt(model.size));
  }

  it('a revoke that lands while a data canister is being spawned reaches that canister too', async () => {
    const d = await deploy();
    const model = await ownerKeys(d, 20);
    await d.index.authorize(GRANTEE, RW);
    const r = d.replica;
    const before = r.canisterIds().length;
    const add = r.submitCall(d.indexId, 'addDataCanister', EMPTY, { sender: OWNER });
    if (!('messageId' in add)) throw new Error(JSON.stringify(add));
    // Run the spawn until the new canister exists: its access list (with the grant) is set.
    for (let i = 0; r.canisterIds().length === before; i++) {
      if (i > 200) throw new Error('no canister was created');
      r.round();
    }
    expect(r.ingressStatus(add.messageId)?.status).not.toBe('replied');
    await d.index.revoke(GRANTEE); // answers once "every data canister" refuses it
    const [fresh] = IDL.decode([IDL.Principal], await r.awaitCall(add.messageId)) as unknown as [Principal];
    expect((await d.index.dataCanisters()).map((c) => c.toText())).toContain(fresh.toText());
    for (const c of await d.index.dataCanisters()) {
      const reject = await rejection(d.data(c, GRANTEE).get([key('race', 'k1')], { fallback: false, values: true }));
      expect(reject.rejectMessage, c.toText()).toContain(`Unauthorized: ${GRANTEE.toText()} may not read`);
    }
    // And it stays refused once that canister holds data.
    await d.index.rebalance(0.05);
    await settle(d);
    expect((await d.data(fresh).stats()).keys).toBeGreaterThan(0n);
    const reject = await rejection(d.data(fresh, GRANTEE).scan({ range: { slots: { first: 0, last: 65_535, collection: [] } }, reverse: false, limit: 100n, after: [] }));
    expect(reject.rejectMessage).toContain('Unauthorized');
    await expectModel(d, model);
  });

  // `install`: revoked while stopped, before the new code is installed (the install carries
  // the current access list); `start`: after the install, before the start (the index
  // installs again with the current list).
  it.each(['install', 'start'] as const)('a revoke during a rolling upgrade (stopped canister, next step %s) neither blocks the upgrade nor misses that canister, from its first answer after the restart', async (at) => {
    const d = await deploy({ initialDataCanisters: 2n });
    const model = await ownerKeys(d, 30);
    await d.index.authorize(GRANTEE, RW);
    await d.index.upgradeDataCanisters();
    let stopped: Principal | undefined;
    for (let i = 0; i < 20 && !stopped; i++) {
      await d.index.step();
      const [status] = await d.index.upgradeStatus();
      const current = status?.current[0];
      if (current && at in current.step) stopped = current.canister;
    }
    if (!stopped) throw new Error('the upgrade never stopped a canister');
    const restarted = stopped;
    const revoke = await rejection(d.index.revoke(GRANTEE));
    expect(revoke.rejectMessage).toContain('did not apply it yet; the index retries until they do');
    // The running canister refuses at once; the stopped one answers nobody.
    for (const c of await d.index.dataCanisters()) {
      const reject = await rejection(d.data(c, GRANTEE).get([key('race', 'k1')], { fallback: false, values: true }));
      expect(reject.rejectMessage).toMatch(c.toText() === stopped.toText() ? /stopped/ : /Unauthorized/);
    }
    // Step until the stopped canister runs again, and ask it at once: before the driver's
    // next step, whose access sync would otherwise be the first to tell it.
    for (let i = 0; ; i++) {
      if (i > 20) throw new Error('the stopped canister never restarted');
      await d.index.step();
      const [s] = await d.index.upgradeStatus();
      if (s!.done.some((c) => c.toText() === restarted.toText())) break;
    }
    const first = await rejection(d.data(restarted, GRANTEE).get([key('race', 'k1')], { fallback: false, values: true }));
    expect(first.rejectMessage).toContain(`Unauthorized: ${GRANTEE.toText()} may not read`);
    expect(d.replica.submitCall(restarted, 'put', candid([IDL.Vec(PutItem)], [[item(key('race', 'k1'), text('after revoke'))]]), { sender: GRANTEE })).toMatchObject({ reject: expect.anything() });
    await settle(d); // the driver finishes the upgrade and retries the access change
    const [status] = await d.index.upgradeStatus();
    expect(status).toMatchObject({ finished: true, failed: [], pending: [] });
    expect(status!.done).toHaveLength(2);
    for (const c of await d.index.dataCanisters()) {
      const reject = await rejection(d.data(c, GRANTEE).get([key('race', 'k1')], { fallback: false, values: true }));
      expect(reject.rejectMessage, c.toText()).toContain('Unauthorized');
    }
    expect((await d.index.migrationStatus()).lastError).toEqual([expect.stringContaining('access list sync')]);
    await expectModel(d, model);
  });
});

// ------------------------------------------------------------------ canister_inspect_message (stepped replica)

describe('canister_inspect_message', () => {
  it('refuses unauthorized ingress at submission: nothing executes and the canister pays nothing', async () => {
    const records: ExecutionRecord[] = [];
    const replica = await Replica.create({ onExecuted: (r) => records.push(r) });
    const d = await deploy({ initialDataCanisters: 1n }, replica);
    const [dataId] = await d.index.dataCanisters();
    const READER = Principal.fromText('aovwi-4maaa-aaaaa-qaagq-cai');
    const STRANGER = Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai');
    await d.index.authorize(READER, { read: true, write: false });
    const k = key('inspect', 'k');
    const put = await d.data(dataId).put([item(k, text('kept'))]);
    expect('ok' in put[0]).toBe(true);
    const keysBefore = (await d.data(dataId).stats()).keys;

    const scan = { range: { slots: { first: 0, last: 65_535, collection: [] } }, reverse: false, limit: 10n, after: [] };
    const putArg = candid([IDL.Vec(PutItem)], [[item(k, text('overwritten'))]]);
    const refused: Array<[string, Principal, string, Uint8Array, Principal]> = [
      ['stranger put', dataId, 'put', putArg, STRANGER],
      ['anonymous put', dataId, 'put', putArg, Principal.anonymous()],
      ['reader put', dataId, 'put', putArg, READER],
      ['reader delete', dataId, 'delete', candid([IDL.Vec(DeleteItem)], [[{ key: k, condition: [], returnPrevious: [] }]]), READER],
      ['stranger scanMerged', dataId, 'scanMerged', candid([ScanRequest], [scan]), STRANGER],
      ['stranger get as update', dataId, 'get', candid([IDL.Vec(IDL.Vec(IDL.Nat8)), IDL.Record({ fallback: IDL.Bool, values: IDL.Bool })], [[k], { fallback: false, values: true }]), STRANGER],
      ['owner migrationBegin', dataId, 'migrationBegin', candid([IDL.Record({ role: IDL.Variant({ source: IDL.Record({ to: IDL.Principal }), target: IDL.Record({ from: IDL.Principal }) }), slots: IDL.Vec(IDL.Nat16), tableVersion: IDL.Nat64 })], [{ role: { source: { to: STRANGER } }, slots: [0], tableVersion: 9n }]), OWNER],
      ['owner migrationDrop', dataId, 'migrationDrop', candid([IDL.Nat], [100n]), OWNER],
      ['owner setAccess', dataId, 'setAccess', candid([IDL.Vec(IDL.Tuple(IDL.Principal, IDL.Opt(Access)))], [[[STRANGER, [RW]]]]), OWNER],
      ['stranger migrationRedirect', dataId, 'migrationRedirect', EMPTY, STRANGER],
      ['stranger authorize', d.indexId, 'authorize', candid([IDL.Principal, Access], [STRANGER, RW]), STRANGER],
      ['reader revoke', d.indexId, 'revoke', candid([IDL.Principal], [READER]), READER],
      ['reader addDataCanister', d.indexId, 'addDataCanister', EMPTY, READER],
      ['stranger upgradeDataCanisters', d.indexId, 'upgradeDataCanisters', EMPTY, STRANGER],
      ['stranger step', d.indexId, 'step', EMPTY, STRANGER],
      ['stranger stats', d.indexId, 'stats', EMPTY, STRANGER],
      ['reader stats', d.indexId, 'stats', EMPTY, READER],
      ['stranger reportLoad', d.indexId, 'reportLoad', candid([DataStats], [{ keys: 0n, bytes: 0n, memoryBytes: 0n, heapBytes: 0n, slots: 0n, cycles: 0n, tableVersion: 0n }]), STRANGER],
    ];
    for (const [label, canister, method, arg, sender] of refused) {
      const cycles = replica.getCyclesBalance(canister);
      const seen = records.length;
      const submitted = replica.submitCall(canister, method, arg, { sender });
      // Motoko's inspect refuses by trapping explicitly: IC0503, as on the IC.
      expect(submitted, label).toMatchObject({ reject: { errorCode: 'IC0503', message: expect.stringContaining('canister_inspect_message explicitly refused message') } });
      expect(replica.getCyclesBalance(canister), `${label}: cycles`).toBe(cycles);
      const ran = records.slice(seen);
      expect(ran.map((x) => x.kind), `${label}: executions`).toEqual(['inspect']);
      expect(replica.hasPendingWork, `${label}: nothing queued`).toBe(false);
    }

    // The control: an authorized write is accepted, charged and executed.
    const cycles = replica.getCyclesBalance(dataId);
    const seen = records.length;
    const accepted = replica.submitCall(dataId, 'put', candid([IDL.Vec(PutItem)], [[item(key('inspect', 'owner'), text('v'))]]), { sender: OWNER });
    if (!('messageId' in accepted)) throw new Error(JSON.stringify(accepted));
    expect(replica.getCyclesBalance(dataId)).toBeLessThan(cycles); // the ingress fee, at submission
    await replica.awaitCall(accepted.messageId);
    expect(records.slice(seen).filter((x) => x.canister.toText() === dataId.toText()).map((x) => `${x.kind} ${x.method ?? ''}`.trim())).toEqual(['inspect', 'update put']);

    // Nothing the refused calls carried arrived.
    const got = await d.data(dataId).get([k], { fallback: false, values: true });
    expect('found' in got[0] && str(got[0].found.value)).toBe('kept');
    expect((await d.data(dataId).stats()).keys).toBe(keysBefore + 1n);
    expect(await d.index.accessList()).toEqual([[READER, { read: true, write: false }]]);
    expect(await d.index.dataCanisters()).toEqual([dataId]);
  });
});
