import fc from 'fast-check';
import { IDL } from '@dfinity/candid';
import { describe, expect, it } from 'vitest';
import { compileBigMapCanister } from '../build.ts';
import { DataInit } from '../../client/idl/data.ts';
import { Router, deploy, indexInit, key, settle, text, OWNER, type Deployment } from './harness.ts';

const str = (b: Uint8Array | number[]) => new TextDecoder().decode(Uint8Array.from(b));
const SEED = Number(process.env.FC_SEED ?? 0xb16);

/** Puts `count` items of `valueBytes` each, spread over partitions, through the router. */
async function fill(router: Router, count: number, valueBytes = 100): Promise<Map<string, string>> {
  const model = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const partition = `p${i % 37}`;
    const value = `v${i}-`.padEnd(valueBytes, '.');
    const r = await router.put(key('items', partition, `s${i}`), text(value));
    if (!('ok' in r)) throw new Error(`put failed: ${JSON.stringify(r)}`);
    model.set(`${partition}/s${i}`, value);
  }
  return model;
}

async function expectAllReadable(router: Router, model: Map<string, string>): Promise<void> {
  for (const [name, value] of model) {
    const [partition, sort] = name.split('/');
    const got = await router.get(key('items', partition, sort));
    expect('found' in got ? str(got.found.value) : got, name).toBe(value);
  }
}

/** Total keys held by data canisters: every key lives in exactly one when no migration runs. */
async function totalKeys(d: Deployment): Promise<bigint> {
  let total = 0n;
  for (const id of await d.index.dataCanisters()) total += (await d.data(id).stats()).keys;
  return total;
}

/** Lets one-way reports reach the index, then runs the driver until it is idle. */
async function settleAfterWrites(d: Deployment): Promise<void> {
  await d.replica.tick(3);
  await settle(d);
}

describe('splitting and rebalancing', () => {
  it('splits a data canister that passes its threshold, and every key stays readable', async () => {
    const d = await deploy({ capacityBytes: 40_000n, copyChunkBytes: 4_096n });
    const router = new Router(d);
    const model = await fill(router, 600);
    await settleAfterWrites(d);

    const canisters = await d.index.dataCanisters();
    expect(canisters.length).toBeGreaterThanOrEqual(2);
    const status = await d.index.migrationStatus();
    expect(status.history.length).toBeGreaterThanOrEqual(1);
    expect(status.history.every((m) => 'done' in m.phase && 'split' in m.reason)).toBe(true);
    for (const id of canisters) expect((await d.data(id).stats()).bytes).toBeLessThan(40_000n);
    await router.refresh();
    await expectAllReadable(router, model);
    expect(await totalKeys(d)).toBe(BigInt(model.size));
  });

  it('keeps each side of a split at most about 55% of the bytes', async () => {
    const d = await deploy({ capacityBytes: 1_000_000_000n, copyChunkBytes: 8_192n });
    const router = new Router(d);
    await fill(router, 500);
    const [first] = await d.index.dataCanisters();
    const before = (await d.data(first).stats()).bytes;
    await d.index.split(first);
    await settle(d);
    const [a, b] = await d.index.dataCanisters();
    const sides = [(await d.data(a).stats()).bytes, (await d.data(b).stats()).bytes];
    expect(sides[0] + sides[1]).toBe(before);
    for (const side of sides) expect(Number(side) / Number(before)).toBeLessThanOrEqual(0.55);
  });

  it('rebalances onto an added canister and ends within the tolerance', async () => {
    const d = await deploy({ capacityBytes: 1_000_000_000n, copyChunkBytes: 8_192n });
    const router = new Router(d);
    const model = await fill(router, 400);
    await d.index.addDataCanister();
    const plan = await d.index.rebalance(0.1);
    expect(plan.length).toBeGreaterThan(0);
    await settle(d);
    const loads = await Promise.all((await d.index.dataCanisters()).map(async (id) => Number((await d.data(id).stats()).bytes)));
    const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(0.1 * mean + 200);
    await router.refresh();
    await expectAllReadable(router, model);
  });

  it('reports a canister whose data all sits in one slot as unsplittable, and keeps serving it', async () => {
    const d = await deploy({ capacityBytes: 1_000_000_000n });
    const router = new Router(d);
    for (let i = 0; i < 50; i++) await router.put(key('hot', 'one-partition', `s${i}`), text('x'.repeat(100)));
    const [only] = await d.index.dataCanisters();
    await d.index.split(only);
    await settle(d);
    expect((await d.index.dataCanisters()).length).toBe(1);
    expect((await d.index.migrationStatus()).lastError).toEqual([expect.stringContaining('oneSlotHoldsAllData')]);
    expect((await router.scanPartition('hot', 'one-partition')).length).toBe(50);
  });
});

