import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHttpHandler } from '../replica/index.ts';
import { indexIdlFactory, type IndexService } from './idl/index.ts';
import { BigMap, codecs } from './index.ts';

const SEED = Number(process.env.FC_SEED ?? 0xc11e);

describe('routing while slots move', () => {
  it('corrects a stale slot table with redirects after a split, and reads every key right', async () => {
    const local = await BigMap.local({ index: { capacityBytes: 1_000_000_000n, copyChunkBytes: 2_048 } });
    try {
      const writer = local.bigmap.collection('stale', { value: codecs.json<number>() });
      await writer.putMany(Array.from({ length: 300 }, (_, i) => [`k${i}`, i] as const));

      // A second client caches the table now, before the split.
      const stale = await BigMap.connect({ indexCanisterId: local.indexCanisterId, identity: local.identity, host: 'http://127.0.0.1', fetch: createHttpHandler(local.replica) as typeof fetch });
      const versionBefore = await stale.refreshRoutes();
      let refreshes = 0;
      stale.on('slotsRefreshed', () => refreshes++);

      const index = local.replica.createActor<IndexService>(indexIdlFactory, local.indexCanisterId, { sender: local.identity.getPrincipal() });
      await index.split((await index.dataCanisters())[0]);
      await local.bigmap.waitForMigrations();
      expect((await index.routingTable()).version).toBeGreaterThan(versionBefore);

      const values = await Promise.all(Array.from({ length: 300 }, (_, i) => stale.collection('stale', { value: codecs.json<number>() }).get(`k${i}`)));
      expect(values).toEqual(Array.from({ length: 300 }, (_, i) => i));
      expect(refreshes).toBeGreaterThanOrEqual(1);
    } finally {
      await local.close();
    }
  });

  it('returns exactly what a Map model holds, for random operations while splits run underneath', async () => {
    type Op = { kind: 'put' | 'delete' | 'get' | 'has'; k: number } | { kind: 'getMany'; ks: number[] } | { kind: 'scan'; p: number };
    const KEYS = 60;
    const PARTITIONS = 4;
    const k = fc.nat(KEYS - 1);
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), k }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), k }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('get' as const), k }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('has' as const), k }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('getMany' as const), ks: fc.array(k, { minLength: 1, maxLength: 8 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('scan' as const), p: fc.nat(PARTITIONS - 1) }) },
    );
    const keyOf = (n: number) => ({ partition: `p${n % PARTITIONS}`, sort: BigInt(n) });
    let written = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 60, maxLength: 120 }), async (ops) => {
        // A tiny capacity: the index splits again and again while the operations run.
        const local = await BigMap.local({ index: { capacityBytes: 2_000n, copyChunkBytes: 512, pollIntervalSeconds: 1 } });
        try {
          const items = local.bigmap.collection('model', { value: codecs.text() });
          const model = new Map<number, string>();
          // Concurrency: operations run in small groups at once, each group on distinct keys.
          for (let i = 0; i < ops.length; ) {
            const group: Op[] = [];
            const touched = new Set<number>();
            while (i < ops.length && group.length < 4) {
              const o = ops[i];
              const keys = o.kind === 'getMany' ? o.ks : o.kind === 'scan' ? [] : [o.k];
              if (o.kind === 'scan' ? group.length > 0 : keys.some((x) => touched.has(x))) break;
              keys.forEach((x) => touched.add(x));
              group.push(o);
              i++;
              if (o.kind === 'scan') break;
            }
            await Promise.all(
              group.map(async (o) => {
                switch (o.kind) {
                  case 'put': {
                    const value = `v${++written}-${'x'.repeat(150)}`;
                    await items.put(keyOf(o.k), value);
                    model.set(o.k, value);
                    return;
                  }
                  case 'delete':
                    expect(await items.delete(keyOf(o.k)), `delete ${o.k}`).toBe(model.has(o.k));
                    model.delete(o.k);
                    return;
                  case 'get':
                    expect(await items.get(keyOf(o.k)), `get ${o.k}`).toBe(model.get(o.k));
                    return;
                  case 'has':
                    expect(await items.has(keyOf(o.k)), `has ${o.k}`).toBe(model.has(o.k));
                    return;
                  case 'getMany': {
                    const got = await items.getMany(o.ks.map(keyOf));
                    expect(got.map((r) => (r.ok ? r.value : r.error)), `getMany ${o.ks}`).toEqual(o.ks.map((x) => model.get(x)));
                    return;
                  }
                  case 'scan': {
                    const seen: string[] = [];
                    for await (const [, value] of items.scan({ partition: `p${o.p}` })) seen.push(value);
                    const expected = [...model].filter(([n]) => n % PARTITIONS === o.p).sort(([a], [b]) => a - b).map(([, v]) => v);
                    expect(seen, `scan p${o.p}`).toEqual(expected);
                    return;
                  }
                }
              }),
            );
          }
          await local.bigmap.waitForMigrations();
          const final = await items.getMany(Array.from({ length: KEYS }, (_, n) => keyOf(n)));
          expect(final.map((r) => (r.ok ? r.value : r.error))).toEqual(Array.from({ length: KEYS }, (_, n) => model.get(n)));
          const stats = await local.bigmap.stats();
          expect(stats.canisters.reduce((n, c) => n + c.keys, 0n), 'every key in exactly one canister').toBe(BigInt(model.size));
          expect(stats.canisters.length, 'splits ran while the operations did').toBeGreaterThan(1);
        } finally {
          await local.close();
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 4), seed: SEED, endOnFailure: true },
    );
  });
});
