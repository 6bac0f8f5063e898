/**
 * Cost of one BigMap data canister (canisters/data/Data.mo) per put and per get, on the
 * embedded replica, for 32 B keys and 128 B values (the shape of StableBTreeMap's canbench,
 * so the figures sit next to the anchors in shared/reference/anchors.md):
 *
 *  - instructions per item, as the IC meters them: the replica's `onExecuted` records of
 *    the data canister's `put` and `get` executions, summed per call, divided by items;
 *  - wall-clock ms per call, in-process (no HTTP, no signatures: the replica's own speed);
 *  - wasm memory per stored byte (canister_status `memory_metrics.wasm_memory_size` over
 *    the key and value bytes the canister holds).
 *
 * At each size (about 10 k entries, then `--entries`) it measures:
 *  1. batched put: the load batches (`BATCH_ITEMS` new items per `put` call) that filled
 *     the last `LOAD_WINDOW` of the size, at least one batch;
 *  2. single put: `SINGLE_PUTS` calls of one new item each;
 *  3. single get: `SINGLE_GETS` query calls of one random stored key each;
 *  4. batched get: `GET_BATCHES` query calls of `BATCH_ITEMS` random stored keys each.
 * Every put result must be `ok`, every get must return the value put under its key, and
 * the canister's key count must match, so a fast wrong answer fails the run.
 *
 * The data canister is installed directly, not through an index: it owns all 65,536 slots,
 * names the bench as its index (so the bench may write) and never reports its load, so
 * nothing splits or moves while it fills.
 *
 *     node bench/canisters.bench.ts                   # 10 k, then 1 M entries (minutes)
 *     node bench/canisters.bench.ts --quick           # 10 k, then 100 k
 *     node bench/canisters.bench.ts --entries 300000  # or BIGMAP_BENCH_ENTRIES=300000
 *     node bench/canisters.bench.ts --seed 7          # other keys to read (default 1)
 *
 * Instruction counts are deterministic (the same on every run); wall-clock times are not.
 * A batched get's time at 1 M entries is mostly the replica, not the canister: a query
 * (or an ingress `canister_inspect_message`) that grows wasm memory is rolled back by
 * copying the whole memory into a new one, about 1 s per GiB.
 *
 * Writes bench/results/canisters-<date>.json: options, seed, machine, every measurement
 * and the instructions of every load batch (the cost curve as the canister grows).
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, compileBigMapCanister } from '../canisters/build.ts';
import { DataInit, dataIdlFactory, type DataService, type DataStatsValue, type GetResultValue, type PutItemValue } from '../client/idl/data.ts';
import { Replica, type ExecutionRecord, type ReplicaActor } from '../replica/index.ts';
import { encodeKey } from '../sharding/index.ts';
import { benchEnvironment, type BenchEnvironment } from './lib/environment.ts';
import { seededRandom } from './lib/random.ts';
import { summarize, type LatencySummary } from './lib/stats.ts';

const KEY_BYTES = 32;
const VALUE_BYTES = 128;
/** Items per batched put or get: 5,000 × 160 B = 800 KB, well under the 2 MiB ingress limit. */
const BATCH_ITEMS = 5_000;
/** The first size measured, before growing to `--entries`. */
const SMALL_ENTRIES = 10_000;
const DEFAULT_ENTRIES = 1_000_000;
const QUICK_ENTRIES = 100_000;
/** Share of a size whose load batches count as "batched put at that size". */
const LOAD_WINDOW = 0.1;
const SINGLE_PUTS = 200;
const SINGLE_GETS = 200;
const GET_BATCHES = 5;
const DEFAULT_SEED = 1;
/** The data canister's wasm memory limit: the index's default for the canisters it spawns. */
const MEMORY_LIMIT_BYTES = 6n * 2n ** 30n;
/** The IC's instruction limit per update message, which one batched put must stay under. */
const UPDATE_INSTRUCTION_LIMIT = 40_000_000_000;
const BENCH_PRINCIPAL = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');

