/**
 * Hostile input through the real agent: keys and values at and just over every limit,
 * malformed Candid, empty and huge batches, unknown collections, callers with no access,
 * strangers calling the migration protocol, and forged redirects. Every test shows the
 * clear error and then that the stored data is intact: a set of known keys reads back
 * unchanged and every data canister holds the keys it held before.
 */
import fc from 'fast-check';
import { Actor, AnonymousIdentity, HttpAgent, type Identity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BigMap, BigMapError, Collection, InvalidKeyError, KeyTooLargeError, UnauthorizedError, ValueTooLargeError, codecs } from '../../client/index.ts';
import { ClientCore } from '../../client/core.ts';
import { dataIdlFactory, DeleteItem, GetOptions, PutItem, ScanRequest, type DataService, type PutItemValue, type ScanRequestValue } from '../../client/idl/data.ts';
import { resolveOptions } from '../../client/options.ts';
import { indexIdlFactory, type IndexService } from '../../client/idl/index.ts';
import { encodeKey, slotOf } from '../../sharding/index.ts';
import { CanisterRejectError, IngressTooLargeError } from '../../replica/index.ts';
import {
  HOST,
  candid,
  deployIndex,
  expectIntact,
  failure,
  installRelay,
  newIdentity,
  seed,
  startFixture,
  utf8,
  type Baseline,
  type Fixture,
  type Relay,
} from './helpers.ts';
import type { DataAdmin } from '../../canisters/test/harness.ts';

const SEED = Number(process.env.FC_SEED ?? 0x5ec);
const item = (key: Uint8Array, value: Uint8Array, extra: Partial<PutItemValue> = {}): PutItemValue => ({ key, value, condition: [], writeId: [], returnPrevious: [], ...extra });
const ownerOfSlot = async (index: IndexService, slot: number) => {
  const range = (await index.routingTable()).ranges.find((r) => r.start <= slot && slot <= r.end)!;
  return range.migratingTo[0] ?? range.owner;
};

let fx: Fixture;
let bm: BigMap;
let base: Baseline;
let canisters: Principal[];
let ownerData: DataAdmin;
let relay: Relay;
beforeAll(async () => {
  fx = await startFixture({ initialDataCanisters: 2 });
  bm = fx.local.bigmap;
  base = await seed(fx, 'known');
  canisters = await fx.dataCanisters();
  ownerData = await fx.data(canisters[0]);
  relay = await installRelay(fx.replica, fx.owner.getPrincipal());
});
afterAll(() => fx?.local.close());

// ------------------------------------------------------------------ keys and values at the limits

