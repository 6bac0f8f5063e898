import { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DataAdmin, Deployment } from './harness.ts';
import { deploy, key, text } from './harness.ts';
import { indexIdlFactory, type IndexService } from '../../client/idl/index.ts';
import type { ReplicaActor } from '../../replica/index.ts';
import { rejection } from '../../replica/test/helpers.ts';

const STRANGER = Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai');
const str = (b: Uint8Array | number[]) => new TextDecoder().decode(Uint8Array.from(b));

let d: Deployment;
let data: ReplicaActor<DataAdmin>;
let dataId: Principal;
beforeAll(async () => {
  d = await deploy();
  [dataId] = await d.index.dataCanisters();
  data = d.data(dataId);
});

describe('data canister reads and writes', () => {
  it('round-trips put, get, has and delete with per-item results in order', async () => {
    const a = key('users', 'alice');
    const b = key('users', 'bob');
    const put = await data.put([
      { key: a, value: text('A'), condition: [], writeId: [], returnPrevious: [] },
      { key: b, value: text('B'), condition: [], writeId: [], returnPrevious: [] },
    ]);
    expect(put.every((r) => 'ok' in r)).toBe(true);
    const got = await data.get([b, a, key('users', 'carol')], { fallback: false, values: true });
    expect(got.map((r) => ('found' in r ? str(r.found.value) : Object.keys(r)[0]))).toEqual(['B', 'A', 'absent']);
    const has = await data.get([a], { fallback: false, values: false });
    expect('found' in has[0] && has[0].found.value.length).toBe(0);
    const deleted = await data.delete([
      { key: a, condition: [], returnPrevious: [] },
      { key: a, condition: [], returnPrevious: [] },
    ]);
    expect(deleted).toEqual([{ ok: { existed: true, previous: [] } }, { ok: { existed: false, previous: [] } }]);
    expect(await data.get([a], { fallback: false, values: true })).toEqual([{ absent: null }]);
  });

  it('gives every write of a key a higher version', async () => {
    const k = key('versions', 'k');
    const v1 = (await data.put([{ key: k, value: text('1'), condition: [], writeId: [], returnPrevious: [] }]))[0];
    const v2 = (await data.put([{ key: k, value: text('2'), condition: [], writeId: [], returnPrevious: [] }]))[0];
    if (!('ok' in v1) || !('ok' in v2)) throw new Error('put failed');
    expect(v2.ok.version).toBeGreaterThan(v1.ok.version);
  });

  it('applies compare-and-set conditions and reports the current version on conflict', async () => {
    const k = key('cas', 'k');
    const first = (await data.put([{ key: k, value: text('x'), condition: [{ ifAbsent: null }], writeId: [], returnPrevious: [] }]))[0];
    if (!('ok' in first)) throw new Error(JSON.stringify(first));
    expect((await data.put([{ key: k, value: text('y'), condition: [{ ifAbsent: null }], writeId: [], returnPrevious: [] }]))[0]).toEqual({ conflict: { current: [first.ok.version] } });
    expect((await data.put([{ key: k, value: text('y'), condition: [{ ifVersion: first.ok.version + 1n }], writeId: [], returnPrevious: [] }]))[0]).toEqual({ conflict: { current: [first.ok.version] } });
    expect('ok' in (await data.put([{ key: k, value: text('z'), condition: [{ ifVersion: first.ok.version }], writeId: [], returnPrevious: [] }]))[0]).toBe(true);
    expect((await data.delete([{ key: k, condition: [{ ifVersion: 1n }], returnPrevious: [] }]))[0]).toMatchObject({ conflict: {} });
    const got = await data.get([k], { fallback: false, values: true });
    expect('found' in got[0] && str(got[0].found.value)).toBe('z');
  });

  it('returns the head of the value a write replaces, and treats a retried conditional write as applied', async () => {
    const k = key('previous', 'k');
    await data.put([{ key: k, value: text('first value'), condition: [], writeId: [], returnPrevious: [] }]);
    const replaced = (await data.put([{ key: k, value: text('second'), condition: [], writeId: [], returnPrevious: [5n] }]))[0];
    expect('ok' in replaced && str(replaced.ok.previous[0] ?? [])).toBe('first');
    const removed = (await data.delete([{ key: k, condition: [], returnPrevious: [100n] }]))[0];
    expect('ok' in removed && str(removed.ok.previous[0] ?? [])).toBe('second');

    const cas = key('previous', 'cas');
    const item = { key: cas, value: text('v'), condition: [{ ifAbsent: null }] as [{ ifAbsent: null }], writeId: [text('write-1')] as [Uint8Array], returnPrevious: [] as [] };
    const first = (await data.put([item]))[0];
    const retry = (await data.put([item]))[0];
    if (!('ok' in first)) throw new Error(JSON.stringify(first));
    expect(retry).toEqual({ ok: { version: first.ok.version, previous: [] } });
    expect((await data.put([{ ...item, writeId: [text('write-2')] }]))[0]).toEqual({ conflict: { current: [first.ok.version] } });
  });

  it('scans a partition in sort-key order, forward and reverse, with bounds and pages', async () => {
    const sorts = ['b', 'a', 'd', 'c', 'e'];
    await data.put(sorts.map((s) => ({ key: key('logs', 'addr', s), value: text(`v${s}`), condition: [], writeId: [], returnPrevious: [] })));
    await data.put([{ key: key('logs', 'other', 'a'), value: text('elsewhere'), condition: [], writeId: [], returnPrevious: [] }]);
    const scan = async (reverse: boolean, from: string | undefined, to: string | undefined, limit: bigint) => {
      const out: string[] = [];
      let after: [] | [Uint8Array] = [];
      for (;;) {
        const r = await data.scan({
          range: { partition: { collection: 'logs', partition: text('addr'), from: from ? [text(from)] : [], to: to ? [text(to)] : [] } },
          reverse,
          limit,
          after,
        });
        if (!('ok' in r)) throw new Error(JSON.stringify(r));
        out.push(...r.ok.items.map((i) => str(i.value)));
        if (r.ok.next.length === 0) return out;
        after = [Uint8Array.from(r.ok.next[0])];
      }
    };
    expect(await scan(false, undefined, undefined, 100n)).toEqual(['va', 'vb', 'vc', 'vd', 've']);
    expect(await scan(true, undefined, undefined, 2n)).toEqual(['ve', 'vd', 'vc', 'vb', 'va']);
    expect(await scan(false, 'b', 'd', 1n)).toEqual(['vb', 'vc']);
    expect(await scan(true, 'b', 'd', 1n)).toEqual(['vc', 'vb']);
  });

  it('stops filling a reply at its byte budget and marks the rest notIncluded', async () => {
    const big = new Uint8Array(700_000).fill(7);
    const keys = [0, 1, 2, 3].map((i) => key('big', `k${i}`));
    for (const k of keys) await data.put([{ key: k, value: big, condition: [], writeId: [], returnPrevious: [] }]);
    const got = await data.get(keys, { fallback: false, values: true });
    expect(got.map((r) => Object.keys(r)[0])).toEqual(['found', 'found', 'notIncluded', 'notIncluded']);
    // Versions only (has): no value bytes travel, so every key fits.
    const versions = await data.get(keys, { fallback: false, values: false });
    expect(versions.map((r) => 'found' in r && r.found.value.length)).toEqual([0, 0, 0, 0]);
  });

  it('reads back the largest value a put accepts: one reply holds it', async () => {
    const largest = new Uint8Array(1_900_000).fill(9);
    const k = key('big', 'largest');
    expect('ok' in (await data.put([{ key: k, value: largest, condition: [], writeId: [], returnPrevious: [] }]))[0]).toBe(true);
    const [got] = await data.get([k], { fallback: false, values: true });
    expect('found' in got && got.found.value).toEqual(largest);
  });
});

