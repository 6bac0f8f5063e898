/**
 * The end-to-end suite: BigMap on the embedded replica through the real client and agent,
 * and its baselines in the same replica, over the matrix operation × mode × value size;
 * then each BigMap figure as a ratio to the baselines.
 *
 * Order inside one target and value size: puts (one key set per mode), then gets of those
 * keys, then their deletes, then a scan of a partition of its own, so reads always find
 * what the cell before wrote and the store does not grow from one value size to the next.
 */
import { Actor, HttpAgent } from '@dfinity/agent';
import { BigMap, type LocalBigMap } from '../../client/index.ts';
import { dataIdlFactory, type DataService } from '../../client/idl/data.ts';
import { indexIdlFactory, type IndexService } from '../../client/idl/index.ts';
import { createHttpHandler } from '../../replica/index.ts';
import { kvMapIdl, kvMapWasm, type KvMapService } from '../lib/kvmap.ts';
import { ExecutionMeter } from '../lib/meter.ts';
import { seededRandom } from '../lib/random.ts';
import { SeededValues } from '../lib/values.ts';
import type { EndToEndPlan } from '../options.ts';
import { measureCell, type Cell } from './cell.ts';
import { supports, type Mode, type Operation, type Target, type TargetName } from './target.ts';
import { bigmapTarget, dataCanisterTarget, kvmapTarget } from './targets.ts';

/** A BigMap figure over a baseline's, for the same operation and value size. */
export interface Ratio {
  operation: Operation;
  mode: Mode;
  valueBytes: number;
  baseline: TargetName;
  baselineMode: Mode;
  /** BigMap's ops/s over the baseline's: above 1, BigMap is faster. */
  throughputRatio: number;
  /** BigMap's p50 latency over the baseline's: below 1, BigMap answers sooner. */
  p50Ratio: number;
}

export interface EndToEndResult {
  targets: Array<{ name: TargetName; description: string }>;
  cells: Cell[];
  ratios: Ratio[];
}

/** The cells of one target and value size, in the order they must run (see the module comment). */
const CELL_ORDER: ReadonlyArray<readonly [Operation, Mode]> = [
  ['put', 'single'],
  ['put', 'coalesced'],
  ['put', 'batch'],
  ['get', 'single'],
  ['get', 'coalesced'],
  ['get', 'batch'],
  ['delete', 'single'],
  ['delete', 'coalesced'],
  ['delete', 'batch'],
  ['scan', 'pages'],
];

export async function runEndToEnd(plan: EndToEndPlan, seed: number, onCell: (done: number, total: number, note: string) => void): Promise<EndToEndResult> {
  const meter = new ExecutionMeter();
  const local = await BigMap.local({ replica: { onExecuted: meter.onExecuted } });
  try {
    const targets = await createTargets(local);
    const values = new SeededValues(seed, Math.max(...plan.valueSizesBytes));
    const random = seededRandom(seed);
    const schedule = plan.valueSizesBytes.flatMap((valueBytes) =>
      targets.flatMap((target) => CELL_ORDER.filter(([operation, mode]) => supports(target, operation, mode)).map(([operation, mode]) => ({ target, operation, mode, valueBytes }))),
    );
    const cells: Cell[] = [];
    for (const { target, operation, mode, valueBytes } of schedule) {
      onCell(cells.length, schedule.length, `${target.name} ${operation} ${mode} ${valueBytes} B`);
      cells.push(await measureCell({ target, meter, values, plan, random }, operation, mode, valueBytes));
    }
    onCell(cells.length, schedule.length, '');
    return { targets: targets.map((t) => ({ name: t.name, description: t.description })), cells, ratios: ratiosOf(cells) };
  } finally {
    await local.close();
  }
}

/** The five targets on one replica: BigMap's single data canister is shared by the first three. */
async function createTargets(local: LocalBigMap): Promise<Target[]> {
  const { replica, identity, indexCanisterId } = local;
  const owner = identity.getPrincipal();
  const dataCanisters = await replica.createActor<IndexService>(indexIdlFactory, indexCanisterId, { sender: owner }).dataCanisters();
  if (dataCanisters.length !== 1) throw new Error(`the end-to-end BigMap should have one data canister, it has ${dataCanisters.length}`);
  const fetch = () => createHttpHandler(replica) as typeof globalThis.fetch;
  const unbatched = await BigMap.connect({ indexCanisterId, identity, host: 'http://127.0.0.1', fetch: fetch(), fetchRootKey: true, options: { maxBatchItems: 1 } });
  const kvmapId = await replica.setupCanister({ wasm: kvMapWasm(), sender: owner });
  const agent = await HttpAgent.create({ host: 'http://127.0.0.1', fetch: fetch(), identity, shouldFetchRootKey: true });
  return [
    bigmapTarget('bigmap', 'BigMap client → @dfinity/agent → in-process fetch → replica (default options)', local.bigmap, 'bench', dataCanisters),
    bigmapTarget('bigmap-unbatched', 'the same BigMap client with batching off (maxBatchItems: 1)', unbatched, 'bench-unbatched', dataCanisters),
    dataCanisterTarget(
      "BigMap's data canister, raw in-process replica call (no client, no agent)",
      replica.createActor<DataService>(dataIdlFactory, dataCanisters[0], { sender: owner }),
      dataCanisters[0],
      'bench-raw',
    ),
    kvmapTarget('kvmap-replica', 'one mo:core Map canister (KvMap.mo), no sharding, raw in-process replica call', replica.createActor<KvMapService>(kvMapIdl, kvmapId, { sender: owner }), kvmapId),
    kvmapTarget('kvmap-agent', 'the same KvMap canister through @dfinity/agent (what a user would do instead)', Actor.createActor<KvMapService>(kvMapIdl, { agent, canisterId: kvmapId }), kvmapId),
  ];
}

/**
 * Each BigMap cell against every baseline cell of the same operation, mode and value size;
 * coalesced and batch cells also against one-at-a-time calls through the agent (kvmap-agent
 * single), the plain alternative to BigMap's batching.
 */
function ratiosOf(cells: readonly Cell[]): Ratio[] {
  const find = (target: TargetName, operation: Operation, mode: Mode, valueBytes: number) =>
    cells.find((c) => c.target === target && c.operation === operation && c.mode === mode && c.valueBytes === valueBytes);
  const ratios: Ratio[] = [];
  for (const c of cells.filter((cell) => cell.target === 'bigmap')) {
    const against = (base: Cell | undefined) => {
      if (base) ratios.push({ operation: c.operation, mode: c.mode, valueBytes: c.valueBytes, baseline: base.target, baselineMode: base.mode, throughputRatio: c.opsPerSecond / base.opsPerSecond, p50Ratio: c.latency.p50Ms / base.latency.p50Ms });
    };
    for (const baseline of ['bigmap-unbatched', 'data-replica', 'kvmap-replica', 'kvmap-agent'] as const) against(find(baseline, c.operation, c.mode, c.valueBytes));
    if (c.mode === 'coalesced' || c.mode === 'batch') against(find('kvmap-agent', c.operation, 'single', c.valueBytes));
  }
  return ratios;
}