describe('keys at and just over every limit', () => {
  it('accepts each key limit exactly and refuses one byte more, before any call', async () => {
    const text = bm.collection('limits', { value: codecs.text() });
    const calls: string[] = [];
    const stop = bm.on('batchDispatched', (e) => calls.push(e.method));
    try {
      // Collection: 1..255 UTF-8 bytes (two-byte characters count twice).
      const c255 = bm.collection(`${'é'.repeat(127)}x`, { value: codecs.text() });
      await c255.put('k', 'collection at 255 bytes');
      expect(await c255.get('k')).toBe('collection at 255 bytes');
      expect(() => bm.collection('é'.repeat(128), { value: codecs.text() })).toThrow(KeyTooLargeError);
      expect(() => bm.collection('é'.repeat(128), { value: codecs.text() })).toThrow('collection is 256 UTF-8 bytes; the limit is MAX_COLLECTION_BYTES = 255');
      expect(() => bm.collection('', { value: codecs.text() })).toThrow(InvalidKeyError);
      expect(() => bm.collection('a\u0000b', { value: codecs.text() })).toThrow('0x00');
      expect(() => bm.collection('lone\uD800', { value: codecs.text() })).toThrow('not valid UTF-8');

      // Partition: 0..1024 bytes.
      const p1024 = 'p'.repeat(1024);
      await text.put(p1024, 'partition at 1024 bytes');
      expect(await text.get(p1024)).toBe('partition at 1024 bytes');
      for (const call of [() => text.put('p'.repeat(1025), 'x'), () => text.get('p'.repeat(1025)), () => text.has('p'.repeat(1025)), () => text.delete('p'.repeat(1025))]) {
        const e = await failure(call());
        expect(e).toBeInstanceOf(KeyTooLargeError);
        expect(e.message).toContain('partition is 1025 bytes; the limit is MAX_PARTITION_BYTES = 1024');
      }

      // Whole key: at most 2048 bytes with its 5 bytes of framing ('limits' is 6 bytes).
      const sortRoom = 2048 - 5 - 6 - 1000;
      await text.put({ partition: 'q'.repeat(1000), sort: 's'.repeat(sortRoom) }, 'key at 2048 bytes');
      expect(await text.get({ partition: 'q'.repeat(1000), sort: 's'.repeat(sortRoom) })).toBe('key at 2048 bytes');
      const over = await failure(text.put({ partition: 'q'.repeat(1000), sort: 's'.repeat(sortRoom + 1) }, 'x'));
      expect(over).toBeInstanceOf(KeyTooLargeError);
      expect(over.message).toContain('encoded key is 2049 bytes; the limit is MAX_KEY_BYTES = 2048');

      // Per item in a batch: only the bad item fails.
      const many = await text.putMany([
        ['fine', 'stored'],
        ['p'.repeat(1025), 'refused'],
        [{ partition: 'n', sort: -1 }, 'refused'],
      ]);
      expect(many.map((r) => (r.ok ? 'ok' : r.error.name))).toEqual(['ok', 'KeyTooLargeError', 'InvalidKeyError']);
      await expect(text.get('fine')).resolves.toBe('stored');
      expect(calls.filter((m) => m === 'put').length).toBeGreaterThan(0);

      // Clean up what the limits stored.
      await c255.delete('k');
      for (const k of [p1024, { partition: 'q'.repeat(1000), sort: 's'.repeat(sortRoom) }, 'fine']) expect(await text.delete(k)).toBe(true);
    } finally {
      stop();
    }
    await expectIntact(fx, base);
  });

  it('stores the empty key as a key like any other, distinct from its neighbours', async () => {
    const text = bm.collection('empty-key', { value: codecs.text() });
    await text.put('', 'empty partition');
    await text.put({ partition: '', sort: 'a' }, 'empty partition, sort a');
    expect(await text.get('')).toBe('empty partition');
    expect(await text.get(new Uint8Array(0))).toBe('empty partition');
    expect(await text.get({ partition: '', sort: '' })).toBe('empty partition');
    expect(await text.get({ partition: '', sort: 'a' })).toBe('empty partition, sort a');
    expect(await text.get('a')).toBeUndefined();
    const scanned: string[] = [];
    for await (const [, v] of text.scan({ partition: '' })) scanned.push(v);
    expect(scanned).toEqual(['empty partition', 'empty partition, sort a']);
    expect(await text.delete('')).toBe(true);
    expect(await text.delete({ partition: '', sort: 'a' })).toBe(true);
    await expectIntact(fx, base);
  });

  it('refuses text keys that are not valid Unicode instead of aliasing them', async () => {
    // TextEncoder turns every lone surrogate into U+FFFD, so 'a\uD800' and 'a\uDBFF' would
    // both be stored as 'a\uFFFD': two keys, one item.
    const text = bm.collection('surrogates', { value: codecs.text() });
    for (const bad of ['a\uD800', 'a\uDBFF', '\uDC00', { partition: 'ok', sort: 'x\uD800' }]) {
      const e = await failure(text.put(bad, 'aliased'));
      expect(e, JSON.stringify(bad)).toBeInstanceOf(InvalidKeyError);
      expect(e.message).toContain('lone UTF-16 surrogate');
    }
    await expect(text.get('a\uDBFF')).rejects.toBeInstanceOf(InvalidKeyError);
    expect(await text.get('a\uFFFD')).toBeUndefined();
    // A well-formed pair is fine.
    await text.put('emoji \u{1F600}', 'ok');
    expect(await text.get('emoji \u{1F600}')).toBe('ok');
    await text.delete('emoji \u{1F600}');
    // Values: the text codec refuses a string it could not give back as it was.
    const v = await failure(text.put('value', 'bad \uD800 value'));
    expect(v).toBeInstanceOf(BigMapError);
    expect(v.message).toContain('lone UTF-16 surrogate');
    expect(await text.get('value')).toBeUndefined();
    await expectIntact(fx, base);
  });
});