describe('data canister limits and bad input', () => {
  it('refuses a malformed key, a forged slot and an oversized value per item, storing the rest', async () => {
    const good = key('limits', 'ok');
    const forged = Uint8Array.from(key('limits', 'forged'));
    forged[1] ^= 0xff;
    const results = await data.put([
      { key: text('not a key'), value: text('x'), condition: [], writeId: [], returnPrevious: [] },
      { key: forged, value: text('x'), condition: [], writeId: [], returnPrevious: [] },
      { key: key('limits', 'huge'), value: new Uint8Array(1_900_001), condition: [], writeId: [], returnPrevious: [] },
      { key: good, value: text('stored'), condition: [], writeId: [], returnPrevious: [] },
    ]);
    expect(results[0]).toEqual({ invalid: expect.stringContaining('truncated') });
    expect(results[1]).toEqual({ invalid: "the key's slot bytes do not match its collection and partition" });
    expect(results[2]).toEqual({ invalid: expect.stringMatching(/value is 1900001 bytes; one item holds at most 1900000/) });
    expect('ok' in results[3]).toBe(true);
    const got = await data.get([key('limits', 'huge'), forged], { fallback: false, values: true });
    expect(got[0]).toEqual({ absent: null });
    expect(got[1]).toMatchObject({ invalid: expect.any(String) });
  });

  it('refuses a batch over the item and byte limits as a whole, storing nothing', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({ key: key('batch', `k${i}`), value: new Uint8Array(), condition: [] as [], writeId: [] as [], returnPrevious: [] as [] }));
    expect((await rejection(data.put(many))).rejectMessage).toContain('a batch may hold at most 10000 items, got 10001');
    const heavy = [0, 1].map((i) => ({ key: key('batch', `heavy${i}`), value: new Uint8Array(1_000_100), condition: [] as [], writeId: [] as [], returnPrevious: [] as [] }));
    expect((await rejection(data.put(heavy))).rejectMessage).toMatch(/at most 2000000 bytes of keys and values, got 20002\d\d/);
    expect(await data.get([key('batch', 'k0'), key('batch', 'heavy0')], { fallback: false, values: true })).toEqual([{ absent: null }, { absent: null }]);
  });
});