describe('migration resilience', () => {
  /** Runs driver steps until the active migration reaches the copy phase and copied something. */
  async function stepIntoCopy(d: Deployment): Promise<void> {
    for (let i = 0; i < 100; i++) {
      await d.index.step();
      const active = (await d.index.migrationStatus()).active[0];
      if (active && 'copy' in active.phase && active.copiedKeys > 0n) return;
    }
    throw new Error('the migration never reached its copy phase');
  }

  it('finishes a migration interrupted by an upgrade of the index', async () => {
    const d = await deploy({ capacityBytes: 1_000_000_000n, copyChunkBytes: 1_024n });
    const router = new Router(d);
    const model = await fill(router, 300);
    await d.index.addDataCanister();
    await d.index.rebalance(0.05);
    await stepIntoCopy(d);
    const before = (await d.index.migrationStatus()).active[0]!;

    await d.replica.upgradeCanister(d.indexId, compileBigMapCanister('index').wasm, indexInit([OWNER]), { sender: OWNER });
    const after = (await d.index.migrationStatus()).active[0]!;
    expect(after.id).toBe(before.id);
    expect(after.copiedKeys).toBe(before.copiedKeys);

    await settle(d);
    const status = await d.index.migrationStatus();
    expect(status.active).toEqual([]);
    expect(status.history.some((m) => m.id === before.id && 'done' in m.phase)).toBe(true);
    await router.refresh();
    await expectAllReadable(router, model);
    expect(await totalKeys(d)).toBe(BigInt(model.size));
  });

  it('finishes a migration whose source data canister is upgraded in the middle of the copy', async () => {
    const d = await deploy({ capacityBytes: 1_000_000_000n, copyChunkBytes: 1_024n });
    const router = new Router(d);
    const model = await fill(router, 200);
    const [source] = await d.index.dataCanisters();
    await d.index.addDataCanister();
    await d.index.rebalance(0.05);
    await stepIntoCopy(d);
    // As the index upgrades it: with the current access list, which replaces the kept one.
    const init = new Uint8Array(IDL.encode([DataInit], [{ index: d.indexId, slots: [], tableVersion: 0n, acl: [[OWNER, { read: true, write: true }]], reportAtBytes: 0n, memoryLimitBytes: 0n }]));
    await d.replica.upgradeCanister(source, compileBigMapCanister('data').wasm, init, { sender: d.indexId });
    await settle(d);
    await router.refresh();
    await expectAllReadable(router, model);
    expect(await totalKeys(d)).toBe(BigInt(model.size));
  });

  it('upgrades every data canister one at a time and keeps their data', async () => {
    const d = await deploy({ capacityBytes: 1_000_000_000n, initialDataCanisters: 3n });
    const router = new Router(d);
    const model = await fill(router, 120);
    await d.index.upgradeDataCanisters();
    await settle(d);
    const status = (await d.index.upgradeStatus())[0];
    expect(status).toMatchObject({ finished: true, pending: [], failed: [] });
    expect(status?.done).toHaveLength(3);
    const versions = await Promise.all((await d.index.dataCanisters()).map(async (id) => (await d.replica.canisterStatus(id, { sender: d.indexId })).version));
    expect(versions.every((v) => v > 2n)).toBe(true);
    await expectAllReadable(router, model);
  });
});