describe('values at and just over every limit', () => {
  it("the client's maxValueBytes: exactly the limit is stored (in chunks), one byte more is refused before any call", async () => {
    const small = await fx.connect(fx.owner, { maxValueBytes: 2_000_000 });
    const blobs = small.collection('values', { value: codecs.bytes() });
    const value = new Uint8Array(2_000_000).map((_, i) => i % 251);
    await blobs.put('at-limit', value);
    expect(Buffer.compare(Buffer.from((await blobs.get('at-limit'))!), Buffer.from(value))).toBe(0);
    let calls = 0;
    const stop = small.on('batchDispatched', () => calls++);
    const e = await failure(blobs.put('over-limit', new Uint8Array(2_000_001)));
    stop();
    expect(e).toBeInstanceOf(ValueTooLargeError);
    expect(e).toMatchObject({ sizeBytes: 2_000_001, limitBytes: 2_000_000 });
    expect(calls).toBe(0);
    expect(await blobs.has('over-limit')).toBe(false);
    expect(await blobs.delete('at-limit')).toBe(true); // and its chunks
    await expectIntact(fx, base);
  });

  it('the chunk threshold: a value at it is stored inline, one byte more in chunks, both read back whole; empty values too', async () => {
    const blobs = bm.collection('threshold', { value: codecs.bytes() });
    const inline = new Uint8Array(1_500_000).fill(1);
    const chunked = new Uint8Array(1_500_001).fill(2);
    await blobs.putMany([
      ['inline', inline],
      ['chunked', chunked],
      ['empty', new Uint8Array(0)],
    ]);
    const [a, b, c] = await blobs.getMany(['inline', 'chunked', 'empty']);
    expect(a.ok && a.value?.length).toBe(1_500_000);
    expect(b.ok && b.value?.length).toBe(1_500_001);
    expect(b.ok && b.value?.every((x) => x === 2)).toBe(true);
    expect(c.ok && c.value).toEqual(new Uint8Array(0));
    expect(await bm.collection('threshold', { value: codecs.text() }).get('empty')).toBe('');
    expect((await blobs.deleteMany(['inline', 'chunked', 'empty'])).every((r) => r.ok && r.existed)).toBe(true);
    await expectIntact(fx, base);
  });

  it("the data canister's per-value, per-call and write-id limits, called directly through the agent", async () => {
    const k = (p: string) => encodeKey('direct', utf8(p));
    const byOwner = async (p: string) => fx.data(await ownerOfSlot(await fx.index(), slotOf('direct', utf8(p))));

    // One value: at most 1,900,000 bytes.
    const at = await byOwner('v-at');
    expect('ok' in (await at.put([item(k('v-at'), new Uint8Array(1_900_000))]))[0]).toBe(true);
    const over = await byOwner('v-over');
    expect((await over.put([item(k('v-over'), new Uint8Array(1_900_001))]))[0]).toEqual({
      invalid: 'value is 1900001 bytes; one item holds at most 1900000 (larger values are stored in chunks by the client)',
    });
    expect(await over.get([k('v-over')], { fallback: false, values: false })).toEqual([{ absent: null }]);
    await at.delete([{ key: k('v-at'), condition: [], returnPrevious: [] }]);

    // One call: at most 2,000,000 bytes of keys and values (both items in one canister's slot).
    const p = 'batch';
    const target = await byOwner(p);
    const k1 = encodeKey('direct', utf8(p), utf8('1'));
    const k2 = encodeKey('direct', utf8(p), utf8('2'));
    const fill = 2_000_000 - k1.length - k2.length;
    const exact = [item(k1, new Uint8Array(1_000_000)), item(k2, new Uint8Array(fill - 1_000_000))];
    expect((await target.put(exact)).every((r) => 'ok' in r)).toBe(true);
    await target.delete([k1, k2].map((key) => ({ key, condition: [], returnPrevious: [] })));
    const tooMany = [item(k1, new Uint8Array(1_000_000)), item(k2, new Uint8Array(fill - 1_000_000 + 1))];
    expect((await failure(target.put(tooMany))).message).toContain('a batch may hold at most 2000000 bytes of keys and values, got 2000001');
    expect(await target.get([k1, k2], { fallback: false, values: false })).toEqual([{ absent: null }, { absent: null }]);

    // One call: at most 10,000 keys.
    const keys = Array.from({ length: 10_001 }, (_, i) => encodeKey('direct', utf8(p), utf8(`${i}`)));
    expect(await target.get(keys.slice(0, 10_000), { fallback: false, values: false })).toHaveLength(10_000);
    expect((await failure(target.get(keys, { fallback: false, values: false }))).message).toContain('a batch may hold at most 10000 keys, got 10001');
    expect((await failure(target.delete(keys.map((key) => ({ key, condition: [], returnPrevious: [] }))))).message).toContain('a batch may hold at most 10000 items, got 10001');

    // Write ids: at most 32 bytes; a huge returnPrevious is capped, not trusted.
    const w = encodeKey('direct', utf8(p), utf8('w'));
    expect((await target.put([item(w, utf8('x'), { condition: [{ ifAbsent: null }], writeId: [new Uint8Array(33)] })]))[0]).toEqual({ invalid: 'writeId is 33 bytes; the limit is 32' });
    expect('ok' in (await target.put([item(w, new Uint8Array(5000).fill(9), { condition: [{ ifAbsent: null }], writeId: [new Uint8Array(32)] })]))[0]).toBe(true);
    const replaced = (await target.put([item(w, utf8('y'), { returnPrevious: [10n ** 30n] })]))[0];
    expect('ok' in replaced && replaced.ok.previous[0]?.length).toBe(1024);
    await target.delete([{ key: w, condition: [], returnPrevious: [] }]);
    await expectIntact(fx, base);
  });

  it("the IC's 2 MiB ingress limit: an oversized call is refused by the replica before any canister sees it", async () => {
    const p = 'huge';
    const target = await fx.data(await ownerOfSlot(await fx.index(), slotOf('direct', utf8(p))));
    const k = encodeKey('direct', utf8(p));
    const e = await failure(target.put([item(k, new Uint8Array(2 * 1024 * 1024 + 1))]));
    expect(e.message).toMatch(/413|too large/i);
    const raw = candid([IDL.Vec(PutItem)], [[item(k, new Uint8Array(2 * 1024 * 1024))]]);
    expect(() => fx.replica.submitCall(canisters[0], 'put', raw, { sender: fx.owner.getPrincipal() })).toThrow(IngressTooLargeError);
    expect(await target.get([k], { fallback: false, values: false })).toEqual([{ absent: null }]);
    await expectIntact(fx, base);
  });
});