/** Published figures to read the measurements against (shared/reference/anchors.md). */
const ANCHORS = {
  batchedPut: 'CanDB batch of 5,000: 18K (empty) → 37K (6.9M entities) per entity',
  singlePut: 'StableBTreeMap insert 32 B/128 B ≈44.9K; classes example put 16.3K',
  singleGet: 'StableBTreeMap get 32 B/128 B ≈24.5K; CanDB get 7K–17.5K',
  batchedGet: 'StableBTreeMap get ≈24.5K per op (10k random gets)',
  coreMap: 'core/Map add+get+delete of 500k keys: 26.66B ≈ 53.3K per key',
  memory: 'CanDB: 2.15 GB for 1.86M ~1 KB entities (≈1.16 KB each)',
} as const;

export interface CanistersBenchOptions {
  /** Sizes to measure at, ascending, in entries. */
  checkpoints: number[];
  /** Seed of the random choice of keys to read. */
  seed: number;
}

/** Cost of one kind of call at one size. */
export interface OperationCost {
  calls: number;
  itemsPerCall: number;
  /** Instructions of all the calls' executions divided by the items they carried. */
  instructionsPerItem: number;
  /** The most instructions one call took; an update must stay under 40 B. */
  maxInstructionsPerCall: number;
  /** Wall-clock time per call in-process. */
  latency: LatencySummary;
}

export interface MemoryUse {
  /** Key and value bytes stored (the canister's `stats().bytes`). */
  storedBytes: number;
  /** canister_status `memory_metrics.wasm_memory_size`. */
  wasmMemoryBytes: number;
  /** The Motoko heap in use (`stats().heapBytes`). */
  heapBytes: number;
  wasmMemoryPerStoredByte: number;
  wasmMemoryPerEntryBytes: number;
}

export interface Checkpoint {
  entries: number;
  batchedPut: OperationCost;
  singlePut: OperationCost;
  singleGet: OperationCost;
  batchedGet: OperationCost;
  memory: MemoryUse;
}

/** One load batch: how many entries the canister held before it, and what it cost. */
export interface LoadBatch {
  entriesBefore: number;
  items: number;
  instructions: number;
  ms: number;
}

export interface CanistersBenchResult {
  checkpoints: Checkpoint[];
  load: { batches: LoadBatch[]; itemsPerSecond: number };
}

/** Fills a data canister up to each checkpoint and measures it there; see the module comment. */
export async function runCanistersBench(options: CanistersBenchOptions): Promise<CanistersBenchResult> {
  const bench = await DataCanisterBench.create(options.seed);
  const checkpoints: Checkpoint[] = [];
  let loadMs = 0;
  for (const entries of options.checkpoints) {
    const t = performance.now();
    await bench.loadTo(entries);
    loadMs += performance.now() - t;
    checkpoints.push(await bench.measure());
  }
  const loadedItems = bench.loadBatches.reduce((sum, b) => sum + b.items, 0);
  await bench.close();
  return { checkpoints, load: { batches: bench.loadBatches, itemsPerSecond: loadedItems / (loadMs / 1000) } };
}

// ------------------------------------------------------------------ the canister under test

/** A data canister on its own replica, the items put into it, and the meter of its executions. */
class DataCanisterBench {
  readonly loadBatches: LoadBatch[] = [];
  readonly #replica: Replica;
  readonly #canisterId: Principal;
  readonly #data: ReplicaActor<DataService>;
  readonly #executions: ExecutionRecord[];
  readonly #random: () => number;
  /** Items 0 … stored−1 are in the canister. */
  #stored = 0;

  private constructor(replica: Replica, canisterId: Principal, executions: ExecutionRecord[], seed: number) {
    this.#replica = replica;
    this.#canisterId = canisterId;
    this.#data = replica.createActor<DataService>(dataIdlFactory, canisterId, { sender: BENCH_PRINCIPAL });
    this.#executions = executions;
    this.#random = seededRandom(seed);
  }

