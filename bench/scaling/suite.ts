/**
 * The scaling suite: loads `totalBytes` into a BigMap whose capacity is a quarter of that,
 * so data canisters fill and split while the load runs, and reports
 *  - per split: keys and bytes moved against the ideal (half of the full canister) and
 *    the worst case of sharding/DESIGN.md ("Splitting a full canister": each side within
 *    half of the largest slot of half the bytes), copy calls against the estimate
 *    (bytes ÷ copyChunkBytes), and the migration's duration and MB/s;
 *  - load throughput outside migrations and during them, and by data canister count;
 *  - canister memory per stored byte at the end.
 * Correctness: at the end every key is in exactly one canister (the canisters' key counts
 * sum to the items loaded) and a sample of values reads back equal.
 *
 * The embedded replica runs every canister on one thread, so more canisters cannot add
 * throughput here (on the IC they run in parallel); what the suite shows is that
 * throughput holds while canisters multiply and data moves.
 */
import { BigMap, codecs, type BigMapEvents, type Collection, type Stats } from '../../client/index.ts';
import { indexIdlFactory, type IndexService, type MigrationViewValue } from '../../client/idl/index.ts';
import { seededRandom, sampleIndices } from '../lib/random.ts';
import type { ScalingPlan } from '../options.ts';
import { SeededValues } from '../lib/values.ts';
import { MigrationRecorder, type MigrationTrace } from './recorder.ts';

/** Bytes the index copies per migration call (its default, stated so the report can use it). */
const COPY_CHUNK_BYTES = 1_048_576;
/** The index's default split threshold, as a fraction of `capacityBytes`. */
const SPLIT_AT = 0.75;

export interface LoadBatch {
  /** Seconds since the load started. */
  startS: number;
  endS: number;
  bytes: number;
  /** Data canisters when the batch started. */
  canisters: number;
  /** Whether a migration ran during the batch. */
  duringMigration: boolean;
}

export interface Throughput {
  batches: number;
  bytes: number;
  seconds: number;
  megabytesPerSecond: number;
}

export interface Split {
  id: number;
  from: string;
  to: string;
  /** Seconds since the load started. */
  startS: number;
  endS: number;
  /** Duration of the copy phase (the rest is bookkeeping and dropping the source's copy). */
  copySeconds: number;
  copiedKeys: number;
  copiedBytes: number;
  /** The source when the split was planned. */
  sourceKeys: number;
  sourceBytes: number;
  /** copiedKeys ÷ sourceKeys; the ideal is 0.5. */
  keysMovedShare: number;
  /** copiedBytes ÷ sourceBytes; the ideal is 0.5. */
  bytesMovedShare: number;
  /** The planner's guarantee (DESIGN.md): 0.5 ± largest slot ÷ (2 × source bytes). */
  worstCaseShare: { min: number; max: number };
  copyCalls: number;
  /** ⌈copiedBytes ÷ copyChunkBytes⌉: DESIGN.md's estimate (chunks also end at item boundaries). */
  estimatedCopyCalls: number;
  /** Copied bytes per second of the copy phase, in MB. */
  copyMegabytesPerSecond: number;
}

export interface ScalingResult {
  totalBytes: number;
  valueBytes: number;
  items: number;
  capacityBytes: number;
  splitAtBytes: number;
  copyChunkBytes: number;
  load: { seconds: number; megabytesPerSecond: number; outsideMigrations: Throughput; duringMigrations: Throughput };
  /** How long the last migrations took to finish after the load. */
  settleSeconds: number;
  /** What the client met during the load: redirects by reason, and slot table fetches. */
  client: { redirects: Record<BigMapEvents['redirected']['reason'], number>; slotTableRefreshes: number };
  batches: LoadBatch[];
  /** Load throughput by data canister count, outside migrations (those are in `load.duringMigrations`). */
  byCanisterCount: Array<{ canisters: number } & Throughput>;
  splits: Split[];
  memory: {
    storedBytes: number;
    memoryBytes: number;
    /** Wasm memory of all data canisters over the key and value bytes they hold. */
    memoryPerStoredByte: number;
    canisters: Array<{ id: string; keys: number; storedBytes: number; memoryBytes: number }>;
  };
  checkedItems: number;
}