// ------------------------------------------------------------------ malformed Candid

describe('malformed Candid sent directly', () => {
  const ownerSender = () => ({ sender: fx.owner.getPrincipal() });

  /** Sends raw bytes as an ingress update (or a query); the reject, or undefined if it was answered. */
  async function send(canister: Principal, method: string, arg: Uint8Array, query: boolean): Promise<CanisterRejectError | undefined> {
    try {
      if (query) await fx.replica.queryCall(canister, method, arg, ownerSender());
      else await fx.replica.updateCall(canister, method, arg, ownerSender());
      return undefined;
    } catch (e) {
      if (e instanceof CanisterRejectError) return e;
      throw e;
    }
  }

  const dataMethods: Array<[string, boolean]> = [
    ['put', false],
    ['delete', false],
    ['scanMerged', false],
    ['get', true],
    ['scan', true],
    ['peerPeek', true],
    ['peerScan', true],
  ];
  const indexMethods = ['authorize', 'revoke', 'rebalance', 'split'];

  it('refuses random bytes to every data and index method that takes arguments, as a clean reject', async () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 96 }), fc.uint8Array({ maxLength: 96 }).map((tail) => Uint8Array.from([0x44, 0x49, 0x44, 0x4c, ...tail])));
    await fc.assert(
      fc.asyncProperty(bytes, fc.nat(dataMethods.length + indexMethods.length - 1), async (arg, m) => {
        const [canister, method, query] = m < dataMethods.length ? [canisters[m % 2], ...dataMethods[m]] as const : [fx.indexId, indexMethods[m - dataMethods.length], false] as const;
        const reject = await send(canister, method, arg, query);
        expect(reject, `${method}(${Buffer.from(arg).toString('hex')})`).toBeInstanceOf(CanisterRejectError);
        expect(reject!.errorCode).toMatch(/^IC0(5\d\d|406)$/);
      }),
      { numRuns: 120, seed: SEED },
    );
    // From a canister, where canister_inspect_message does not run: decoding still refuses.
    for (const method of ['migrationBegin', 'migrationCopy', 'migrationReceive', 'migrationCommit', 'migrationDrop', 'setAccess']) {
      const answer = await relay.call(canisters[0], method, Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 1, 2, 3]));
      expect(answer, method).toEqual({ err: expect.stringMatching(/IDL error|Unauthorized/) });
    }
    await expectIntact(fx, base);
  });

  it('refuses a valid header with the wrong types, and truncated messages, on data and index methods', async () => {
    const wrong = [candid([IDL.Text], ['hello']), candid([IDL.Nat], [5n]), candid([IDL.Vec(IDL.Text)], [['a', 'b']]), candid([IDL.Record({ key: IDL.Text })], [{ key: 'k' }])];
    for (const arg of wrong) {
      for (const [method, query] of dataMethods) expect(await send(canisters[1], method, arg, query), method).toMatchObject({ rejectMessage: expect.stringMatching(/IDL error|Unauthorized/) });
      for (const method of indexMethods) expect(await send(fx.indexId, method, arg, false), method).toMatchObject({ errorCode: 'IC0503' });
    }
    const scan: ScanRequestValue = { range: { partition: { collection: 'known', partition: utf8('p'), from: [], to: [] } }, reverse: false, limit: 10n, after: [] };
    const whole: Array<[Principal, string, Uint8Array, boolean]> = [
      [canisters[0], 'put', candid([IDL.Vec(PutItem)], [[item(encodeKey('known', utf8('known-1')), utf8('overwritten'))]]), false],
      [canisters[0], 'delete', candid([IDL.Vec(DeleteItem)], [[{ key: encodeKey('known', utf8('known-2')), condition: [], returnPrevious: [] }]]), false],
      [canisters[0], 'get', candid([IDL.Vec(IDL.Vec(IDL.Nat8)), GetOptions], [[encodeKey('known', utf8('known-1'))], { fallback: false, values: true }]), true],
      [canisters[0], 'scan', candid([ScanRequest], [scan]), true],
      [fx.indexId, 'authorize', candid([IDL.Principal, IDL.Record({ read: IDL.Bool, write: IDL.Bool })], [Principal.fromText('2vxsx-fae'), { read: true, write: true }]), false],
      [fx.indexId, 'rebalance', candid([IDL.Float64], [0.1]), false],
    ];
    for (const [canister, method, arg, query] of whole) {
      for (let cut = 0; cut < arg.length; cut += Math.max(1, Math.floor(arg.length / 12))) {
        const reject = await send(canister, method, arg.slice(0, cut), query);
        expect(reject, `${method} cut at ${cut} of ${arg.length}`).toBeInstanceOf(CanisterRejectError);
      }
    }
    // No-argument methods: a truncated header is refused too (extra values would be allowed by Candid subtyping).
    for (const method of ['addDataCanister', 'upgradeDataCanisters', 'step', 'stats']) {
      expect(await send(fx.indexId, method, Uint8Array.from([0x44, 0x49, 0x44]), false), method).toMatchObject({ errorCode: 'IC0503' });
    }
    expect(await fx.index().then((i) => i.accessList())).toEqual([]);
    expect(await fx.dataCanisters()).toEqual(canisters);
    await expectIntact(fx, base);
  });

  it('refuses wrong types sent through the real agent with a lying interface', async () => {
    const liar: IDL.InterfaceFactory = ({ IDL: I }) =>
      I.Service({
        put: I.Func([I.Text], [I.Vec(I.Nat8)], []),
        get: I.Func([I.Nat, I.Text], [I.Vec(I.Nat8)], ['query']),
        authorize: I.Func([I.Text, I.Nat], [], []),
      });
    const agent = await fx.agent(fx.owner);
    const data = Actor.createActor<{ put(s: string): Promise<unknown>; get(n: bigint, s: string): Promise<unknown> }>(liar, { agent, canisterId: canisters[0] });
    const index = Actor.createActor<{ authorize(s: string, n: bigint): Promise<unknown> }>(liar, { agent, canisterId: fx.indexId });
    expect((await failure(data.put('known-1'))).message).toContain('IDL error');
    expect((await failure(data.get(1n, 'known-1'))).message).toContain('IDL error');
    expect((await failure(index.authorize('2vxsx-fae', 1n))).message).toContain('IDL error');
    await expectIntact(fx, base);
  });

  it('refuses invalid UTF-8 where Candid text is expected, and in the collection bytes of a stored key', async () => {
    const request = candid([ScanRequest], [{ range: { partition: { collection: 'ab', partition: utf8('p'), from: [], to: [] } }, reverse: false, limit: 10n, after: [] }]);
    const at = Buffer.from(request).indexOf(Buffer.from('ab'));
    const invalid = request.slice();
    invalid.set([0xff, 0xfe], at);
    expect(await send(canisters[0], 'scan', invalid, true)).toMatchObject({ rejectMessage: expect.stringContaining('not UTF-8') });
    const slots = candid([ScanRequest], [{ range: { slots: { first: 0, last: 10, collection: ['ab'] } }, reverse: false, limit: 10n, after: [] }]);
    const at2 = Buffer.from(slots).lastIndexOf(Buffer.from('ab'));
    const invalid2 = slots.slice();
    invalid2.set([0xc3, 0x28], at2);
    expect(await send(canisters[0], 'scan', invalid2, true)).toMatchObject({ rejectMessage: expect.stringContaining('not UTF-8') });

    // A stored key whose collection bytes are not UTF-8 (slot bytes computed the same way).
    const key = Uint8Array.from([0, 0, 2, 0xff, 0xfe, 0, 1, 0x70]);
    const answers = await ownerData.put([item(key, utf8('x'))]);
    expect(answers).toEqual([{ invalid: 'collection is not valid UTF-8' }]);
    expect(await ownerData.get([key], { fallback: false, values: true })).toEqual([{ invalid: 'collection is not valid UTF-8' }]);
    await expectIntact(fx, base);
  });
});

