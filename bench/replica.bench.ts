/**
 * Throughput of the embedded replica, in-process: update and query calls to a plain
 * `mo:core` Map canister (bench/canisters/KvMap.mo), one at a time and concurrently.
 *
 * Run: `npm run bench:replica` (writes bench/results/replica-<date>.json).
 * Each measurement checks its answers, so a fast wrong result fails the run.
 */
import { IDL } from '@dfinity/candid';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../canisters/build.ts';
import { Replica } from '../replica/index.ts';
import { benchEnvironment } from './lib/environment.ts';
import { kvMapWasm } from './lib/kvmap.ts';
import { summarize, type LatencySummary } from './lib/stats.ts';

const VALUE_BYTES = 100;
const SEQUENTIAL_UPDATES = 500;
const CONCURRENT_UPDATES = 2000;
const QUERIES = 5000;

const key = (i: number) => new TextEncoder().encode(`key-${i.toString().padStart(8, '0')}`);
const value = (i: number) => new Uint8Array(VALUE_BYTES).fill(i % 251);
const putArg = (i: number) => new Uint8Array(IDL.encode([IDL.Vec(IDL.Nat8), IDL.Vec(IDL.Nat8)], [key(i), value(i)]));
const getArg = (i: number) => new Uint8Array(IDL.encode([IDL.Vec(IDL.Nat8)], [key(i)]));

async function timed(count: number, op: (i: number) => Promise<unknown>): Promise<LatencySummary> {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await op(i);
    latencies.push(performance.now() - t);
  }
  return summarize(latencies, performance.now() - start);
}

export interface ReplicaBenchResult {
  sequentialUpdates: LatencySummary;
  concurrentUpdates: { opsPerSecond: number; count: number };
  queries: LatencySummary;
  wasmMemoryBytes: number;
}

export async function runReplicaBench(): Promise<ReplicaBenchResult> {
  const wasm = kvMapWasm();
  const replica = await Replica.create();
  const id = await replica.setupCanister({ wasm });

  const sequentialUpdates = await timed(SEQUENTIAL_UPDATES, (i) => replica.updateCall(id, 'put', putArg(i)));

  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENT_UPDATES }, (_, k) => replica.updateCall(id, 'put', putArg(SEQUENTIAL_UPDATES + k))));
  const concurrentMs = performance.now() - start;

  const stored = SEQUENTIAL_UPDATES + CONCURRENT_UPDATES;
  const queries = await timed(QUERIES, async (i) => {
    const reply = await replica.queryCall(id, 'get', getArg(i % stored));
    const [found] = IDL.decode([IDL.Opt(IDL.Vec(IDL.Nat8))], reply) as [[Uint8Array] | []];
    if (found.length !== 1 || found[0][0] !== (i % stored) % 251) throw new Error(`wrong value for key ${i % stored}`);
  });
  const [size] = IDL.decode([IDL.Nat], await replica.queryCall(id, 'size', new Uint8Array(IDL.encode([], []))));
  if (size !== BigInt(stored)) throw new Error(`expected ${stored} entries, found ${size}`);
  const status = await replica.canisterStatus(id);
  await replica.close();
  return {
    sequentialUpdates,
    concurrentUpdates: { opsPerSecond: CONCURRENT_UPDATES / (concurrentMs / 1000), count: CONCURRENT_UPDATES },
    queries,
    wasmMemoryBytes: Number(status.memory_metrics.wasm_memory_size),
  };
}

if (import.meta.main) {
  const result = await runReplicaBench();
  const f = (n: number) => n.toFixed(n < 10 ? 2 : 0);
  console.log(`Embedded replica, in-process, KvMap canister, ${VALUE_BYTES} B values (wasm memory ${(result.wasmMemoryBytes / 2 ** 20).toFixed(1)} MiB)`);
  console.table({
    'update, one at a time': { 'ops/s': f(result.sequentialUpdates.opsPerSecond), 'p50 ms': f(result.sequentialUpdates.p50Ms), 'p99 ms': f(result.sequentialUpdates.p99Ms) },
    [`update, ${CONCURRENT_UPDATES} concurrent`]: { 'ops/s': f(result.concurrentUpdates.opsPerSecond), 'p50 ms': '', 'p99 ms': '' },
    'query, one at a time': { 'ops/s': f(result.queries.opsPerSecond), 'p50 ms': f(result.queries.p50Ms), 'p99 ms': f(result.queries.p99Ms) },
  });
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `replica-${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify({ environment: benchEnvironment(), result }, null, 2));
  console.log(`wrote ${file}`);
}
