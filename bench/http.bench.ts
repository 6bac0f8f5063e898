/**
 * Throughput of the replica's IC HTTP interface as a user sees it: the real HttpAgent
 * (`shouldFetchRootKey`, default query signature checks) making update and query calls to
 * the plain KvMap canister (bench/canisters/KvMap.mo), through (a) the in-process fetch
 * handler and (b) `listen` on 127.0.0.1, one at a time and 100 in flight.
 *
 * In (b) the agent runs in a worker thread, as a client in another process would: with
 * client and server on one event loop, Node's http server and undici serve 100 in-flight
 * requests unfairly (some wait for the whole run), which measures the test rig, not the server.
 *
 * Run: `node bench/http.bench.ts` (writes bench/results/http-<date>.json).
 * Every answer is checked (a query returns the value put under its key; the canister holds
 * exactly the keys put), so a fast wrong answer fails the run.
 *
 * What dominates: each update answer carries a certificate the replica signs with BLS
 * (about 8 ms) and the agent verifies with a pairing (about 25 ms); each query answer
 * carries an Ed25519 node signature. The canister's own work is about 0.15 ms per call.
 */
import { Actor, HttpAgent, type ActorSubclass } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { REPO_ROOT } from '../canisters/build.ts';
import { Replica, createHttpHandler, listen } from '../replica/index.ts';
import { benchEnvironment } from './lib/environment.ts';
import { kvMapIdl, kvMapWasm, type KvMapService } from './lib/kvmap.ts';
import { summarize, type LatencySummary } from './lib/stats.ts';

const VALUE_BYTES = 100;
/** Calls in flight in the concurrent runs. */
const IN_FLIGHT = 100;
const SEQUENTIAL_UPDATES = 200;
const CONCURRENT_UPDATES = 1_000;
const SEQUENTIAL_QUERIES = 500;
const CONCURRENT_QUERIES = 2_000;

const key = (i: number) => new TextEncoder().encode(`key-${i.toString().padStart(8, '0')}`);
const value = (i: number) => new Uint8Array(VALUE_BYTES).fill(i % 251);

/** Runs `op(0 … count-1)` with at most `inFlight` running at once; latency per op. */
async function timed(count: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<LatencySummary> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const t = performance.now();
      await op(i);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return summarize(latencies, performance.now() - start);
}

export interface TransportResult {
  sequentialUpdates: LatencySummary;
  concurrentUpdates: LatencySummary;
  sequentialQueries: LatencySummary;
  concurrentQueries: LatencySummary;
}

export interface HttpBenchResult {
  inProcess: TransportResult;
  loopback: TransportResult;
}

async function measure(kv: ActorSubclass<KvMapService>): Promise<TransportResult> {
  const stored = SEQUENTIAL_UPDATES + CONCURRENT_UPDATES;
  const sequentialUpdates = await timed(SEQUENTIAL_UPDATES, 1, (i) => kv.put(key(i), value(i)));
  const concurrentUpdates = await timed(CONCURRENT_UPDATES, IN_FLIGHT, (i) => kv.put(key(SEQUENTIAL_UPDATES + i), value(SEQUENTIAL_UPDATES + i)));
  const size = await kv.size();
  if (size !== BigInt(stored)) throw new Error(`expected ${stored} entries, found ${size}`);
  const checkedGet = async (i: number) => {
    const k = i % stored;
    const found = await kv.get(key(k));
    if (found.length !== 1 || found[0].length !== VALUE_BYTES || found[0][0] !== k % 251) throw new Error(`wrong value for key ${k}`);
  };
  const sequentialQueries = await timed(SEQUENTIAL_QUERIES, 1, checkedGet);
  const concurrentQueries = await timed(CONCURRENT_QUERIES, IN_FLIGHT, checkedGet);
  return { sequentialUpdates, concurrentUpdates, sequentialQueries, concurrentQueries };
}

/** Runs `run` against a fresh replica with KvMap installed, and closes the replica after. */
async function withKvMap<T>(wasm: Uint8Array, run: (replica: Replica, canisterId: Principal) => Promise<T>): Promise<T> {
  const replica = await Replica.create();
  try {
    return await run(replica, await replica.setupCanister({ wasm }));
  } finally {
    await replica.close();
  }
}

export async function runHttpBench(): Promise<HttpBenchResult> {
  const wasm = kvMapWasm();
  const inProcess = await withKvMap(wasm, async (replica, canisterId) => {
    const agent = await HttpAgent.create({ host: 'http://127.0.0.1:1', fetch: createHttpHandler(replica), shouldFetchRootKey: true });
    return measure(Actor.createActor<KvMapService>(kvMapIdl, { agent, canisterId }));
  });
  const loopback = await withKvMap(wasm, async (replica, canisterId) => {
    const server = await listen(replica, { port: 0 });
    try {
      return await inWorker({ host: server.url, canisterId: canisterId.toText() });
    } finally {
      await server.close();
    }
  });
  return { inProcess, loopback };
}

/** What the main thread tells the client worker. */
interface ClientTask {
  host: string;
  canisterId: string;
}

/** Runs {@link measure} with an agent in a worker thread, against a server on this thread. */
function inWorker(task: ClientTask): Promise<TransportResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: task });
    worker.once('message', (result: TransportResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the client worker exited with code ${code} before reporting`)));
  });
}

if (!isMainThread) {
  const { host, canisterId } = workerData as ClientTask;
  const agent = await HttpAgent.create({ host, shouldFetchRootKey: true });
  parentPort!.postMessage(await measure(Actor.createActor<KvMapService>(kvMapIdl, { agent, canisterId: Principal.fromText(canisterId) })));
}

if (import.meta.main && isMainThread) {
  const result = await runHttpBench();
  const f = (n: number) => n.toFixed(n < 10 ? 2 : 0);
  const row = (s: LatencySummary) => ({ 'ops/s': f(s.opsPerSecond), 'p50 ms': f(s.p50Ms), 'p99 ms': f(s.p99Ms), calls: s.count });
  console.log(`IC HTTP interface, real HttpAgent, KvMap canister, ${VALUE_BYTES} B values, stepped replica driven by the server; loopback client in a worker thread`);
  const table: Record<string, ReturnType<typeof row>> = {};
  for (const [name, r] of [['in-process fetch', result.inProcess], ['127.0.0.1 listen', result.loopback]] as const) {
    table[`${name}: update, one at a time`] = row(r.sequentialUpdates);
    table[`${name}: update, ${IN_FLIGHT} in flight`] = row(r.concurrentUpdates);
    table[`${name}: query, one at a time`] = row(r.sequentialQueries);
    table[`${name}: query, ${IN_FLIGHT} in flight`] = row(r.concurrentQueries);
  }
  console.table(table);
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `http-${new Date().toISOString().slice(0, 10)}.json`);
  const options = { valueBytes: VALUE_BYTES, inFlight: IN_FLIGHT, sequentialUpdates: SEQUENTIAL_UPDATES, concurrentUpdates: CONCURRENT_UPDATES, sequentialQueries: SEQUENTIAL_QUERIES, concurrentQueries: CONCURRENT_QUERIES };
  writeFileSync(file, JSON.stringify({ environment: benchEnvironment(), options, result }, null, 2));
  console.log(`wrote ${file}`);
}
