/** Summary statistics for benchmark samples. */

/** The p-th percentile (0–100) of `samples` by nearest rank. REQUIRES: samples is not empty. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface LatencySummary {
  /** Operations per second over the whole run. */
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  count: number;
}

/** Summarises per-operation latencies (ms) measured over `elapsedMs` of wall time. */
export function summarize(latenciesMs: readonly number[], elapsedMs: number): LatencySummary {
  return {
    opsPerSecond: latenciesMs.length / (elapsedMs / 1000),
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    count: latenciesMs.length,
  };
}

/** Percentiles recorded for latency charts: p0, p5, p10 … p100. */
export const DISTRIBUTION_STEP_PERCENT = 5;

export interface LatencyDistribution {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The p0, p5, p10 … p100 latencies (every {@link DISTRIBUTION_STEP_PERCENT}th percentile). */
  percentilesMs: number[];
}

/** The distribution of per-operation latencies (ms). REQUIRES: latenciesMs is not empty. */
export function distribution(latenciesMs: readonly number[]): LatencyDistribution {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return {
    p50Ms: at(50),
    p99Ms: at(99),
    maxMs: sorted[sorted.length - 1],
    percentilesMs: Array.from({ length: 100 / DISTRIBUTION_STEP_PERCENT + 1 }, (_, i) => at(i * DISTRIBUTION_STEP_PERCENT)),
  };
}
