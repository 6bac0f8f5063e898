/**
 * What instruction metering costs and what it measures, on the embedded replica, in-process
 * (no HTTP, no signatures). Three measurements, each compared side by side in one run:
 *
 *  A. Per-message overhead against memory size. One replica per size holds a Ballast
 *     canister (bench/canisters/Ballast.mo) grown to about 10 MiB, 500 MiB and 2 GiB of
 *     wasm memory (canister_status `wasm_memory_size`, reported as measured). Then
 *     `CALLS` rounds, each making one small update (`inc`) and one small query on every
 *     canister in turn, so load from other processes hits all sizes alike. Reported: ms
 *     per call (median, p95) per size and the ratio largest/smallest (goal: < 1.5: a
 *     message costs what it touches — dirty pages — not the canister's size), and the
 *     instructions of each `inc` (to tell canister work, such as GC, from replica work).
 *     Every `inc` must return the next count.
 *
 *  B. Instrumentation cost: throughput of the KvMap canister (bench/canisters/KvMap.mo)
 *     on three replicas, each preloaded with `preload` entries, differing only in
 *     `ReplicaOptions.instrumentation` (a benchmark-only switch): `full` (metering, limits
 *     and the dirty-page journal: what the replica always runs), `unmetered` (journal only)
 *     and `none` (the module as compiled, apart from the logical memory size). After a
 *     warm-up block, `blocks` blocks visit the three in rotating order: sequential single
 *     puts of new keys, sequential single gets of random stored keys, and batched puts
 *     (`putMany` of `BATCH` items, a wasm-bound workload). A mode's rate is the median of
 *     its blocks' rates, a ratio the median of the two modes' ratios block by block (modes
 *     in one block run seconds apart, so load from other processes hits them alike). Without the journal a query cannot be rolled back, and a Motoko
 *     canister traps on its second query (it records its lifecycle state in memory), so
 *     `none` runs the updates only and gets compare `full` with `unmetered`. Reported:
 *     calls (or items) per second per mode and the ratios (goal: instrumented ≥ 50% of
 *     uninstrumented). Every put must answer `()`, every get the value put under its key,
 *     and every canister must hold every key put.
 *
 *  C. Instructions per insert and per get of the mo:core Map (KvMap), at 10 k entries and
 *     at `--entries` (default 1 M), as the IC meters them (the replica's `onExecuted`
 *     records): a put of one new key per message, a batched insert (`putMany` of `BATCH`
 *     new keys, per item: no per-message overhead, like canbench), a get query of one
 *     random stored key, and an empty query (`size`) for the per-message baseline. Keys
 *     are 32 B (SHA-256 of the item number: random order), values 128 B: the shape of
 *     StableBTreeMap's canbench, so the table sits next to shared/reference/anchors.md.
 *
 *     node_modules/.bin/node bench/metering.bench.ts            # full run (minutes)
 *     node_modules/.bin/node bench/metering.bench.ts --quick    # 10/100/500 MiB, 100 k entries
 *     node_modules/.bin/node bench/metering.bench.ts --entries 300000
 *
 * Instruction counts are deterministic; wall-clock times are not (compare within a run).
 * Writes bench/results/metering-<date>.json: options, machine and every figure.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, compileMotoko } from '../canisters/build.ts';
import { Replica, type ExecutionRecord } from '../replica/index.ts';
import { benchEnvironment } from './lib/environment.ts';
import { kvMapWasm } from './lib/kvmap.ts';
import { seededRandom } from './lib/random.ts';

const MIB = 1024 * 1024;
const KEY_BYTES = 32;
const VALUE_BYTES = 128;
/** Items per `putMany` when loading and in the batched measurements (5,000 × ~170 B ≈ 850 KB of Candid). */
const LOAD_BATCH = 5_000;
const BATCH = 1_000;
const SMALL_ENTRIES = 10_000;
const DEFAULT_ENTRIES = 1_000_000;
const QUICK_ENTRIES = 100_000;
const MEMORY_LIMIT_BYTES = 6n * 1024n * 1024n * 1024n;
const NO_ARGS = new Uint8Array(IDL.encode([], []));

