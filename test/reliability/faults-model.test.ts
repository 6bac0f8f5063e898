/**
 * The client against a `Map` model while the replica injects faults: inter-canister calls
 * rejected with SYS_TRANSIENT, executions that trap, responses held back and reordered,
 * data canisters run out of cycles; and, meanwhile, splits and rebalances.
 *
 * A write that fails may or may not have happened, so the model keeps, per key, the
 * values it may hold; a read narrows it to what it saw. Once the faults stop and the
 * migrations finish:
 *  - every key reads as one of its possible values: no acknowledged write is lost and no
 *    deleted key comes back;
 *  - the canisters' key counts add up to the keys present: no key is in two canisters;
 *  - each data canister owns exactly the slots the index's routing table gives it.
 *
 * Replay a failure with the seed the report prints: FC_SEED=<seed> FC_RUNS=<n> (and
 * FC_PATH=<path> to jump to the shrunk case). FC_SEED=random draws a new seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BigMap, BigMapError, codecs, type Collection, type LocalBigMap } from '../../client/index.ts';
import { dataIdlFactory } from '../../client/idl/data.ts';
import { indexIdlFactory, type IndexService } from '../../client/idl/index.ts';
import { randomFaults } from '../../replica/index.ts';
import type { DataAdmin } from '../../canisters/test/harness.ts';

/** CI runs a fixed seed; a soak passes FC_SEED=random for new ones. */
const SEED = process.env.FC_SEED === 'random' ? Date.now() % 1_000_000 : Number(process.env.FC_SEED ?? 4242);
const RUNS = Number(process.env.FC_RUNS ?? 3);
const KEYS = 40;
const PARTITIONS = 4;
const SLOTS = 65_536;

type Op =
  | { kind: 'put' | 'delete' | 'get'; k: number }
  | { kind: 'split'; pick: number }
  | { kind: 'rebalance' }
  | { kind: 'drain'; pick: number };

const key = fc.nat(KEYS - 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('put' as const), k: key }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), k: key }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('get' as const), k: key }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('split' as const), pick: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rebalance' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drain' as const), pick: fc.nat(7) }) },
);
const keyOf = (n: number) => ({ partition: `p${n % PARTITIONS}`, sort: BigInt(n) });

/** The values a key may hold (undefined: absent). */
class Model {
  readonly #possible = new Map<number, Set<string | undefined>>();
  possible(k: number): Set<string | undefined> {
    return this.#possible.get(k) ?? new Set([undefined]);
  }
  /** A write succeeded: the key now holds exactly this. */
  set(k: number, value: string | undefined): void {
    this.#possible.set(k, new Set([value]));
  }
  /** A write failed: it may or may not have happened. */
  maybe(k: number, value: string | undefined): void {
    this.#possible.set(k, new Set([...this.possible(k), value]));
  }
}

describe('the client under injected faults, against a Map model', () => {
  it('loses no acknowledged write, resurrects no deleted key, and keeps slots consistent', { timeout: RUNS * 90_000 + 60_000 }, async () => {
    console.log(`faults-model: FC_SEED=${SEED} FC_RUNS=${RUNS}`);
    let written = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 50, maxLength: 90 }), fc.nat(), async (ops, faultSeed) => {
        const local = await BigMap.local({ index: { capacityBytes: 3_000n, copyChunkBytes: 512, pollIntervalSeconds: 1 }, options: { retryBudgetMs: 3_000 } });
        const faults = randomFaults({ seed: faultSeed, rejectCalls: 0.15, trapExecutions: 0.03, delayResponses: 0.3, maxDelayRounds: 4 });
        try {
          const items = local.bigmap.collection('model', { value: codecs.text() });
          const index = local.replica.createActor<IndexService>(indexIdlFactory, local.indexCanisterId, { sender: local.identity.getPrincipal() });
          const model = new Model();
          local.replica.injectFaults(faults);
          for (let i = 0; i < ops.length; ) {
            // Operations run in small concurrent groups on distinct keys.
            const group: Op[] = [];
            const touched = new Set<number>();
            while (i < ops.length && group.length < 4) {
              const o = ops[i];
              if ('k' in o && touched.has(o.k)) break;
              if ('k' in o) touched.add(o.k);
              group.push(o);
              i++;
            }
            await Promise.all(group.map((o) => apply(o, local, index, items, model, () => `v${++written}-${'x'.repeat(120)}`)));
          }

          local.replica.injectFaults(undefined);
          await untilToppedUp(local);
          await local.bigmap.waitForMigrations();

          const final = await items.getMany(Array.from({ length: KEYS }, (_, n) => keyOf(n)));
          let present = 0;
          final.forEach((r, n) => {
            if (!r.ok) throw r.error;
            expect(model.possible(n).has(r.value), `key ${n}: read ${r.value?.slice(0, 12)}, possible ${[...model.possible(n)].map((v) => v?.slice(0, 12))}`).toBe(true);
            if (r.value !== undefined) present++;
          });
          const stats = await local.bigmap.stats();
          expect(stats.canisters.reduce((n, c) => n + c.keys, 0n), 'every key in exactly one canister').toBe(BigInt(present));
          await expectConsistentSlots(local, index);
        } finally {
          local.replica.injectFaults(undefined);
          await local.close();
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true, ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) },
    );
  });
});

