/**
 * Micro-benchmarks with benny (benchmark.js underneath): each BigMap function against the
 * raw library call it wraps, as operations per second and their ratio.
 */
import { add, suite } from 'benny';
import type { MicroPlan } from '../options.ts';
import { microPairs } from './cases.ts';

export interface MicroCaseResult {
  name: string;
  opsPerSecond: number;
  /** benchmark.js's relative margin of error, in percent. */
  marginPercent: number;
  samples: number;
}

export interface MicroResult {
  name: string;
  raw: MicroCaseResult;
  bigmap: MicroCaseResult;
  /** BigMap's ops/s over the raw call's: 1 means no overhead, 0.5 half the speed. */
  ratio: number;
}

export async function runMicro(plan: MicroPlan, seed: number, onCase: (done: number, total: number, note: string) => void): Promise<MicroResult[]> {
  const pairs = await microPairs(seed);
  const options = { minTime: plan.minTimeSeconds, maxTime: plan.maxTimeSeconds, minSamples: plan.minSamples };
  const results: MicroResult[] = [];
  for (const pair of pairs) {
    onCase(results.length, pairs.length, pair.name);
    pair.check();
    const summary = await quietly(() => suite(pair.name, add(pair.raw.name, pair.raw.run, options), add(pair.bigmap.name, pair.bigmap.run, options)));
    const caseResult = (name: string): MicroCaseResult => {
      const r = summary.results.find((c) => c.name === name);
      if (!r || r.samples === 0) throw new Error(`benny returned no samples for ${pair.name}: ${name}`);
      return { name, opsPerSecond: r.ops, marginPercent: r.margin, samples: r.samples };
    };
    const raw = caseResult(pair.raw.name);
    const bigmap = caseResult(pair.bigmap.name);
    results.push({ name: pair.name, raw, bigmap, ratio: bigmap.opsPerSecond / raw.opsPerSecond });
  }
  onCase(results.length, pairs.length, '');
  return results;
}

/**
 * Runs `fn` with console.log muted: benny's `suite()` announces each suite on stdout,
 * which the CLI keeps for its table or `--json` output.
 */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = () => {};
  try {
    return await fn();
  } finally {
    console.log = log;
  }
}