/** Published figures to read part C against (shared/reference/anchors.md, sections A.3–A.5 and E.3). */
const ANCHORS = {
  insert: 'StableBTreeMap insert, 32 B key / 128 B value: ≈44.9K (canbench, 10k random ops); u64→u64: 35.6K',
  get: 'StableBTreeMap get, 32 B key / 128 B value: ≈24.5K (canbench); u64→u64: 17.6K; CanDB get 7K–17.5K',
  messagePut: 'dfinity/examples motoko/classes bucket: put 16,349, get 16,917 per message (canister-profiling)',
  coreMap: 'core/Map add+get+delete of 500k keys: 26.66B ≈ 17.8K per operation (motoko-hamt mops bench)',
  bulkInsert: 'canister-profiling: 1M inserts 5.92B (orderedmap) ≈ 5.9K per insert; Rust heap BTreeMap 1.81B ≈ 1.8K',
} as const;

export interface MeteringBenchOptions {
  /** Wasm memory sizes for part A, MiB. */
  heapSizesMiB: number[];
  /** Small calls per size in part A. */
  overheadCalls: number;
  /** Part C's sizes, entries. */
  entries: number[];
  preload: number;
  blocks: number;
  callsPerBlock: number;
  batchesPerBlock: number;
  seed: number;
}

// ------------------------------------------------------------------ shared

const keyOf = (i: number): Uint8Array => new Uint8Array(createHash('sha256').update(`item ${i}`).digest());
function valueOf(i: number): Uint8Array {
  const v = new Uint8Array(VALUE_BYTES);
  new DataView(v.buffer).setUint32(0, i);
  for (let b = 4; b < VALUE_BYTES; b++) v[b] = (i * 31 + b * 7) & 0xff;
  return v;
}
const Bytes = IDL.Vec(IDL.Nat8);
const putArg = (i: number) => new Uint8Array(IDL.encode([Bytes, Bytes], [keyOf(i), valueOf(i)]));
const putManyArg = (first: number, count: number) =>
  new Uint8Array(IDL.encode([IDL.Vec(IDL.Tuple(Bytes, Bytes))], [Array.from({ length: count }, (_, k) => [keyOf(first + k), valueOf(first + k)])]));
const getArg = (i: number) => new Uint8Array(IDL.encode([Bytes], [keyOf(i)]));

function checkGet(i: number, reply: Uint8Array): void {
  const [found] = IDL.decode([IDL.Opt(Bytes)], reply) as [[Uint8Array] | []];
  const expected = valueOf(i);
  if (found.length !== 1 || found[0].length !== VALUE_BYTES || found[0].some((b, k) => b !== expected[k])) throw new Error(`get of item ${i} returned a wrong value`);
}

/** put and putMany answer `()`. */
function checkEmpty(reply: Uint8Array): void {
  if (IDL.decode([], reply).length !== 0) throw new Error('expected an empty reply');
}

async function checkSize(replica: Replica, id: Principal, expected: number): Promise<void> {
  const [size] = IDL.decode([IDL.Nat], await replica.queryCall(id, 'size', NO_ARGS)) as [bigint];
  if (size !== BigInt(expected)) throw new Error(`the canister holds ${size} keys; ${expected} were put`);
}

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface Distribution {
  median: number;
  p95: number;
  max: number;
  mean: number;
  count: number;
}
function distribution(samples: readonly number[]): Distribution {
  return { median: percentile(samples, 50), p95: percentile(samples, 95), max: Math.max(...samples), mean: samples.reduce((s, x) => s + x, 0) / samples.length, count: samples.length };
}

async function timed<T>(op: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const result = await op();
  return [result, performance.now() - t];
}

// ------------------------------------------------------------------ A. overhead against memory size

export interface OverheadAtSize {
  targetMiB: number;
  wasmMemoryBytes: number;
  ballastMiB: number;
  updateMs: Distribution;
  queryMs: Distribution;
  updateInstructions: Distribution;
}

export interface OverheadResult {
  sizes: OverheadAtSize[];
  /** Largest size over smallest, median ms of the small update (goal < 1.5). */
  updateMedianRatio: number;
  updateP95Ratio: number;
  queryMedianRatio: number;
}