export async function runScaling(plan: ScalingPlan, seed: number, onBatch: (done: number, total: number, note: string) => void): Promise<ScalingResult> {
  const recorder = new MigrationRecorder();
  const local = await BigMap.local({
    index: { capacityBytes: plan.capacityBytes, splitAt: SPLIT_AT, copyChunkBytes: COPY_CHUNK_BYTES, pollIntervalSeconds: 1 },
    replica: { onExecuted: recorder.onExecuted },
  });
  try {
    recorder.attach(local.replica, local.indexCanisterId);
    const index = local.replica.createActor<IndexService>(indexIdlFactory, local.indexCanisterId, { sender: local.identity.getPrincipal() });
    const store: Store = { collection: local.bigmap.collection('scaling', { value: codecs.bytes() }), values: new SeededValues(seed, plan.valueBytes), plan };
    const client = { redirects: { moved: 0, migrating: 0, fallback: 0 }, slotTableRefreshes: 0 };
    local.bigmap.on('redirected', (e) => client.redirects[e.reason]++);
    local.bigmap.on('slotsRefreshed', () => client.slotTableRefreshes++);

    const loaded = await load(store, index, onBatch);
    onBatch(loaded.items, loaded.items, 'waiting for migrations');
    await settle(local.bigmap, Math.floor(plan.capacityBytes * SPLIT_AT));
    const settleSeconds = (performance.now() - loaded.endMs) / 1000;

    const traces = recorder.traces;
    const seconds = (ms: number) => (ms - loaded.startMs) / 1000;
    const overlaps = (b: TimedBatch) => traces.some((t) => t.startMs < b.endMs && t.endMs > b.startMs);
    const batches: LoadBatch[] = loaded.batches.map((b) => ({ startS: seconds(b.startMs), endS: seconds(b.endMs), bytes: b.bytes, canisters: b.canisters, duringMigration: overlaps(b) }));
    const history = [...(await index.migrationStatus()).history].sort((a, b) => Number(a.id - b.id));
    if (history.length !== traces.length) throw new Error(`the index reports ${history.length} finished migrations; ${traces.length} were seen running`);

    const stats = await local.bigmap.stats();
    const checkedItems = await checkContents(store, stats, loaded.items, seed);
    const storedBytes = stats.canisters.reduce((sum, c) => sum + Number(c.bytes), 0);
    const memoryBytes = stats.canisters.reduce((sum, c) => sum + Number(c.memoryBytes), 0);
    const loadSeconds = (loaded.endMs - loaded.startMs) / 1000;
    return {
      totalBytes: loaded.items * plan.valueBytes,
      valueBytes: plan.valueBytes,
      items: loaded.items,
      capacityBytes: plan.capacityBytes,
      splitAtBytes: Math.floor(plan.capacityBytes * SPLIT_AT),
      copyChunkBytes: COPY_CHUNK_BYTES,
      load: {
        seconds: loadSeconds,
        megabytesPerSecond: (loaded.items * plan.valueBytes) / 1e6 / loadSeconds,
        outsideMigrations: throughputOf(batches.filter((b) => !b.duringMigration)),
        duringMigrations: throughputOf(batches.filter((b) => b.duringMigration)),
      },
      settleSeconds,
      client,
      batches,
      byCanisterCount: byCanisterCount(batches.filter((b) => !b.duringMigration)),
      splits: history.map((m, i) => splitOf(m, traces[i], seconds)),
      memory: {
        storedBytes,
        memoryBytes,
        memoryPerStoredByte: memoryBytes / storedBytes,
        canisters: stats.canisters.map((c) => ({ id: c.id, keys: Number(c.keys), storedBytes: Number(c.bytes), memoryBytes: Number(c.memoryBytes) })),
      },
      checkedItems,
    };
  } finally {
    await local.close();
  }
}

/** What the load writes to and with. */
interface Store {
  collection: Collection<Uint8Array>;
  values: SeededValues;
  plan: ScalingPlan;
}

/** A load batch in wall-clock ms (`performance.now()`), with the data canisters when it started. */
interface TimedBatch {
  startMs: number;
  endMs: number;
  bytes: number;
  canisters: number;
}

const itemKey = (i: number) => `item-${i}`;

/** Puts items 0 … ⌈totalBytes ÷ valueBytes⌉−1 in `putMany` batches of `loadBatchBytes`, one batch at a time. */
async function load(store: Store, index: IndexService, onBatch: (done: number, total: number, note: string) => void): Promise<{ items: number; startMs: number; endMs: number; batches: TimedBatch[] }> {
  const { plan, values, collection } = store;
  const items = Math.ceil(plan.totalBytes / plan.valueBytes);
  const perBatch = Math.max(1, Math.floor(plan.loadBatchBytes / plan.valueBytes));
  const batches: TimedBatch[] = [];
  const startMs = performance.now();
  let canisters = (await index.dataCanisters()).length;
  for (let first = 0; first < items; first += perBatch) {
    onBatch(first, items, `${canisters} data canister(s)`);
    const count = Math.min(perBatch, items - first);
    const entries = Array.from({ length: count }, (_, j) => [itemKey(first + j), values.value(first + j, plan.valueBytes)] as const);
    const batchStartMs = performance.now();
    const failed = (await collection.putMany(entries)).find((r) => !r.ok);
    if (failed && !failed.ok) throw failed.error;
    batches.push({ startMs: batchStartMs, endMs: performance.now(), bytes: count * plan.valueBytes, canisters });
    canisters = (await index.dataCanisters()).length;
  }
  return { items, startMs, endMs: performance.now(), batches };
}

