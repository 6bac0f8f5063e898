/**
 * One cell of the end-to-end matrix: one target doing one operation in one mode at one
 * value size. It times the operations, meters the canister executions they cause, and
 * then checks the answers (every read value, a sample of writes read back), so a fast
 * wrong answer fails the run instead of winning it.
 */
import type { ExecutionRecord } from '../../replica/index.ts';
import { cyclesOf } from '../cost.ts';
import { summarizeExecutions, type ExecutionMeter, type ExecutionSummary } from '../lib/meter.ts';
import { sampleIndices } from '../lib/random.ts';
import { distribution, type LatencyDistribution } from '../lib/stats.ts';
import type { SeededValues } from '../lib/values.ts';
import type { EndToEndPlan } from '../options.ts';
import type { Mode, Operation, Target, TargetName } from './target.ts';
import { cellKey, groupSize, itemNumber, itemsPerCell } from './workload.ts';

export interface Cell {
  target: TargetName;
  operation: Operation;
  mode: Mode;
  valueBytes: number;
  /** Operations measured (a scan counts each item it returns). */
  items: number;
  /** Items per canister call (update or query executions of the operation's methods). */
  itemsPerCall: number;
  /** Time inside the measured calls; the random pauses between them are left out. */
  elapsedMs: number;
  /** Items ÷ elapsedMs. */
  opsPerSecond: number;
  /** Value bytes moved per second, in MB (10^6 bytes); null for deletes. */
  megabytesPerSecond: number | null;
  /**
   * Per-operation latency: from the call (single), from the start of its burst
   * (coalesced), of its `*Many` call (batch), of the whole scan (pages).
   */
  latency: LatencyDistribution;
  executions: ExecutionSummary;
  instructionsPerItem: number;
  /** What the IC would charge per item (see cost.ts); queries are free. */
  cyclesPerItem: number;
  /** Answers compared with what was written. */
  checkedItems: number;
}

export interface CellContext {
  target: Target;
  meter: ExecutionMeter;
  values: SeededValues;
  plan: EndToEndPlan;
  random: () => number;
}

const utf8 = new TextEncoder();

export async function measureCell(ctx: CellContext, operation: Operation, mode: Mode, valueBytes: number): Promise<Cell> {
  if (operation === 'scan') return measureScan(ctx, valueBytes);
  const { target, plan } = ctx;
  const n = itemsPerCell(plan, mode, valueBytes);
  const keys = Array.from({ length: n }, (_, i) => cellKey(target.name, valueBytes, mode, i));
  const values = keys.map((_, i) => ctx.values.value(itemNumber(mode, i), valueBytes));
  const label = `${target.name} ${operation} ${mode} ${valueBytes} B`;
  const keyBytes = keys.reduce((sum, k) => sum + utf8.encode(k).length, 0);

  if (operation === 'put') {
    const timed = await runTimed(ctx, mode, n, (i) => target.put(keys[i], values[i]), (is) => target.putMany(is.map((i) => [keys[i], values[i]] as const)));
    const sample = sampleIndices(ctx.random, n, plan.sampleChecks);
    for (const i of sample) expectValue(label, i, await target.get(keys[i]), values[i]);
    return cellOf(ctx, operation, mode, valueBytes, n, timed, keyBytes + n * valueBytes, sample.length);
  }
  if (operation === 'get') {
    const got: Array<Uint8Array | undefined> = new Array(n);
    const timed = await runTimed(
      ctx,
      mode,
      n,
      async (i) => void (got[i] = await target.get(keys[i])),
      async (is) => (await target.getMany!(is.map((i) => keys[i]))).forEach((v, j) => (got[is[j]] = v)),
    );
    got.forEach((v, i) => expectValue(label, i, v, values[i]));
    return cellOf(ctx, operation, mode, valueBytes, n, timed, 0, n);
  }
  const existed: Array<boolean | undefined> = new Array(n);
  const timed = await runTimed(
    ctx,
    mode,
    n,
    async (i) => void (existed[i] = await target.delete(keys[i])),
    async (is) => (await target.deleteMany!(is.map((i) => keys[i]))).forEach((e, j) => (existed[is[j]] = e)),
  );
  const missing = existed.findIndex((e) => e === false);
  if (missing >= 0) throw new Error(`${label}: item ${missing} did not exist when deleted`);
  const sample = sampleIndices(ctx.random, n, plan.sampleChecks);
  for (const i of sample) if ((await target.get(keys[i])) !== undefined) throw new Error(`${label}: item ${i} is still there after its delete`);
  return cellOf(ctx, operation, mode, valueBytes, n, timed, keyBytes, sample.length);
}

