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