describe('reads and writes during migrations', () => {
  type Op =
    | { kind: 'put'; k: number; conditional: boolean }
    | { kind: 'delete'; k: number }
    | { kind: 'get'; k: number }
    | { kind: 'scan'; p: number }
    | { kind: 'step'; times: number }
    | { kind: 'split' };
  const PARTITIONS = 5;
  const SORTS = 8;
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), k: fc.nat(PARTITIONS * SORTS - 1), conditional: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), k: fc.nat(PARTITIONS * SORTS - 1) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('get' as const), k: fc.nat(PARTITIONS * SORTS - 1) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('scan' as const), p: fc.nat(PARTITIONS - 1) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('step' as const), times: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'split' as const }) },
  );
  const nameOf = (k: number) => ({ partition: `p${k % PARTITIONS}`, sort: `s${Math.floor(k / PARTITIONS)}` });

  it('agree with a Map model under random interleavings of operations and migration steps', async () => {
    let version = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 30, maxLength: 70 }), async (ops) => {
        const d = await deploy({ capacityBytes: 1_000_000_000n, copyChunkBytes: 300n });
        const router = new Router(d);
        const model = new Map<number, string>();
        for (let k = 0; k < PARTITIONS * SORTS; k += 2) {
          const { partition, sort } = nameOf(k);
          const value = `seed${k}`;
          expect('ok' in (await router.put(key('m', partition, sort), text(value)))).toBe(true);
          model.set(k, value);
        }
        await d.index.split((await d.index.dataCanisters())[0]);

        for (const o of ops) {
          if (o.kind === 'put' || o.kind === 'delete' || o.kind === 'get') {
            const { partition, sort } = nameOf(o.k);
            const k = key('m', partition, sort);
            if (o.kind === 'put') {
              const value = `v${++version}`;
              const r = await router.put(k, text(value), o.conditional ? [{ ifAbsent: null }] : []);
              if (o.conditional && model.has(o.k)) expect(r, `conditional put of existing ${o.k}`).toMatchObject({ conflict: {} });
              else {
                expect(r, `put ${o.k}`).toMatchObject({ ok: {} });
                model.set(o.k, value);
              }
            } else if (o.kind === 'delete') {
              expect(await router.delete(k), `delete ${o.k}`).toEqual({ ok: { existed: model.has(o.k), previous: [] } });
              model.delete(o.k);
            } else {
              const r = await router.get(k);
              expect('found' in r ? str(r.found.value) : 'absent' in r ? undefined : r, `get ${o.k}`).toBe(model.get(o.k));
            }
          } else if (o.kind === 'scan') {
            const items = await router.scanPartition('m', `p${o.p}`);
            const expected = [...model].filter(([k]) => k % PARTITIONS === o.p).sort(([a], [b]) => nameOf(a).sort.localeCompare(nameOf(b).sort)).map(([, v]) => v);
            expect(items.map((i) => str(i.value)), `scan p${o.p}`).toEqual(expected);
          } else if (o.kind === 'step') {
            for (let i = 0; i < o.times; i++) await d.index.step();
          } else {
            const canisters = await d.index.dataCanisters();
            await d.index.split(canisters[canisters.length - 1]);
          }
        }

        await settle(d);
        await router.refresh();
        for (let k = 0; k < PARTITIONS * SORTS; k++) {
          const { partition, sort } = nameOf(k);
          const r = await router.get(key('m', partition, sort));
          expect('found' in r ? str(r.found.value) : undefined, `final get ${k}`).toBe(model.get(k));
        }
        expect(await totalKeys(d), 'no key in two canisters, none lost').toBe(BigInt(model.size));
        const table = await d.index.routingTable();
        expect(table.ranges.every((r) => r.migratingTo.length === 0)).toBe(true);
        for (const id of await d.index.dataCanisters()) {
          const owned = table.ranges.filter((r) => r.owner.toText() === id.toText()).reduce((n, r) => n + r.end - r.start + 1, 0);
          expect((await d.data(id).stats()).slots, `slots of ${id.toText()}`).toBe(BigInt(owned));
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 8), seed: SEED, endOnFailure: true },
    );
  });
});