/** Loads one partition (not measured), then scans it `scanRepeats` times; each scan must return every value in order. */
async function measureScan(ctx: CellContext, valueBytes: number): Promise<Cell> {
  const { target, plan } = ctx;
  const n = itemsPerCell(plan, 'pages', valueBytes);
  const values = Array.from({ length: n }, (_, i) => ctx.values.value(itemNumber('pages', i), valueBytes));
  const partition = cellKey(target.name, valueBytes, 'pages', 0);
  const label = `${target.name} scan ${valueBytes} B`;
  await target.scan!.load(partition, values);
  const reads: Uint8Array[][] = [];
  const repeats = Array.from({ length: plan.scanRepeats }, (_, r) => r);
  const timed = await timedSteps(ctx, repeats, async (_, latencies) => {
    const start = performance.now();
    reads.push(await target.scan!.read(partition));
    latencies.push(performance.now() - start);
  });
  for (const read of reads) {
    if (read.length !== n) throw new Error(`${label}: the scan returned ${read.length} items; ${n} were stored`);
    read.forEach((v, i) => expectValue(label, i, v, values[i]));
  }
  return cellOf(ctx, 'scan', 'pages', valueBytes, n * plan.scanRepeats, timed, 0, n * plan.scanRepeats);
}

interface Timed {
  latenciesMs: number[];
  /** Time inside the measured calls (the pauses between groups are left out). */
  elapsedMs: number;
  executions: ExecutionRecord[];
}

/**
 * Longest pause before each measured call or group, in ms. A live replica that has no
 * work sleeps 20 ms between turns (replica/live.ts), so an update waits 0–20 ms for the
 * next turn; calls issued back to back lock onto that cycle at a phase that depends on
 * how long the client took, which would measure the alignment rather than the client.
 * A seeded random pause spreads the calls over the cycle, the same way for every target.
 */
const PHASE_JITTER_MS = 20;

/**
 * Runs items 0 … n−1 in `mode`: one at a time with `one(i)`, in concurrent bursts with
 * `one(i)` (coalesced), or in `many(items)` calls (batch); a random pause before each.
 */
function runTimed(ctx: CellContext, mode: Mode, n: number, one: (i: number) => Promise<void>, many: (items: number[]) => Promise<void>): Promise<Timed> {
  const size = mode === 'single' ? 1 : groupSize(ctx.plan, n);
  const groups = Array.from({ length: Math.ceil(n / size) }, (_, g) => Array.from({ length: Math.min(size, n - g * size) }, (_, j) => g * size + j));
  return timedSteps(ctx, groups, async (group, latencies) => {
    const start = performance.now();
    if (mode === 'batch') {
      await many(group);
      const ms = performance.now() - start;
      for (let j = 0; j < group.length; j++) latencies.push(ms);
    } else {
      // All of a burst's calls start in the same tick: that is what lets the client coalesce them.
      await Promise.all(group.map((i) => one(i).then(() => void latencies.push(performance.now() - start))));
    }
  });
}

/** Runs `step` for each of `steps` inside one meter window, timing each step and pausing at random before it. */
async function timedSteps<S>(ctx: CellContext, steps: readonly S[], step: (s: S, latencies: number[]) => Promise<void>): Promise<Timed> {
  const latenciesMs: number[] = [];
  let elapsedMs = 0;
  const { executions } = await ctx.meter.measure(async () => {
    for (const s of steps) {
      await new Promise((resolve) => setTimeout(resolve, ctx.random() * PHASE_JITTER_MS));
      const start = performance.now();
      await step(s, latenciesMs);
      elapsedMs += performance.now() - start;
    }
  });
  return { latenciesMs, elapsedMs, executions };
}

function cellOf(ctx: CellContext, operation: Operation, mode: Mode, valueBytes: number, items: number, timed: Timed, ingressBytes: number, checkedItems: number): Cell {
  const { target } = ctx;
  const executions = summarizeExecutions(timed.executions, target.canisters, target.methods[operation]);
  const calls = executions.updateCalls + executions.queryCalls;
  if (calls === 0) throw new Error(`${target.name} ${operation} ${mode} ${valueBytes} B: no canister execution was recorded`);
  const seconds = timed.elapsedMs / 1000;
  return {
    target: target.name,
    operation,
    mode,
    valueBytes,
    items,
    itemsPerCall: items / calls,
    elapsedMs: timed.elapsedMs,
    opsPerSecond: items / seconds,
    megabytesPerSecond: operation === 'delete' ? null : (items * valueBytes) / 1e6 / seconds,
    latency: distribution(timed.latenciesMs),
    executions,
    instructionsPerItem: (executions.replicatedInstructions + executions.queryInstructions) / items,
    cyclesPerItem: cyclesOf(executions, ingressBytes) / items,
    checkedItems,
  };
}

function expectValue(label: string, item: number, actual: Uint8Array | undefined, expected: Uint8Array): void {
  if (actual === undefined) throw new Error(`${label}: item ${item} was not found`);
  if (!Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected)) {
    throw new Error(`${label}: item ${item} read back ${actual.length} B that differ from the ${expected.length} B written`);
  }
}