// ------------------------------------------------------------------ batches

describe('empty and huge batches', () => {
  it('makes no call for empty batches, and a data canister answers an empty call with nothing', async () => {
    const text = bm.collection('known', { value: codecs.text() });
    let calls = 0;
    const stop = bm.on('batchDispatched', () => calls++);
    expect(await text.putMany([])).toEqual([]);
    expect(await text.getMany([])).toEqual([]);
    expect(await text.deleteMany([])).toEqual([]);
    stop();
    expect(calls).toBe(0);
    expect(await ownerData.put([])).toEqual([]);
    expect(await ownerData.delete([])).toEqual([]);
    expect(await ownerData.get([], { fallback: false, values: true })).toEqual([]);
    await expectIntact(fx, base);
  });

  it('chunks a batch over the per-call item limit and the 2 MiB message limit into calls within both', async () => {
    const text = bm.collection('huge-batch', { value: codecs.text() });
    const entries = Array.from({ length: 12_000 }, (_, i) => [`k${i}`, `${i}`.padEnd(200, '.')] as const); // 12,000 items, 2.5 MB
    const sizes: number[] = [];
    const stop = bm.on('batchDispatched', (e) => e.method === 'put' && sizes.push(e.items));
    const results = await text.putMany(entries);
    stop();
    expect(results.every((r) => r.ok)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(12_000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2000);
    const sample = await text.getMany(['k0', 'k5999', 'k11999']);
    expect(sample.map((r) => r.ok && r.value?.slice(0, 5))).toEqual(['0....', '5999.', '11999']);
    expect((await text.deleteMany(entries.map(([k]) => k))).every((r) => r.ok && r.existed)).toBe(true);
    await expectIntact(fx, base);
  });

  it('refuses client options that would make calls over the canister or message limits, with a clear error', async () => {
    await expect(fx.connect(fx.owner, { maxBatchItems: 10_001 })).rejects.toThrow('Expected `maxBatchItems` at most 10000');
    await expect(fx.connect(fx.owner, { maxBatchBytes: 2_000_001 })).rejects.toThrow('Expected `maxBatchBytes` at most 2000000');
    await expectIntact(fx, base);
  });
});

// ------------------------------------------------------------------ unknown collections

describe('unknown collections', () => {
  it('read as absent and scan as empty, and deleting in them changes nothing', async () => {
    const none = bm.collection('never-written', { value: codecs.text() });
    expect(await none.get('known-1')).toBeUndefined();
    expect(await none.has('known-1')).toBe(false);
    expect(await none.getMany(['known-1', 'known-2'])).toEqual([
      { ok: true, value: undefined, version: undefined },
      { ok: true, value: undefined, version: undefined },
    ]);
    const scanned: unknown[] = [];
    for await (const entry of none.scan({ partition: 'known-1' })) scanned.push(entry);
    for await (const entry of none.entries()) scanned.push(entry);
    expect(scanned).toEqual([]);
    expect(await none.delete('known-1')).toBe(false);
    expect(await none.deleteMany(['known-2'])).toEqual([{ ok: true, existed: false }]);
    await expectIntact(fx, base);
  });
});

// ------------------------------------------------------------------ callers with no access

describe('callers with no access to a private BigMap', () => {
  for (const [who, identity] of [
    ['the anonymous principal', undefined],
    ['an authenticated principal never authorized', newIdentity()],
  ] as Array<[string, Identity | undefined]>) {
    it(`refuses ${who}: every read and write, and administration`, async () => {
      const them = await fx.connect(identity, { retryBudgetMs: 1_000 });
      const known = them.collection('known', { value: codecs.text() });
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['get', () => known.get('known-1')],
        ['has', () => known.has('known-1')],
        ['put', () => known.put('known-1', 'stolen')],
        ['delete', () => known.delete('known-2')],
        ['stats', () => them.stats()],
        ['authorize', () => them.authorize(Principal.anonymous())],
        ['rebalance', () => them.rebalance()],
      ];
      for (const [name, call] of calls) expect(await failure(call()), name).toBeInstanceOf(UnauthorizedError);
      const batch = await known.putMany([['known-3', 'stolen']]);
      expect(batch[0]).toMatchObject({ ok: false, error: expect.any(UnauthorizedError) });
      expect((await known.getMany(['known-4']))[0]).toMatchObject({ ok: false, error: expect.any(UnauthorizedError) });
      await expect((async () => {
        for await (const _ of known.scan({ partition: 'known-1' })) void _;
      })()).rejects.toBeInstanceOf(UnauthorizedError);
      await expect((async () => {
        for await (const _ of known.entries()) void _;
      })()).rejects.toBeInstanceOf(UnauthorizedError);

      // Directly: updates stop in canister_inspect_message, queries name the rule.
      const principal = identity?.getPrincipal() ?? Principal.anonymous();
      const data = await fx.data(canisters[0], identity ?? new AnonymousIdentity());
      expect((await failure(data.put([item(encodeKey('known', utf8('known-1')), utf8('stolen'))]))).message).toContain('canister_inspect_message explicitly refused message');
      expect((await failure(data.get([encodeKey('known', utf8('known-1'))], { fallback: false, values: true }))).message).toContain(`Unauthorized: ${principal.toText()} may not read this BigMap`);
      expect((await failure(data.stats())).message).toContain('Unauthorized');
      await expectIntact(fx, base);
    });
  }
});