async function apply(
  o: Op,
  local: LocalBigMap,
  index: IndexService,
  items: Collection<string>,
  model: Model,
  nextValue: () => string,
): Promise<void> {
  switch (o.kind) {
    case 'put': {
      const value = nextValue();
      await items.put(keyOf(o.k), value).then(
        () => model.set(o.k, value),
        (e: unknown) => (expectTolerated(e), model.maybe(o.k, value)),
      );
      return;
    }
    case 'delete':
      await items.delete(keyOf(o.k)).then(
        () => model.set(o.k, undefined),
        (e: unknown) => (expectTolerated(e), model.maybe(o.k, undefined)),
      );
      return;
    case 'get':
      await items.get(keyOf(o.k)).then(
        (value) => {
          expect(model.possible(o.k).has(value), `get ${o.k}`).toBe(true);
          model.set(o.k, value);
        },
        expectTolerated,
      );
      return;
    case 'split': {
      const canisters = await index.dataCanisters();
      await index.split(canisters[o.pick % canisters.length]).catch(expectTolerated);
      return;
    }
    case 'rebalance':
      await index.rebalance(0.1).catch(expectTolerated);
      return;
    case 'drain': {
      const canisters = await index.dataCanisters();
      local.replica.setCyclesBalance(canisters[o.pick % canisters.length], 0n);
      return;
    }
  }
}

/** Failures a fault may cause: BigMap's typed errors and the replica's rejects, never a crash of the client. */
function expectTolerated(e: unknown): void {
  if (e instanceof BigMapError) return;
  if (e instanceof Error && /Reject|reject|trapped|IC0\d{3}/.test(`${e.name} ${e.message}`)) return;
  throw e;
}

/** The index's poll finds the data canisters that were drained of cycles and tops them up. */
async function untilToppedUp(local: LocalBigMap): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (local.replica.canisterIds().some((id) => local.replica.getCyclesBalance(id) === 0n)) {
    if (Date.now() > deadline) throw new Error('a drained data canister was not topped up within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function expectConsistentSlots(local: LocalBigMap, index: IndexService): Promise<void> {
  const table = await index.routingTable();
  const expected = new Map<string, Set<number>>();
  let covered = 0;
  for (const range of table.ranges) {
    expect(range.migratingTo, `no migration left in range ${range.start}..=${range.end}`).toEqual([]);
    const owned = expected.get(range.owner.toText()) ?? new Set<number>();
    for (let s = range.start; s <= range.end; s++) owned.add(s);
    expected.set(range.owner.toText(), owned);
    covered += range.end - range.start + 1;
  }
  expect(covered).toBe(SLOTS);
  for (const id of await index.dataCanisters()) {
    // slotStats answers the index only: ask as the index.
    const data = local.replica.createActor<DataAdmin>(dataIdlFactory, id, { sender: local.indexCanisterId });
    const owned = new Set((await data.slotStats()).map((s) => s.slot));
    expect(owned, `slots owned by ${id.toText()}`).toEqual(expected.get(id.toText()) ?? new Set());
  }
}