  static async create(seed: number): Promise<DataCanisterBench> {
    const executions: ExecutionRecord[] = [];
    const replica = await Replica.create({ onExecuted: (record) => executions.push(record) });
    const canisterId = await replica.createCanister({
      controllers: [BENCH_PRINCIPAL],
      sender: BENCH_PRINCIPAL,
      cycles: 10n ** 16n,
      settings: { wasm_memory_limit: [MEMORY_LIMIT_BYTES] },
    });
    const init = {
      index: BENCH_PRINCIPAL,
      slots: [{ start: 0, end: 65_535 }],
      tableVersion: 1n,
      acl: [],
      reportAtBytes: 0n,
      memoryLimitBytes: MEMORY_LIMIT_BYTES,
    };
    await replica.installCode(canisterId, compileBigMapCanister('data').wasm, new Uint8Array(IDL.encode([DataInit], [init])), { sender: BENCH_PRINCIPAL });
    return new DataCanisterBench(replica, canisterId, executions, seed);
  }

  /** Puts new items in batches of {@link BATCH_ITEMS} until the canister holds `entries`. */
  async loadTo(entries: number): Promise<void> {
    while (this.#stored < entries) {
      const items = Math.min(BATCH_ITEMS, entries - this.#stored);
      const entriesBefore = this.#stored;
      const { instructions, ms } = await this.#putNew(items);
      this.loadBatches.push({ entriesBefore, items, instructions, ms });
    }
  }

  /** Measures every operation at the current size; see the module comment. */
  async measure(): Promise<Checkpoint> {
    const entries = this.#stored;
    const window = this.loadBatches.filter((b) => b.entriesBefore + b.items > entries * (1 - LOAD_WINDOW));
    const batchedPut = costOf(window.length > 0 ? window : this.loadBatches.slice(-1));

    const singlePuts: Call[] = [];
    for (let i = 0; i < SINGLE_PUTS; i++) singlePuts.push(await this.#putNew(1));
    const singleGets: Call[] = [];
    for (let i = 0; i < SINGLE_GETS; i++) singleGets.push(await this.#getRandom(1));
    const batchedGets: Call[] = [];
    for (let i = 0; i < GET_BATCHES; i++) batchedGets.push(await this.#getRandom(BATCH_ITEMS));

    const stats = await this.#data.stats();
    if (stats.keys !== BigInt(this.#stored)) throw new Error(`the canister holds ${stats.keys} keys; ${this.#stored} were put`);
    return {
      entries,
      batchedPut,
      singlePut: costOf(singlePuts),
      singleGet: costOf(singleGets),
      batchedGet: costOf(batchedGets),
      memory: await this.#memoryUse(stats),
    };
  }

  async close(): Promise<void> {
    await this.#replica.close();
  }

  /** Puts items #stored … #stored+count−1 in one call; every result must be `ok`. */
  async #putNew(count: number): Promise<Call> {
    const first = this.#stored;
    const items = Array.from({ length: count }, (_, i): PutItemValue => ({ key: itemKey(first + i), value: itemValue(first + i), condition: [], writeId: [], returnPrevious: [] }));
    const call = await this.#metered('put', () => this.#data.put(items));
    const failed = call.result.findIndex((r) => !('ok' in r));
    if (failed >= 0) throw new Error(`put of item ${first + failed} failed: ${JSON.stringify(call.result[failed], (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    this.#stored += count;
    return call;
  }

  /** Gets `count` random stored items in one query; each must come back with its value. */
  async #getRandom(count: number): Promise<Call> {
    const picked = Array.from({ length: count }, () => Math.floor(this.#random() * this.#stored));
    const call = await this.#metered('get', () => this.#data.get(picked.map(itemKey), { fallback: false, values: true }));
    picked.forEach((item, i) => checkFound(item, call.result[i]));
    return call;
  }

  /** Runs one call and returns its result, the instructions of the canister's `method` executions and the wall-clock ms. */
  async #metered<T>(method: string, call: () => Promise<T[]>): Promise<Call & { result: T[] }> {
    this.#executions.length = 0;
    const start = performance.now();
    const result = await call();
    const ms = performance.now() - start;
    let instructions = 0;
    for (const e of this.#executions) {
      if (e.method !== method || e.canister.compareTo(this.#canisterId) !== 'eq') continue;
      if (e.trapped) throw new Error(`${method} trapped: ${e.trapped.message}`);
      instructions += e.instructions;
    }
    if (instructions === 0) throw new Error(`no ${method} execution was recorded`);
    return { result, items: result.length, instructions, ms };
  }

  async #memoryUse(stats: DataStatsValue): Promise<MemoryUse> {
    const status = await this.#replica.canisterStatus(this.#canisterId, { sender: BENCH_PRINCIPAL });
    const wasmMemoryBytes = Number(status.memory_metrics.wasm_memory_size);
    const storedBytes = Number(stats.bytes);
    if (storedBytes !== this.#stored * (KEY_BYTES + VALUE_BYTES)) throw new Error(`the canister counts ${storedBytes} stored bytes for ${this.#stored} items`);
    return {
      storedBytes,
      wasmMemoryBytes,
      heapBytes: Number(stats.heapBytes),
      wasmMemoryPerStoredByte: wasmMemoryBytes / storedBytes,
      wasmMemoryPerEntryBytes: wasmMemoryBytes / this.#stored,
    };
  }
}

/** One measured call. */
interface Call {
  items: number;
  instructions: number;
  ms: number;
}

function costOf(calls: readonly Call[]): OperationCost {
  const items = calls.reduce((sum, c) => sum + c.items, 0);
  const instructions = calls.reduce((sum, c) => sum + c.instructions, 0);
  const latencies = calls.map((c) => c.ms);
  return {
    calls: calls.length,
    itemsPerCall: items / calls.length,
    instructionsPerItem: instructions / items,
    maxInstructionsPerCall: Math.max(...calls.map((c) => c.instructions)),
    latency: summarize(latencies, latencies.reduce((sum, ms) => sum + ms, 0)),
  };
}

// ------------------------------------------------------------------ the workload

/** Item i's key: collection `kv`, a 25-byte partition naming i, no sort key: 5 + 2 + 25 = 32 bytes. */
function itemKey(i: number): Uint8Array {
  const key = encodeKey('kv', new TextEncoder().encode(`item-${String(i).padStart(20, '0')}`), new Uint8Array(0));
  if (key.length !== KEY_BYTES) throw new Error(`item keys must be ${KEY_BYTES} bytes, got ${key.length}`);
  return key;
}

/** Item i's value: 128 bytes that differ for every i (its index, then a pattern seeded by it). */
function itemValue(i: number): Uint8Array {
  const value = new Uint8Array(VALUE_BYTES);
  new DataView(value.buffer).setUint32(0, i);
  for (let b = 4; b < VALUE_BYTES; b++) value[b] = (i * 31 + b * 7) & 0xff;
  return value;
}

function checkFound(item: number, result: GetResultValue | undefined): void {
  const expected = itemValue(item);
  if (result === undefined || !('found' in result)) throw new Error(`get of item ${item} returned ${result === undefined ? 'nothing' : Object.keys(result)[0]}`);
  const value = Uint8Array.from(result.found.value);
  if (value.length !== expected.length || value.some((byte, b) => byte !== expected[b])) throw new Error(`get of item ${item} returned a wrong value`);
}

// ------------------------------------------------------------------ command line

function optionsFromArgs(): CanistersBenchOptions {
  const { values } = parseArgs({ options: { entries: { type: 'string' }, quick: { type: 'boolean' }, seed: { type: 'string' } } });
  const raw = values.entries ?? process.env.BIGMAP_BENCH_ENTRIES;
  const entries = values.quick ? QUICK_ENTRIES : raw === undefined ? DEFAULT_ENTRIES : Number(raw);
  if (!Number.isSafeInteger(entries) || entries < SMALL_ENTRIES) throw new TypeError(`Expected --entries to be an integer ≥ ${SMALL_ENTRIES}, got ${raw}`);
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new TypeError(`Expected --seed to be an integer, got ${values.seed}`);
  return { checkpoints: entries === SMALL_ENTRIES ? [SMALL_ENTRIES] : [SMALL_ENTRIES, entries], seed };
}

function printReport(result: CanistersBenchResult): void {
  const k = (n: number) => `${(n / 1000).toFixed(1)}K`;
  const ms = (n: number) => n.toFixed(n < 10 ? 2 : 0);
  const size = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000} M` : `${Math.round(n / 1000)} k`);
  const batch = BATCH_ITEMS.toLocaleString('en-US');
  const rows: Record<string, Record<string, string>> = {};
  for (const c of result.checkpoints) {
    const ops = [
      [`put, batch of ${batch}`, c.batchedPut, ANCHORS.batchedPut],
      ['put, 1 item', c.singlePut, ANCHORS.singlePut],
      ['get, 1 key', c.singleGet, ANCHORS.singleGet],
      [`get, batch of ${batch}`, c.batchedGet, ANCHORS.batchedGet],
    ] as const;
    for (const [name, cost, anchor] of ops) {
      rows[`${name} @ ${size(c.entries)}`] = {
        'instr/item': k(cost.instructionsPerItem),
        'max instr/call': cost.maxInstructionsPerCall >= 1e6 ? `${(cost.maxInstructionsPerCall / 1e6).toFixed(1)}M` : k(cost.maxInstructionsPerCall),
        'ms/call p50': ms(cost.latency.p50Ms),
        'ms/call p99': ms(cost.latency.p99Ms),
        anchor,
      };
    }
  }
  console.log(`BigMap data canister on the embedded replica: ${KEY_BYTES} B keys, ${VALUE_BYTES} B values, in-process`);
  console.table(rows);
  for (const c of result.checkpoints) {
    const m = c.memory;
    console.log(
      `@ ${size(c.entries)}: wasm memory ${(m.wasmMemoryBytes / 2 ** 20).toFixed(0)} MiB for ${(m.storedBytes / 2 ** 20).toFixed(0)} MiB stored = ` +
        `${m.wasmMemoryPerStoredByte.toFixed(2)} B per stored byte, ${m.wasmMemoryPerEntryBytes.toFixed(0)} B per entry (heap ${(m.heapBytes / 2 ** 20).toFixed(0)} MiB). ${ANCHORS.memory}.`,
    );
  }
  const last = result.checkpoints[result.checkpoints.length - 1];
  const batchesPerLimit = UPDATE_INSTRUCTION_LIMIT / last.batchedPut.maxInstructionsPerCall;
  console.log(`Largest put of ${batch} items: ${(last.batchedPut.maxInstructionsPerCall / 1e6).toFixed(0)}M instructions, ${batchesPerLimit.toFixed(0)}× under the 40 B update limit.`);
  console.log(`Load: ${result.load.itemsPerSecond.toFixed(0)} items/s in-process. For reference, ${ANCHORS.coreMap}.`);
}

if (import.meta.main) {
  const options = optionsFromArgs();
  const result = await runCanistersBench(options);
  printReport(result);
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `canisters-${new Date().toISOString().slice(0, 10)}.json`);
  const environment: BenchEnvironment = benchEnvironment();
  const settings = { keyBytes: KEY_BYTES, valueBytes: VALUE_BYTES, batchItems: BATCH_ITEMS, loadWindow: LOAD_WINDOW, singlePuts: SINGLE_PUTS, singleGets: SINGLE_GETS, getBatches: GET_BATCHES };
  writeFileSync(file, JSON.stringify({ environment, options, settings, anchors: ANCHORS, result }, null, 2));
  console.log(`wrote ${file}`);
}
