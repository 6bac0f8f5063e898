/**
 * The five things the end-to-end suite measures (see target.ts):
 *  - `bigmap`: the BigMap client, through the real agent, default options;
 *  - `bigmap-unbatched`: the same client with batching off (`maxBatchItems: 1`);
 *  - `data-replica`: BigMap's data canister called with the raw in-process replica call
 *    (no client, no agent, no signatures): what the canister itself costs;
 *  - `kvmap-replica`: one `mo:core` Map canister, no sharding, raw in-process calls;
 *  - `kvmap-agent`: the same canister through the agent, as a user would call it.
 * Baselines without a batch call of their own split a batch into requests under the
 * 2 MiB ingress limit exactly as the client does, and send them concurrently.
 */
import type { Principal } from '@dfinity/principal';
import { codecs, type BigMap, type ItemResult } from '../../client/index.ts';
import type { DataService, GetResultValue } from '../../client/idl/data.ts';
import { storedKey } from '../../client/keys.ts';
import { DEFAULT_CLIENT_OPTIONS } from '../../client/options.ts';
import { splitIntoRequests } from '../../client/routing/dispatch.ts';
import type { KvMapService } from '../lib/kvmap.ts';
import type { Entries, Target, TargetName } from './target.ts';

const utf8 = new TextEncoder();

/** A BigMap collection of raw bytes behind the {@link Target} interface. */
export function bigmapTarget(name: TargetName, description: string, bigmap: BigMap, collection: string, dataCanisters: readonly Principal[]): Target {
  const items = bigmap.collection(collection, { value: codecs.bytes() });
  return {
    name,
    description,
    canisters: dataCanisters,
    methods: { put: ['put'], get: ['get'], delete: ['delete'], scan: ['scan', 'scanMerged'] },
    skipModes: name === 'bigmap-unbatched' ? ['single', 'pages'] : [],
    put: async (key, value) => void (await items.put(key, value)),
    putMany: async (entries) => void okOrThrow(await items.putMany(entries)),
    get: (key) => items.get(key),
    getMany: async (keys) => okOrThrow(await items.getMany(keys)).map((r) => r.value),
    delete: (key) => items.delete(key),
    deleteMany: async (keys) => okOrThrow(await items.deleteMany(keys)).map((r) => r.existed),
    scan: {
      load: async (partition, values) => void okOrThrow(await items.putMany(values.map((v, i) => [{ partition, sort: i }, v] as const))),
      read: async (partition) => {
        const values: Uint8Array[] = [];
        for await (const [, value] of items.scan({ partition })) values.push(value);
        return values;
      },
    },
  };
}

/** The calls of the KvMap canister, from the replica's in-process actor or the agent's. */
interface KvMapCalls {
  put: KvMapService['put'];
  putMany: KvMapService['putMany'];
  get: KvMapService['get'];
  delete: KvMapService['delete'];
}

/** The KvMap baseline canister: keys are the key text's UTF-8 bytes. */
export function kvmapTarget(name: TargetName, description: string, kvmap: KvMapCalls, canisterId: Principal): Target {
  return {
    name,
    description,
    canisters: [canisterId],
    methods: { put: ['put', 'putMany'], get: ['get'], delete: ['delete'], scan: [] },
    skipModes: [],
    put: (key, value) => kvmap.put(utf8.encode(key), value),
    putMany: async (entries) => {
      const pairs = entries.map(([k, v]): [Uint8Array, Uint8Array] => [utf8.encode(k), v]);
      await Promise.all(inRequests(pairs, ([k, v]) => k.length + v.length).map((request) => kvmap.putMany(request)));
    },
    get: async (key) => (await kvmap.get(utf8.encode(key)))[0],
    delete: async (key) => {
      await kvmap.delete(utf8.encode(key));
      return undefined;
    },
  };
}

/**
 * BigMap's data canister without the client: stored keys of `collection` built as the
 * client builds them, values stored as given (no client framing), raw in-process calls.
 * REQUIRES: the data canister owns every slot (a BigMap with one data canister).
 */
