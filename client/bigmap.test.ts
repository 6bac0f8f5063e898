import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpHandler } from '../replica/index.ts';
import {
  BigMap,
  ConflictError,
  InvalidKeyError,
  KeyTooLargeError,
  UnauthorizedError,
  ValueTooLargeError,
  codecs,
  type LocalBigMap,
} from './index.ts';

interface User {
  name: string;
  age: number;
}

let local: LocalBigMap;
let bm: BigMap;
beforeAll(async () => {
  local = await BigMap.local({ index: { initialDataCanisters: 3 } });
  bm = local.bigmap;
});
afterAll(() => local.close());

/** Counts the batch calls made while `fn` runs, per method. */
async function countBatches<T>(fn: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  const calls: Record<string, number> = {};
  const stop = bm.on('batchDispatched', (e) => {
    calls[e.method] = (calls[e.method] ?? 0) + 1;
  });
  try {
    return { result: await fn(), calls };
  } finally {
    stop();
  }
}

describe('a collection', () => {
  it('puts, gets, has and deletes typed values', async () => {
    const users = bm.collection('users', { value: codecs.json<User>() });
    await users.put('alice', { name: 'Alice', age: 30 });
    expect(await users.get('alice')).toEqual({ name: 'Alice', age: 30 });
    expect(await users.has('alice')).toBe(true);
    expect(await users.has('nobody')).toBe(false);
    expect(await users.get('nobody')).toBeUndefined();
    expect(await users.delete('alice')).toBe(true);
    expect(await users.delete('alice')).toBe(false);
    expect(await users.get('alice')).toBeUndefined();
  });

  it('accepts string, byte and partition-and-sort keys', async () => {
    const items = bm.collection('mixed', { value: codecs.text() });
    await items.put('text-key', 'a');
    await items.put(new Uint8Array([0, 255, 7]), 'b');
    await items.put({ partition: 'p', sort: 5n }, 'c');
    expect(await items.get('text-key')).toBe('a');
    expect(await items.get(new Uint8Array([0, 255, 7]))).toBe('b');
    expect(await items.get({ partition: 'p', sort: 5n })).toBe('c');
  });

  it('stores values with every codec', async () => {
    const record = IDL.Record({ id: IDL.Nat, tags: IDL.Vec(IDL.Text) });
    const candid = bm.collection('candid', { value: codecs.candid(record) });
    await candid.put('r', { id: 5n, tags: ['a'] });
    expect(await candid.get('r')).toEqual({ id: 5n, tags: ['a'] });
    const cbor = bm.collection('cbor', { value: codecs.cbor<{ data: Uint8Array }>() });
    await cbor.put('c', { data: new Uint8Array([1, 2, 3]) });
    expect(await cbor.get('c')).toEqual({ data: new Uint8Array([1, 2, 3]) });
    const bytes = bm.collection('bytes', { value: codecs.bytes() });
    await bytes.put('b', new Uint8Array([9, 8]));
    expect(await bytes.get('b')).toEqual(new Uint8Array([9, 8]));
  });

  it('compare-and-sets with ifAbsent and ifVersion, raising ConflictError with the current version', async () => {
    const counters = bm.collection('counters', { value: codecs.json<number>() });
    const { version } = await counters.put('c', 1, { ifAbsent: true });
    await expect(counters.put('c', 2, { ifAbsent: true })).rejects.toBeInstanceOf(ConflictError);
    const conflict = await counters.put('c', 2, { ifVersion: version + 1n }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect((conflict as ConflictError).currentVersion).toBe(version);
    const next = await counters.put('c', 2, { ifVersion: version });
    expect(await counters.getEntry('c')).toEqual({ value: 2, version: next.version });
    await expect(counters.delete('c', { ifVersion: version })).rejects.toBeInstanceOf(ConflictError);
    expect(await counters.delete('c', { ifVersion: next.version })).toBe(true);
  });

  it('answers putMany, getMany and deleteMany per item, in order, with errors only where they belong', async () => {
    const users = bm.collection('batch-users', { value: codecs.json<User>() });
    const entries = Array.from({ length: 300 }, (_, i) => [`u${i}`, { name: `U${i}`, age: i }] as const);
    const put = await users.putMany([...entries.slice(0, 150), ['x'.repeat(2000), { name: 'too long', age: 0 }], ...entries.slice(150)]);
    expect(put.filter((r) => r.ok)).toHaveLength(300);
    expect(put[150]).toMatchObject({ ok: false, error: expect.any(KeyTooLargeError) });
    const got = await users.getMany(['u299', 'missing', 'u0']);
    expect(got).toEqual([
      { ok: true, value: { name: 'U299', age: 299 }, version: expect.any(BigInt) },
      { ok: true, value: undefined, version: undefined },
      { ok: true, value: { name: 'U0', age: 0 }, version: expect.any(BigInt) },
    ]);
    const deleted = await users.deleteMany(['u1', 'missing']);
    expect(deleted).toEqual([
      { ok: true, existed: true },
      { ok: true, existed: false },
    ]);
  });

  it('scans a partition in sort-key order, forward, reverse, bounded and limited', async () => {
    const logs = bm.collection('logs', { value: codecs.text(), keys: 'bytes' });
    await logs.putMany(Array.from({ length: 25 }, (_, i) => [{ partition: 'contract', sort: BigInt(i * 10) }, `log${i}`] as const));
    await logs.put({ partition: 'other', sort: 5n }, 'elsewhere');
    const values = async (options: Parameters<typeof logs.scan>[0]) => {
      const out: string[] = [];
      for await (const [, value] of logs.scan(options)) out.push(value);
      return out;
    };
    expect(await values({ partition: 'contract' })).toEqual(Array.from({ length: 25 }, (_, i) => `log${i}`));
    expect(await values({ partition: 'contract', from: 30n, to: 70n })).toEqual(['log3', 'log4', 'log5', 'log6']);
    expect(await values({ partition: 'contract', reverse: true, limit: 3 })).toEqual(['log24', 'log23', 'log22']);
    const [[firstSort]] = await (async () => {
      const out: Array<[Uint8Array, string]> = [];
      for await (const entry of logs.scan({ partition: 'contract', limit: 1 })) out.push(entry as [Uint8Array, string]);
      return out;
    })();
    expect(firstSort).toEqual(new Uint8Array(8));
  });

  it('lists every item of a collection across all data canisters', async () => {
    const spread = bm.collection('spread', { value: codecs.json<number>() });
    await spread.putMany(Array.from({ length: 500 }, (_, i) => [`k${i}`, i] as const));
    const seen = new Map<string, number>();
    for await (const [key, value] of spread.entries({ parallel: 2 })) seen.set(key as string, value);
    expect(seen.size).toBe(500);
    expect([...seen.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    const owners = new Set((await bm.stats()).canisters.filter((c) => c.keys > 0n).map((c) => c.id));
    expect(owners.size).toBe(3);
  });
});

describe('batching', () => {
  it('coalesces concurrent single gets into about one call per data canister', async () => {
    const users = bm.collection('coalesce', { value: codecs.json<number>() });
    await users.putMany(Array.from({ length: 100 }, (_, i) => [`k${i}`, i] as const));
    const { result, calls } = await countBatches(() => Promise.all(Array.from({ length: 100 }, (_, i) => users.get(`k${i}`))));
    expect(result).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(calls.get).toBeLessThanOrEqual(3);
  });

  it('splits a batch larger than one message into several and stores all of it', async () => {
    const blobs = bm.collection('large-batch', { value: codecs.bytes() });
    const value = new Uint8Array(100_000).fill(3);
    const { result, calls } = await countBatches(() => blobs.putMany(Array.from({ length: 40 }, (_, i) => [`b${i}`, value] as const)));
    expect(result.every((r) => r.ok)).toBe(true);
    expect(calls.put).toBeGreaterThanOrEqual(3); // 4 MB of values cannot travel in one 2 MiB message
    const back = await blobs.getMany(Array.from({ length: 40 }, (_, i) => `b${i}`));
    expect(back.every((r) => r.ok && r.value?.length === 100_000)).toBe(true);
  });

  it('re-asks the values a reply had no room for all at once, as many per request as one reply holds', async () => {
    // Count the query replies, to tell which requests went out together.
    const handler = createHttpHandler(local.replica) as typeof fetch;
    let answered = 0;
    const counting: typeof fetch = async (input, init) => {
      const response = await handler(input, init);
      if ((input instanceof Request ? input.url : String(input)).endsWith('/query')) answered++;
      return response;
    };
    const client = await BigMap.connect({ indexCanisterId: local.indexCanisterId, identity: local.identity, host: 'http://127.0.0.1', fetch: counting });
    const blobs = client.collection('reply-room', { value: codecs.bytes() });
    // One partition, so one data canister, whose reply holds about 1.95 MB of values: two of these.
    const keys = Array.from({ length: 6 }, (_, i) => ({ partition: 'one', sort: BigInt(i) }));
    const value = (i: number) => new Uint8Array(700_000).fill(i + 1);
    expect((await blobs.putMany(keys.map((k, i) => [k, value(i)] as const))).every((r) => r.ok)).toBe(true);

    const gets: Array<{ items: number; afterReplies: number }> = [];
    const stop = client.on('batchDispatched', (e) => e.method === 'get' && gets.push({ items: e.items, afterReplies: answered }));
    try {
      const back = await blobs.getMany(keys);
      expect(back.map((r, i) => r.ok && r.value !== undefined && Buffer.from(r.value).equals(value(i)))).toEqual(keys.map(() => true));
    } finally {
      stop();
    }
    // All six (the reply holds two), then the four left out, two per request, sent together
    // after that one reply: two round trips in all, not one per reply's worth.
    const start = gets[0].afterReplies;
    expect(gets).toEqual([
      { items: 6, afterReplies: start },
      { items: 2, afterReplies: start + 1 },
      { items: 2, afterReplies: start + 1 },
    ]);
    expect(await blobs.deleteMany(keys)).toEqual(keys.map(() => ({ ok: true, existed: true })));
  });
});

describe('large values', () => {
  it('stores a 20 MB value in chunks, reads it back whole, and leaves no chunk behind when replaced or deleted', async () => {
    const files = bm.collection('files', { value: codecs.bytes() });
    const keysBefore = (await bm.stats()).canisters.reduce((n, c) => n + c.keys, 0n);
    const big = new Uint8Array(20_000_000);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) % 256;
    await files.put('movie', big);
    const back = await files.get('movie');
    expect(back?.length).toBe(big.length);
    expect(Buffer.compare(Buffer.from(back!), Buffer.from(big))).toBe(0);

    await files.put('movie', new Uint8Array(2_000_000).fill(1)); // replaced by another chunked value
    expect((await files.get('movie'))?.length).toBe(2_000_000);
    await files.put('movie', new Uint8Array([1, 2, 3])); // replaced by an inline value
    expect(await files.get('movie')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await files.delete('movie')).toBe(true);
    const keysAfter = (await bm.stats()).canisters.reduce((n, c) => n + c.keys, 0n);
    expect(keysAfter).toBe(keysBefore);
  });
});

describe('errors', () => {
  it('raises typed errors for bad input and changes nothing', async () => {
    const users = bm.collection('errors', { value: codecs.text() });
    await expect(users.put('x'.repeat(1025), 'v')).rejects.toBeInstanceOf(KeyTooLargeError);
    expect(() => bm.collection('', { value: codecs.text() })).toThrow(InvalidKeyError);
    expect(() => bm.collection('\u0001chunks', { value: codecs.text() })).toThrow('reserved');
    const small = await BigMap.connect({
      indexCanisterId: local.indexCanisterId,
      identity: local.identity,
      host: 'http://127.0.0.1',
      fetch: createHttpHandler(local.replica) as typeof fetch,
      options: { maxValueBytes: 1000 },
    });
    await expect(small.collection('errors', { value: codecs.text() }).put('k', 'y'.repeat(1001))).rejects.toBeInstanceOf(ValueTooLargeError);
    expect(await users.get('k')).toBeUndefined();
  });

  it('refuses a caller that is not authorized, until an owner authorizes it, and again once revoked', async () => {
    const stranger = Ed25519KeyIdentity.generate();
    const theirs = await BigMap.connect({ indexCanisterId: local.indexCanisterId, identity: stranger, host: 'http://127.0.0.1', fetch: createHttpHandler(local.replica) as typeof fetch });
    const notes = theirs.collection('notes', { value: codecs.text() });
    await expect(notes.put('n', 'hi')).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(notes.get('n')).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(theirs.authorize(stranger.getPrincipal(), { read: true, write: true })).rejects.toBeInstanceOf(UnauthorizedError);

    await bm.authorize(stranger.getPrincipal(), { read: true, write: true });
    await notes.put('n', 'hi');
    expect(await notes.get('n')).toBe('hi');
    await bm.revoke(stranger.getPrincipal());
    await expect(notes.put('n', 'again')).rejects.toBeInstanceOf(UnauthorizedError);
    expect(await bm.collection('notes', { value: codecs.text() }).get('n')).toBe('hi');
  });

  it('fails to connect with a clear error when the index id is wrong', async () => {
    const wrong = await BigMap.connect({
      indexCanisterId: 'rwlgt-iiaaa-aaaaa-aaaaa-cai',
      host: 'http://127.0.0.1',
      fetch: createHttpHandler(local.replica) as typeof fetch,
      options: { retryBudgetMs: 100 },
    }).catch((e: unknown) => e);
    expect(String(wrong)).toContain('Could not read the slot table of the BigMap index rwlgt-iiaaa-aaaaa-aaaaa-cai');
  });
});

describe('administration', () => {
  it('reports stats for every data canister', async () => {
    const stats = await bm.stats();
    expect(stats.canisters).toHaveLength(3);
    expect(stats.canisters.reduce((n, c) => n + c.slots, 0n)).toBe(65_536n);
    for (const c of stats.canisters) expect(c).toMatchObject({ reachable: true, cycles: expect.any(BigInt), memoryBytes: expect.any(BigInt) });
  });

  it('upgrades every data canister and keeps the data', async () => {
    const users = bm.collection('upgrade', { value: codecs.text() });
    await users.putMany(Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`] as const));
    const progress: number[] = [];
    const { upgraded } = await bm.upgradeDataCanisters({ onProgress: (p) => progress.push(p.done) });
    expect(upgraded).toHaveLength(3);
    expect(progress.at(-1)).toBe(3);
    expect(await users.get('k49')).toBe('v49');
  });
});