describe('a stranger calling the migration protocol of a data canister directly', () => {
  it('is refused on every method, by ingress (inspect) and from a canister (the method), and nothing changes', async () => {
    const stranger = newIdentity();
    const victim = canisters[0];
    const tableBefore = await (await fx.index()).routingTable();
    const statsBefore = await ownerData.stats();
    const key = encodeKey('known', utf8('known-1'));
    const scan: ScanRequestValue = { range: { slots: { first: 0, last: 65_535, collection: [] } }, reverse: false, limit: 100n, after: [] };
    const entry = { value: utf8('forged'), version: 2n ** 63n, writeId: [] as [] };
    const calls: Array<[string, (d: DataAdmin) => Promise<unknown>, IDL.Type[], unknown[]]> = [
      ['migrationBegin', (d) => d.migrationBegin({ role: { source: { to: relay.id } }, slots: [0, 1, 2], tableVersion: 99n }), [], []],
      ['migrationRedirect', (d) => d.migrationRedirect(), [], []],
      ['migrationCopy', (d) => d.migrationCopy({ after: [], maxBytes: 1_000_000n }), [], []],
      ['migrationReceive', (d) => d.migrationReceive({ entries: [[key, entry]], copiedThrough: [] }), [], []],
      ['migrationCommit', (d) => d.migrationCommit({ slots: Array.from({ length: 100 }, (_, i) => i), tableVersion: 99n }), [], []],
      ['migrationDrop', (d) => d.migrationDrop(1_000_000n), [], []],
      ['setAccess', (d) => d.setAccess([[stranger.getPrincipal(), [{ read: true, write: true }]]]), [], []],
      ['peerPeek', (d) => d.peerPeek([key]), [], []],
      ['peerScan', (d) => d.peerScan(scan), [], []],
      ['slotStats', (d) => d.slotStats(), [], []],
      ['scanMerged', (d) => d.scanMerged(scan), [], []],
    ];
    const strangerData = await fx.data(victim, stranger);
    for (const [method, call] of calls) {
      const e = await failure(call(strangerData));
      expect(e.message, method).toMatch(/explicitly refused message|Unauthorized/);
    }
    // The owner is no migration peer either: only the index runs the protocol.
    for (const [method, call] of calls.filter(([m]) => m !== 'scanMerged')) {
      const e = await failure(call(ownerData));
      expect(e.message, `owner ${method}`).toMatch(/explicitly refused message|Unauthorized/);
    }
    // From a canister (no inspect_message): the methods check their caller themselves.
    const encoded: Array<[string, Uint8Array]> = [
      ['migrationBegin', candid([IDL.Record({ role: IDL.Variant({ source: IDL.Record({ to: IDL.Principal }), target: IDL.Record({ from: IDL.Principal }) }), slots: IDL.Vec(IDL.Nat16), tableVersion: IDL.Nat64 })], [{ role: { target: { from: relay.id } }, slots: [0, 1, 2], tableVersion: 99n }])],
      ['migrationRedirect', candid([], [])],
      ['migrationCopy', candid([IDL.Record({ after: IDL.Opt(IDL.Vec(IDL.Nat8)), maxBytes: IDL.Nat })], [{ after: [], maxBytes: 1_000_000n }])],
      ['migrationReceive', candid([IDL.Record({ entries: IDL.Vec(IDL.Tuple(IDL.Vec(IDL.Nat8), IDL.Record({ value: IDL.Vec(IDL.Nat8), version: IDL.Nat64, writeId: IDL.Opt(IDL.Vec(IDL.Nat8)) }))), copiedThrough: IDL.Opt(IDL.Vec(IDL.Nat8)) })], [{ entries: [[key, entry]], copiedThrough: [] }])],
      ['migrationCommit', candid([IDL.Record({ slots: IDL.Vec(IDL.Nat16), tableVersion: IDL.Nat64 })], [{ slots: [0, 1, 2], tableVersion: 99n }])],
      ['migrationDrop', candid([IDL.Nat], [1_000_000n])],
      ['setAccess', candid([IDL.Vec(IDL.Tuple(IDL.Principal, IDL.Opt(IDL.Record({ read: IDL.Bool, write: IDL.Bool }))))], [[[relay.id, [{ read: true, write: true }]]]])],
      ['peerPeek', candid([IDL.Vec(IDL.Vec(IDL.Nat8))], [[key]])],
      ['peerScan', candid([ScanRequest], [scan])],
      ['slotStats', candid([], [])],
      ['scanMerged', candid([ScanRequest], [scan])],
      ['put', candid([IDL.Vec(PutItem)], [[item(key, utf8('forged'))]])],
      ['delete', candid([IDL.Vec(DeleteItem)], [[{ key, condition: [], returnPrevious: [] }]])],
      ['stats', candid([], [])],
    ];
    for (const [method, arg] of encoded) {
      expect(await relay.call(victim, method, arg), method).toEqual({ err: expect.stringContaining(`Unauthorized: ${relay.id.toText()} may not`) });
    }
    // Nothing moved: same table, same slots and version in the canister, writes still land.
    expect(await (await fx.index()).routingTable()).toEqual(tableBefore);
    const statsAfter = await ownerData.stats();
    expect({ slots: statsAfter.slots, keys: statsAfter.keys, bytes: statsAfter.bytes, tableVersion: statsAfter.tableVersion }).toEqual({
      slots: statsBefore.slots,
      keys: statsBefore.keys,
      bytes: statsBefore.bytes,
      tableVersion: statsBefore.tableVersion,
    });
    const probe = bm.collection('probe', { value: codecs.text() });
    const probes = Array.from({ length: 20 }, (_, i) => [`p${i}`, 'still writable'] as const);
    expect((await probe.putMany(probes)).every((r) => r.ok)).toBe(true);
    await probe.deleteMany(probes.map(([k]) => k));
    await expectIntact(fx, base);
  });
});