export function dataCanisterTarget(description: string, data: DataService, canisterId: Principal, collection: string): Target {
  const put = async (items: ReadonlyArray<{ key: Uint8Array; value: Uint8Array }>) => {
    const requests = inRequests(items, (i) => i.key.length + i.value.length);
    const answers = await Promise.all(requests.map((r) => data.put(r.map(({ key, value }) => ({ key, value, condition: [], writeId: [], returnPrevious: [] })))));
    for (const answer of answers.flat()) if (!('ok' in answer)) throw new Error(`data canister put answered ${JSON.stringify(Object.keys(answer))}`);
  };
  // A reply holds at most about 2 MiB of values; the canister answers `notIncluded` for the
  // rest, which are asked again (as the client does).
  const get = async (keys: readonly string[]) => {
    const stored = keys.map((k) => storedKey(collection, k));
    const values: Array<Uint8Array | undefined> = new Array(keys.length);
    let pending = keys.map((_, i) => i);
    while (pending.length > 0) {
      const answers = await data.get(pending.map((i) => stored[i]), { fallback: false, values: true });
      const again = pending.filter((i, j) => {
        if ('notIncluded' in answers[j]) return true;
        values[i] = foundValue(answers[j]);
        return false;
      });
      if (again.length === pending.length) throw new Error(`data canister get included none of ${pending.length} keys`);
      pending = again;
    }
    return values;
  };
  const del = async (keys: readonly string[]) =>
    (await data.delete(keys.map((k) => ({ key: storedKey(collection, k), condition: [], returnPrevious: [] })))).map((answer) => {
      if (!('ok' in answer)) throw new Error(`data canister delete answered ${JSON.stringify(Object.keys(answer))}`);
      return answer.ok.existed;
    });
  return {
    name: 'data-replica',
    description,
    canisters: [canisterId],
    methods: { put: ['put'], get: ['get'], delete: ['delete'], scan: ['scan'] },
    skipModes: [],
    put: (key, value) => put([{ key: storedKey(collection, key), value }]),
    putMany: (entries: Entries) => put(entries.map(([key, value]) => ({ key: storedKey(collection, key), value }))),
    get: async (key) => (await get([key]))[0],
    getMany: get,
    delete: async (key) => (await del([key]))[0],
    deleteMany: del,
    scan: {
      load: (partition, values) => put(values.map((value, i) => ({ key: storedKey(collection, { partition, sort: i }), value }))),
      read: async (partition) => {
        const values: Uint8Array[] = [];
        let after: [] | [Uint8Array] = [];
        for (;;) {
          const answer = await data.scan({ range: { partition: { collection, partition: utf8.encode(partition), from: [], to: [] } }, reverse: false, limit: BigInt(DEFAULT_CLIENT_OPTIONS.scanPageItems), after });
          if (!('ok' in answer)) throw new Error(`data canister scan answered ${JSON.stringify(Object.keys(answer))}`);
          for (const item of answer.ok.items) values.push(Uint8Array.from(item.value));
          const next = answer.ok.next[0];
          if (next === undefined) return values;
          after = [Uint8Array.from(next)];
        }
      },
    },
  };
}

/** `items` cut into requests within the client's default item and byte caps (under the 2 MiB ingress limit). */
function inRequests<T>(items: readonly T[], sizeOf: (item: T) => number): T[][] {
  return splitIntoRequests(items, sizeOf, DEFAULT_CLIENT_OPTIONS);
}

function okOrThrow<T>(results: ReadonlyArray<ItemResult<T>>): Array<{ ok: true } & T> {
  return results.map((r) => {
    if (!r.ok) throw r.error;
    return r;
  });
}

function foundValue(answer: GetResultValue): Uint8Array | undefined {
  if ('found' in answer) return Uint8Array.from(answer.found.value);
  if ('absent' in answer) return undefined;
  throw new Error(`data canister get answered ${JSON.stringify(Object.keys(answer))}`);
}