describe('data canister access control', () => {
  // Ingress updates from those who may not make them stop in canister_inspect_message
  // (before they cost cycles: Motoko's inspect returning false traps explicitly, so IC0503,
  // as on the IC); queries reach the canister, which names the rule.

  it('refuses reads and writes from a principal that is not authorized, and changes nothing', async () => {
    const stranger = d.data(dataId, STRANGER);
    const k = key('acl', 'k');
    const write = await rejection(stranger.put([{ key: k, value: text('x'), condition: [], writeId: [], returnPrevious: [] }]));
    expect(write.errorCode).toBe('IC0503');
    expect((await rejection(stranger.get([k], { fallback: false, values: true }))).rejectMessage).toContain(`Unauthorized: ${STRANGER.toText()} may not read this BigMap`);
    expect(await data.get([k], { fallback: false, values: true })).toEqual([{ absent: null }]);
  });

  it('refuses index and peer methods from anyone else, owners included', async () => {
    for (const actor of [data, d.data(dataId, STRANGER)]) {
      expect((await rejection(actor.migrationBegin({ role: { source: { to: STRANGER } }, slots: [1], tableVersion: 99n }))).errorCode).toBe('IC0503');
      expect((await rejection(actor.setAccess([[STRANGER, [{ read: true, write: true }]]]))).errorCode).toBe('IC0503');
      expect((await rejection(actor.migrationDrop(10n))).errorCode).toBe('IC0503');
      expect((await rejection(actor.peerPeek([key('acl', 'k')]))).rejectMessage).toContain('may not peek into this BigMap');
      expect((await rejection(actor.slotStats())).rejectMessage).toContain('may not administer this BigMap');
    }
  });

  it('lets an authorized principal in, and refuses it at once after revoke', async () => {
    const guest = d.data(dataId, STRANGER);
    const k = key('acl', 'guest');
    await d.index.authorize(STRANGER, { read: true, write: true });
    expect('ok' in (await guest.put([{ key: k, value: text('hi'), condition: [], writeId: [], returnPrevious: [] }]))[0]).toBe(true);
    await d.index.revoke(STRANGER);
    expect((await rejection(guest.put([{ key: k, value: text('again'), condition: [], writeId: [], returnPrevious: [] }]))).errorCode).toBe('IC0503');
    expect((await rejection(guest.get([k], { fallback: false, values: true }))).rejectMessage).toContain('Unauthorized');
    const got = await data.get([k], { fallback: false, values: true });
    expect('found' in got[0] && str(got[0].found.value)).toBe('hi');
  });

  it('refuses unauthorized ingress in canister_inspect_message, before execution', () => {
    const submitted = d.replica.submitCall(dataId, 'put', new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]), { sender: STRANGER });
    expect(submitted).toMatchObject({ reject: { errorCode: 'IC0503', message: expect.stringContaining('canister_inspect_message explicitly refused message') } });
  });

  it('lets only owners administer the index, while anyone may read the routing table', async () => {
    const stranger = d.replica.createActor<IndexService>(indexIdlFactory, d.indexId, { sender: STRANGER });
    expect(d.replica.submitCall(d.indexId, 'authorize', new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]), { sender: STRANGER })).toMatchObject({ reject: { errorCode: 'IC0503' } });
    expect((await rejection(stranger.rebalance(0.1))).rejectMessage).toContain('canister_inspect_message explicitly refused message');
    expect((await stranger.routingTable()).ranges.length).toBeGreaterThan(0);
  });
});

describe('data canister stats', () => {
  it('reports keys and bytes that match what was stored', async () => {
    const before = await data.stats();
    await data.put([{ key: key('stats', 'k'), value: new Uint8Array(1000), condition: [], writeId: [], returnPrevious: [] }]);
    const after = await data.stats();
    expect(after.keys - before.keys).toBe(1n);
    expect(after.bytes - before.bytes).toBe(BigInt(1000 + key('stats', 'k').length));
  });
});