/**
 * Every key is in exactly one data canister (their key counts sum to the items loaded),
 * and a seeded sample of values reads back equal. @returns the items checked
 */
async function checkContents(store: Store, stats: Stats, items: number, seed: number): Promise<number> {
  const storedKeys = stats.canisters.reduce((sum, c) => sum + Number(c.keys), 0);
  if (storedKeys !== items) throw new Error(`the data canisters hold ${storedKeys} keys; ${items} were loaded`);
  const sample = sampleIndices(seededRandom(seed), items, store.plan.sampleChecks);
  const read = await store.collection.getMany(sample.map(itemKey));
  read.forEach((r, j) => {
    const expected = store.values.value(sample[j], store.plan.valueBytes);
    if (!r.ok || !r.value || !Buffer.from(r.value).equals(expected)) throw new Error(`scaling: item ${sample[j]} read back wrong after the splits`);
  });
  return items + sample.length;
}

function splitOf(m: MigrationViewValue, trace: MigrationTrace, seconds: (ms: number) => number): Split {
  const from = m.from.toText();
  if (trace.source !== from) throw new Error(`migration ${m.id} moved slots from ${from}, but the migration seen running then came from ${trace.source}`);
  const source = trace.sourceAtPlan;
  if (!('split' in m.reason) || !source) throw new Error(`migration ${m.id} was not a planned split`);
  const copiedKeys = Number(m.copiedKeys);
  const copiedBytes = Number(m.copiedBytes);
  const slack = source.largestSlotBytes / (2 * source.bytes);
  const copySeconds = trace.copyStartMs === undefined || trace.copyEndMs === undefined ? 0 : (trace.copyEndMs - trace.copyStartMs) / 1000;
  return {
    id: Number(m.id),
    from,
    to: m.to.toText(),
    startS: seconds(trace.startMs),
    endS: seconds(trace.endMs),
    copySeconds,
    copiedKeys,
    copiedBytes,
    sourceKeys: source.keys,
    sourceBytes: source.bytes,
    keysMovedShare: copiedKeys / source.keys,
    bytesMovedShare: copiedBytes / source.bytes,
    worstCaseShare: { min: 0.5 - slack, max: 0.5 + slack },
    copyCalls: trace.copyCalls,
    estimatedCopyCalls: Math.ceil(copiedBytes / COPY_CHUNK_BYTES),
    copyMegabytesPerSecond: copySeconds > 0 ? copiedBytes / 1e6 / copySeconds : 0,
  };
}

/**
 * Waits until no data canister is over the split threshold and no migration runs.
 * `waitForMigrations` alone can return too early: the halves of a split that are still
 * over the threshold are only split after the index next polls their load; `stats()`
 * makes it poll now. Gives up when a round starts no migration (a canister that cannot
 * be split, e.g. all its data in one slot).
 */
async function settle(bigmap: BigMap, splitAtBytes: number): Promise<void> {
  for (;;) {
    await bigmap.waitForMigrations();
    const stats = await bigmap.stats();
    if (stats.canisters.every((c) => Number(c.bytes) < splitAtBytes)) return;
    const before = stats.version;
    await bigmap.waitForMigrations();
    if ((await bigmap.stats()).version === before) return;
  }
}

function byCanisterCount(batches: readonly LoadBatch[]): Array<{ canisters: number } & Throughput> {
  const counts = [...new Set(batches.map((b) => b.canisters))].sort((a, b) => a - b);
  return counts.map((canisters) => ({ canisters, ...throughputOf(batches.filter((b) => b.canisters === canisters)) }));
}

function throughputOf(batches: readonly LoadBatch[]): Throughput {
  const bytes = batches.reduce((sum, b) => sum + b.bytes, 0);
  const seconds = batches.reduce((sum, b) => sum + (b.endS - b.startS), 0);
  return { batches: batches.length, bytes, seconds, megabytesPerSecond: seconds > 0 ? bytes / 1e6 / seconds : 0 };
}