// ------------------------------------------------------------------ forged redirects

describe('forged redirects', () => {
  /** How the wrapped data canister answers: truthfully, or redirecting everything to `to`. */
  type Mode = { kind: 'truthful' } | { kind: 'migrating' | 'fallback'; to: Principal; once?: boolean };

  let foreign: BigMap;
  let foreignData: Principal;
  let victim: Principal;
  let fresh: Principal;
  let mode: Mode = { kind: 'truthful' };
  let core: ClientCore;
  let dispatched: string[];
  const PARTITION = 'planted';

  beforeAll(async () => {
    // Another BigMap on the same replica, where the same identity is an owner (so a client
    // that followed a redirect there would succeed in writing), holding a planted value
    // under the very same stored key.
    const foreignIndex = await deployIndex(fx.replica, fx.owner.getPrincipal());
    foreign = await BigMap.connect({ indexCanisterId: foreignIndex, identity: fx.owner, host: HOST, fetch: fx.fetch });
    await foreign.collection('forge', { value: codecs.text() }).put(PARTITION, 'FORGED');
    [foreignData] = await Actor.createActor<IndexService>(indexIdlFactory, { agent: await fx.agent(fx.owner), canisterId: foreignIndex }).dataCanisters();

    const index = await fx.index();
    victim = await ownerOfSlot(index, slotOf('forge', utf8(PARTITION)));
    // A data canister of this BigMap that no slot routes to yet (as a split target is).
    fresh = await index.addDataCanister();
    base = { ...base, keys: new Map([...base.keys, [fresh.toText(), 0n]]) };

    const agent: HttpAgent = await fx.agent(fx.owner);
    const indexActor = Actor.createActor<IndexService>(indexIdlFactory, { agent, canisterId: fx.indexId });
    const createDataActor = (id: Principal): DataService => {
      const real = Actor.createActor<DataAdmin>(dataIdlFactory, { agent, canisterId: id });
      if (id.toText() !== victim.toText()) return real;
      const forged = <T>(answer: (m: Exclude<Mode, { kind: 'truthful' }>) => T, truthful: () => Promise<T>): Promise<T> => {
        const m = mode;
        if (m.kind === 'truthful') return truthful();
        if (m.once) mode = { kind: 'truthful' };
        return Promise.resolve(answer(m));
      };
      const redirect = (m: Exclude<Mode, { kind: 'truthful' }>) => ({ migrating: { to: m.to, tableVersion: 0n } });
      return {
        put: (items) => forged((m) => items.map(() => redirect(m)), () => real.put(items)),
        delete: (items) => forged((m) => items.map(() => redirect(m)), () => real.delete(items)),
        get: (keys, options) => (options.fallback ? real.get(keys, options) : forged((m) => keys.map(() => (m.kind === 'fallback' ? { fallback: { from: m.to } } : redirect(m))), () => real.get(keys, options))),
        scan: (request) => forged((m) => redirect(m), () => real.scan(request)),
        scanMerged: (request) => real.scanMerged(request),
        stats: () => real.stats(),
      };
    };
    core = new ClientCore(indexActor, createDataActor, resolveOptions({ retryBudgetMs: 2_000 }));
    dispatched = [];
    core.events.on('batchDispatched', (e) => dispatched.push(e.canister));
  });

  beforeEach(() => {
    mode = { kind: 'truthful' };
  });
  const collection = () => new Collection(core, 'forge', codecs.text(), 'text');
  const foreignValue = () => foreign.collection('forge', { value: codecs.text() }).get(PARTITION);

  it('does not write to a canister that is not one of this BigMap’s data canisters', async () => {
    const foreignKeys = (await (await fx.data(foreignData)).stats()).keys;
    for (const to of [foreignData, relay.id, Principal.fromText('aaaaa-aa')]) {
      mode = { kind: 'migrating', to };
      const e = await failure(collection().put(PARTITION, 'mine'));
      expect(e.name, String(e)).toBe('UntrustedRedirectError');
      expect(e.message).toContain(to.toText());
      const d = await failure(collection().delete(PARTITION));
      expect(d.name).toBe('UntrustedRedirectError');
    }
    mode = { kind: 'truthful' };
    expect(dispatched).not.toContain(foreignData.toText());
    expect(await foreignValue()).toBe('FORGED');
    expect((await (await fx.data(foreignData)).stats()).keys).toBe(foreignKeys);
    expect(await collection().get(PARTITION)).toBeUndefined();
    await expectIntact(fx, base);
  });

  it('does not trust a read redirected or sent for fallback to a foreign canister', async () => {
    for (const kind of ['migrating', 'fallback'] as const) {
      mode = { kind, to: foreignData };
      const e = await failure(collection().get(PARTITION));
      expect(e.name, `${kind}: ${String(e)}`).toBe('UntrustedRedirectError');
      const many = await collection().getMany([PARTITION]);
      expect(many[0]).toMatchObject({ ok: false, error: { name: 'UntrustedRedirectError' } });
    }
    mode = { kind: 'migrating', to: foreignData };
    const scan = await failure((async () => {
      for await (const _ of collection().scan({ partition: PARTITION })) void _;
    })());
    expect(scan.name, String(scan)).toBe('UntrustedRedirectError');
    mode = { kind: 'truthful' };
    expect(dispatched).not.toContain(foreignData.toText());
    await expectIntact(fx, base);
  });

  it('still follows a redirect to a data canister of this BigMap that the routing table does not name yet', async () => {
    await collection().put(PARTITION, 'mine');
    dispatched.length = 0;
    mode = { kind: 'migrating', to: fresh, once: true };
    expect(await collection().get(PARTITION)).toBe('mine');
    expect(dispatched).toContain(fresh.toText()); // it went there, was told `moved`, and came back
    expect(await collection().delete(PARTITION)).toBe(true);
    expect(await foreignValue()).toBe('FORGED');
    await expectIntact(fx, base);
  });
});