async function perMessageOverhead(options: MeteringBenchOptions): Promise<OverheadResult> {
  const wasm = compileMotoko('Ballast.mo', { sourceRoot: join(REPO_ROOT, 'bench', 'canisters') }).wasm;
  const canisters: Array<{ targetMiB: number; replica: Replica; id: Principal; executions: ExecutionRecord[]; count: number; wasmMemoryBytes: number; ballastMiB: number }> = [];
  for (const targetMiB of options.heapSizesMiB) {
    const executions: ExecutionRecord[] = [];
    const replica = await Replica.create({ onExecuted: (r) => executions.push(r) });
    const id = await replica.setupCanister({ wasm, cycles: 10n ** 18n, settings: { wasm_memory_limit: [MEMORY_LIMIT_BYTES] } });
    const memory = async () => Number((await replica.canisterStatus(id)).memory_metrics.wasm_memory_size);
    let ballastMiB = 0;
    let bytes = await memory();
    const t = performance.now();
    while (bytes < targetMiB * MIB) {
      // Grow by what is missing (Motoko's heap grows in steps, so re-read after each call), at most 128 MiB per message.
      const step = Math.max(1, Math.min(128, Math.floor((targetMiB * MIB - bytes) / MIB)));
      const [total] = IDL.decode([IDL.Nat], await replica.updateCall(id, 'grow', new Uint8Array(IDL.encode([IDL.Nat], [BigInt(step)])))) as [bigint];
      ballastMiB += step;
      if (total !== BigInt(ballastMiB)) throw new Error(`the ballast holds ${total} MiB; ${ballastMiB} were added`);
      bytes = await memory();
    }
    console.log(`A: canister with ${(bytes / MIB).toFixed(0)} MiB of wasm memory (${ballastMiB} MiB of ballast) ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    canisters.push({ targetMiB, replica, id, executions, count: 0, wasmMemoryBytes: bytes, ballastMiB });
  }

  const inc = async (c: (typeof canisters)[number]) => {
    const [reply, ms] = await timed(() => c.replica.updateCall(c.id, 'inc', NO_ARGS));
    const [count] = IDL.decode([IDL.Nat], reply) as [bigint];
    if (count !== BigInt(++c.count)) throw new Error(`inc returned ${count}, expected ${c.count}`);
    return ms;
  };
  const query = async (c: (typeof canisters)[number]) => {
    const [reply, ms] = await timed(() => c.replica.queryCall(c.id, 'ballastMiB', NO_ARGS));
    const [mib] = IDL.decode([IDL.Nat], reply) as [bigint];
    if (mib !== BigInt(c.ballastMiB)) throw new Error(`ballastMiB returned ${mib}, expected ${c.ballastMiB}`);
    return ms;
  };
  // Warm up: JIT, and the Motoko GC's increments after the growth.
  for (let i = 0; i < 50; i++) for (const c of canisters) await inc(c);
  const updateMs = canisters.map(() => [] as number[]);
  const queryMs = canisters.map(() => [] as number[]);
  for (const c of canisters) c.executions.length = 0;
  for (let i = 0; i < options.overheadCalls; i++) {
    for (const [k, c] of canisters.entries()) {
      updateMs[k].push(await inc(c));
      queryMs[k].push(await query(c));
    }
  }
  const sizes = canisters.map((c, k): OverheadAtSize => ({
    targetMiB: c.targetMiB,
    wasmMemoryBytes: c.wasmMemoryBytes,
    ballastMiB: c.ballastMiB,
    updateMs: distribution(updateMs[k]),
    queryMs: distribution(queryMs[k]),
    updateInstructions: distribution(c.executions.filter((e) => e.method === 'inc').map((e) => e.instructions)),
  }));
  for (const c of canisters) await c.replica.close();
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  return {
    sizes,
    updateMedianRatio: last.updateMs.median / first.updateMs.median,
    updateP95Ratio: last.updateMs.p95 / first.updateMs.p95,
    queryMedianRatio: last.queryMs.median / first.queryMs.median,
  };
}

// ------------------------------------------------------------------ B. instrumented against uninstrumented

type Mode = 'full' | 'unmetered' | 'none';
const MODES: readonly Mode[] = ['full', 'unmetered', 'none'];

export interface Throughput {
  /** Single puts of new keys per second. */
  putsPerSecond: number;
  /** Single get queries per second (not measured without the journal: see the module comment). */
  getsPerSecond?: number;
  /** Items per second in `putMany` batches of {@link BATCH}. */
  batchItemsPerSecond: number;
}

export interface InstrumentationResult {
  /** Per mode: the median over blocks of each block's rate. */
  throughput: Record<Mode, Throughput>;
  /** full / unmetered, the median over blocks of the two modes' rates in the same block: what metering (counting, limit checks) costs. */
  vsUnmetered: Throughput;
  /** full / none, likewise: what all instrumentation (metering and the dirty-page journal) costs. */
  vsNone: Throughput;
  /** Per mode, the rates of every counted block. */
  blocks: Record<Mode, { put: number[]; get: number[]; batch: number[] }>;
}

async function instrumentationCost(options: MeteringBenchOptions): Promise<InstrumentationResult> {
  const wasm = kvMapWasm();
  interface Side {
    instrumentation: Mode;
    replica: Replica;
    id: Principal;
    stored: number;
    rates: { put: number[]; get: number[]; batch: number[] };
  }
  const sides: Side[] = [];
  for (const instrumentation of MODES) {
    const replica = await Replica.create({ instrumentation });
    const id = await replica.setupCanister({ wasm, cycles: 10n ** 18n });
    for (let i = 0; i < options.preload; i += LOAD_BATCH) {
      const reply = await replica.updateCall(id, 'putMany', putManyArg(i, Math.min(LOAD_BATCH, options.preload - i)));
      checkEmpty(reply);
    }
    sides.push({ instrumentation, replica, id, stored: options.preload, rates: { put: [], get: [], batch: [] } });
  }
  // Item numbers ≥ 10^9 are this part's new keys; every side puts the same ones.
  const NEW = 1_000_000_000;
  const random = seededRandom(options.seed);
  let next = 0;
  // Block 0 warms up (JIT tiers, first growth of the memories) and is not counted.
  for (let block = 0; block <= options.blocks; block++) {
    const firstNew = next;
    const picks = Array.from({ length: options.callsPerBlock }, () => Math.floor(random() * options.preload));
    const batches = Array.from({ length: options.batchesPerBlock }, (_, b) => putManyArg(NEW + firstNew + options.callsPerBlock + b * BATCH, BATCH));
    // Each block starts with another mode, so that no mode always runs first or last.
    for (const s of sides.map((_, k) => sides[(k + block) % sides.length])) {
      const rate = (count: number, since: number) => count / ((performance.now() - since) / 1000);
      let t = performance.now();
      for (let k = 0; k < options.callsPerBlock; k++) checkEmpty(await s.replica.updateCall(s.id, 'put', putArg(NEW + firstNew + k)));
      const put = rate(options.callsPerBlock, t);
      let get: number | undefined;
      // Without the journal a Motoko canister's second query traps (see ReplicaOptions.instrumentation).
      if (s.instrumentation !== 'none') {
        t = performance.now();
        for (const i of picks) checkGet(i, await s.replica.queryCall(s.id, 'get', getArg(i)));
        get = rate(picks.length, t);
      }
      t = performance.now();
      for (const arg of batches) checkEmpty(await s.replica.updateCall(s.id, 'putMany', arg));
      const batch = rate(options.batchesPerBlock * BATCH, t);
      s.stored += options.callsPerBlock + options.batchesPerBlock * BATCH;
      if (block > 0) {
        s.rates.put.push(put);
        if (get !== undefined) s.rates.get.push(get);
        s.rates.batch.push(batch);
      }
    }
    next += options.callsPerBlock + options.batchesPerBlock * BATCH;
  }
  const median = (xs: number[]) => percentile(xs, 50);
  const throughput = {} as Record<Mode, Throughput>;
  const blocks = {} as InstrumentationResult['blocks'];
  for (const s of sides) {
    // The one query a 'none' canister can answer: every put landed.
    await checkSize(s.replica, s.id, s.stored);
    if (s.instrumentation !== 'none') for (const i of [NEW, NEW + next - 1]) checkGet(i, await s.replica.queryCall(s.id, 'get', getArg(i)));
    throughput[s.instrumentation] = {
      putsPerSecond: median(s.rates.put),
      ...(s.rates.get.length > 0 ? { getsPerSecond: median(s.rates.get) } : {}),
      batchItemsPerSecond: median(s.rates.batch),
    };
    blocks[s.instrumentation] = s.rates;
    await s.replica.close();
  }
  const paired = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]));
  const ratio = (a: Mode, b: Mode): Throughput => ({
    putsPerSecond: paired(blocks[a].put, blocks[b].put),
    ...(blocks[a].get.length > 0 && blocks[b].get.length > 0 ? { getsPerSecond: paired(blocks[a].get, blocks[b].get) } : {}),
    batchItemsPerSecond: paired(blocks[a].batch, blocks[b].batch),
  });
  return { throughput, vsUnmetered: ratio('full', 'unmetered'), vsNone: ratio('full', 'none'), blocks };
}

// ------------------------------------------------------------------ C. instructions per operation

export interface CostAtSize {
  entries: number;
  /** A put of one new key, per message. */
  put: Distribution;
  /** `putMany` of {@link BATCH} new keys, per item. */
  batchedInsertPerItem: Distribution;
  /** A get query of one random stored key. */
  get: Distribution;
  /** `size`: a query that does no work (the per-message baseline of Candid, reply, System API). */
  emptyQuery: Distribution;
  loadItemsPerSecond: number;
}

async function instructionsPerOperation(options: MeteringBenchOptions): Promise<CostAtSize[]> {
  const executions: ExecutionRecord[] = [];
  const replica = await Replica.create({ onExecuted: (r) => executions.push(r) });
  const id = await replica.setupCanister({ wasm: kvMapWasm(), cycles: 10n ** 18n, settings: { wasm_memory_limit: [MEMORY_LIMIT_BYTES] } });
  const random = seededRandom(options.seed + 1);
  const SINGLE = 200;
  let stored = 0;
  const instructionsOf = async (method: string, call: () => Promise<Uint8Array>): Promise<[Uint8Array, number]> => {
    executions.length = 0;
    const reply = await call();
    const records = executions.filter((e) => e.method === method);
    if (records.length !== 1) throw new Error(`expected one ${method} execution, got ${records.length}`);
    if (records[0].trapped) throw new Error(`${method} trapped: ${records[0].trapped.message}`);
    return [reply, records[0].instructions];
  };
  const out: CostAtSize[] = [];
  for (const entries of options.entries) {
    const t = performance.now();
    const loadedBefore = stored;
    while (stored < entries) {
      const n = Math.min(LOAD_BATCH, entries - stored);
      await replica.updateCall(id, 'putMany', putManyArg(stored, n));
      stored += n;
      if (stored % 100_000 === 0) console.log(`C: loaded ${stored.toLocaleString('en-US')} entries`);
    }
    const loadItemsPerSecond = (stored - loadedBefore) / ((performance.now() - t) / 1000);
    await checkSize(replica, id, stored);
    const put: number[] = [];
    for (let k = 0; k < SINGLE; k++) {
      const [, n] = await instructionsOf('put', () => replica.updateCall(id, 'put', putArg(stored)));
      put.push(n);
      stored++;
    }
    const batched: number[] = [];
    for (let b = 0; b < 5; b++) {
      const [, n] = await instructionsOf('putMany', () => replica.updateCall(id, 'putMany', putManyArg(stored, BATCH)));
      batched.push(n / BATCH);
      stored += BATCH;
    }
    const get: number[] = [];
    for (let k = 0; k < SINGLE; k++) {
      const i = Math.floor(random() * stored);
      const [reply, n] = await instructionsOf('get', () => replica.queryCall(id, 'get', getArg(i)));
      checkGet(i, reply);
      get.push(n);
    }
    const empty: number[] = [];
    for (let k = 0; k < 20; k++) empty.push((await instructionsOf('size', () => replica.queryCall(id, 'size', NO_ARGS)))[1]);
    await checkSize(replica, id, stored);
    out.push({ entries, put: distribution(put), batchedInsertPerItem: distribution(batched), get: distribution(get), emptyQuery: distribution(empty), loadItemsPerSecond });
    console.log(`C: measured at ${entries.toLocaleString('en-US')} entries`);
  }
  await replica.close();
  return out;
}

// ------------------------------------------------------------------ report

export interface MeteringBenchResult {
  overhead: OverheadResult;
  instrumentation: InstrumentationResult;
  costs: CostAtSize[];
}

const ms = (x: number) => x.toFixed(x < 1 ? 3 : 2);
const k = (x: number) => `${(x / 1000).toFixed(1)}K`;
const size = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000} M` : `${Math.round(n / 1000)} k`);

function printReport(r: MeteringBenchResult): void {
  console.log('\nA. Per-message cost against wasm memory size (in-process, ms per call)');
  console.table(
    Object.fromEntries(
      r.overhead.sizes.map((s) => [
        `${(s.wasmMemoryBytes / MIB).toFixed(0)} MiB`,
        { 'update p50': ms(s.updateMs.median), 'update p95': ms(s.updateMs.p95), 'query p50': ms(s.queryMs.median), 'query p95': ms(s.queryMs.p95), 'instr/update p50': s.updateInstructions.median },
      ]),
    ),
  );
  const goalA = r.overhead.updateMedianRatio < 1.5 ? 'met' : 'NOT met';
  console.log(`largest/smallest: update p50 ×${r.overhead.updateMedianRatio.toFixed(2)}, p95 ×${r.overhead.updateP95Ratio.toFixed(2)}, query p50 ×${r.overhead.queryMedianRatio.toFixed(2)} (goal < 1.5: ${goalA})`);

  console.log('\nB. KvMap throughput by instrumentation (in-process, sequential calls; medians over blocks)');
  const batchCol = `putMany items/s (×${BATCH})`;
  const row = (t: Throughput) => ({ 'put/s': t.putsPerSecond.toFixed(0), 'get/s': t.getsPerSecond?.toFixed(0) ?? '—', [batchCol]: t.batchItemsPerSecond.toFixed(0) });
  const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(0)}%`);
  const ratioRow = (t: Throughput) => ({ 'put/s': pct(t.putsPerSecond), 'get/s': pct(t.getsPerSecond), [batchCol]: pct(t.batchItemsPerSecond) });
  const { throughput, vsUnmetered, vsNone } = r.instrumentation;
  console.table({
    "full (metering + journal)": row(throughput.full),
    "unmetered (journal only)": row(throughput.unmetered),
    "none (no instrumentation)": row(throughput.none),
    'full / unmetered': ratioRow(vsUnmetered),
    'full / none': ratioRow(vsNone),
  });
  const worst = Math.min(vsNone.putsPerSecond, vsNone.batchItemsPerSecond, vsUnmetered.getsPerSecond ?? 1);
  console.log(`worst ratio ${pct(worst)} (full against none for updates, against unmetered for gets; goal ≥ 50%: ${worst >= 0.5 ? 'met' : 'NOT met'})`);

  console.log('\nC. mo:core Map (KvMap), instructions per operation, 32 B keys / 128 B values (median; mean in brackets)');
  const rows: Record<string, Record<string, string>> = {};
  const cell = (d: Distribution) => `${k(d.median)} (${k(d.mean)})`;
  const ops = [
    ['insert, 1 per message', (c: CostAtSize) => c.put, `${ANCHORS.insert}; ${ANCHORS.messagePut}`],
    [`insert, batch of ${BATCH} (per item)`, (c: CostAtSize) => c.batchedInsertPerItem, `${ANCHORS.insert}; ${ANCHORS.bulkInsert}`],
    ['get, 1 per query', (c: CostAtSize) => c.get, `${ANCHORS.get}; ${ANCHORS.coreMap}`],
    ['empty query (baseline)', (c: CostAtSize) => c.emptyQuery, '—'],
  ] as const;
  for (const [name, pick, anchor] of ops) {
    rows[name] = Object.fromEntries([...r.costs.map((c) => [`@ ${size(c.entries)}`, cell(pick(c))]), ['anchor', anchor]]);
  }
  console.table(rows);
}

// ------------------------------------------------------------------ command line

function optionsFromArgs(): MeteringBenchOptions {
  const { values } = parseArgs({ options: { entries: { type: 'string' }, quick: { type: 'boolean' }, seed: { type: 'string' } } });
  const entries = values.quick ? QUICK_ENTRIES : values.entries === undefined ? DEFAULT_ENTRIES : Number(values.entries);
  if (!Number.isSafeInteger(entries) || entries < SMALL_ENTRIES) throw new TypeError(`Expected --entries to be an integer ≥ ${SMALL_ENTRIES}, got ${values.entries}`);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  return {
    heapSizesMiB: values.quick ? [10, 100, 500] : [10, 500, 2048],
    overheadCalls: 1_000,
    entries: entries === SMALL_ENTRIES ? [SMALL_ENTRIES] : [SMALL_ENTRIES, entries],
    preload: SMALL_ENTRIES,
    blocks: 40,
    callsPerBlock: 200,
    batchesPerBlock: 3,
    seed,
  };
}

if (import.meta.main) {
  const options = optionsFromArgs();
  const started = performance.now();
  // Other processes on the machine make wall-clock figures noisy: record how busy it was.
  const loadBefore = loadavg();
  const overhead = await perMessageOverhead(options);
  const instrumentation = await instrumentationCost(options);
  const costs = await instructionsPerOperation(options);
  const result: MeteringBenchResult = { overhead, instrumentation, costs };
  printReport(result);
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `metering-${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify({ environment: benchEnvironment(), options, settings: { keyBytes: KEY_BYTES, valueBytes: VALUE_BYTES, batch: BATCH, loadBatch: LOAD_BATCH }, anchors: ANCHORS, result, seconds: (performance.now() - started) / 1000, loadAverage1m: { start: loadBefore[0], end: loadavg()[0] } }, null, 2));
  console.log(`\nwrote ${file} (${((performance.now() - started) / 1000).toFixed(0)} s; 1-minute load average ${loadBefore[0].toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end)`);
}
