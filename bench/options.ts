/**
 * What `bigmap bench` runs and how big: three presets (`smoke` to check the wiring,
 * `quick` for about two minutes on a 2-core machine, `full`), resolved into a
 * {@link BenchPlan} that the report records next to the results.
 */

export type BenchPreset = 'smoke' | 'quick' | 'full';

/** The suites; cost is computed from the end-to-end and scaling measurements. */
export const SUITES = ['micro', 'e2e', 'scaling'] as const;
export type SuiteName = (typeof SUITES)[number];

/** The value sizes of the end-to-end suite, in bytes. */
export const VALUE_SIZES_BYTES = [100, 1_000, 10_000, 100_000, 1_000_000] as const;

export interface BenchOptions {
  /** @default 'full' */
  readonly preset?: BenchPreset;
  /** Seed of every key, value and sample. @default 1 */
  readonly seed?: number;
  /** Bytes the scaling suite loads, instead of the preset's. Minimum: 100,000. */
  readonly scalingBytes?: number;
  /** Run only these suites. @default all */
  readonly suites?: readonly SuiteName[];
}

export interface MicroPlan {
  /** benny (benchmark.js) case options, in seconds. */
  readonly minTimeSeconds: number;
  readonly maxTimeSeconds: number;
  readonly minSamples: number;
}

export interface EndToEndPlan {
  readonly valueSizesBytes: readonly number[];
  /** Operations in a `single` cell (one at a time). */
  readonly singleOps: number;
  /** Items in a `coalesced` or `batch` cell, before the byte cap. */
  readonly groupItems: number;
  /** Bursts (coalesced) or `*Many` calls (batch) a cell's items are spread over. */
  readonly groupsPerCell: number;
  /** Bytes of values one cell moves at most: large values get fewer items. */
  readonly maxCellBytes: number;
  /** Times each scan is repeated (each is one latency sample). */
  readonly scanRepeats: number;
  /** Items read back after each put and delete cell (the correctness check). */
  readonly sampleChecks: number;
}

export interface ScalingPlan {
  /** Bytes of values loaded. */
  readonly totalBytes: number;
  readonly valueBytes: number;
  /** The index's `capacityBytes`: a quarter of the load, so several splits happen. */
  readonly capacityBytes: number;
  /** Bytes per `putMany` of the load. */
  readonly loadBatchBytes: number;
  /** Items read back at the end (the correctness check). */
  readonly sampleChecks: number;
}

/** Everything a run did, as recorded in the report. */
export interface BenchPlan {
  readonly preset: BenchPreset;
  readonly seed: number;
  readonly suites: readonly SuiteName[];
  readonly micro: MicroPlan;
  readonly endToEnd: EndToEndPlan;
  readonly scaling: ScalingPlan;
}

const MIN_SCALING_BYTES = 100_000;

const PRESETS: Record<BenchPreset, Omit<BenchPlan, 'preset' | 'seed' | 'suites' | 'scaling'> & { scalingBytes: number; scalingSamples: number }> = {
  smoke: {
    micro: { minTimeSeconds: 0.001, maxTimeSeconds: 0.005, minSamples: 1 },
    endToEnd: { valueSizesBytes: [1_000, 1_000_000], singleOps: 1, groupItems: 2, groupsPerCell: 1, maxCellBytes: 1_000_000, scanRepeats: 1, sampleChecks: 1 },
    scalingBytes: 1_000_000,
    scalingSamples: 10,
  },
  quick: {
    micro: { minTimeSeconds: 0.05, maxTimeSeconds: 0.15, minSamples: 5 },
    endToEnd: { valueSizesBytes: VALUE_SIZES_BYTES, singleOps: 5, groupItems: 24, groupsPerCell: 2, maxCellBytes: 4_000_000, scanRepeats: 2, sampleChecks: 3 },
    scalingBytes: 32_000_000,
    scalingSamples: 100,
  },
  full: {
    micro: { minTimeSeconds: 0.5, maxTimeSeconds: 2, minSamples: 10 },
    endToEnd: { valueSizesBytes: VALUE_SIZES_BYTES, singleOps: 20, groupItems: 120, groupsPerCell: 4, maxCellBytes: 24_000_000, scanRepeats: 5, sampleChecks: 10 },
    scalingBytes: 256_000_000,
    scalingSamples: 1_000,
  },
};

/** The plan for `options`. @throws TypeError naming a bad option */
export function resolvePlan(options: BenchOptions = {}): BenchPlan {
  const preset = options.preset ?? 'full';
  const base = PRESETS[preset];
  if (!base) throw new TypeError(`Expected \`preset\` to be smoke, quick or full, got ${String(preset)}`);
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new TypeError(`Expected \`seed\` to be an integer, got ${String(seed)}`);
  const totalBytes = options.scalingBytes ?? base.scalingBytes;
  if (!Number.isSafeInteger(totalBytes) || totalBytes < MIN_SCALING_BYTES) throw new TypeError(`Expected \`scalingBytes\` to be an integer ≥ ${MIN_SCALING_BYTES}, got ${String(totalBytes)}`);
  const suites = options.suites ?? SUITES;
  for (const s of suites) if (!SUITES.includes(s)) throw new TypeError(`Expected suites among ${SUITES.join(', ')}, got ${String(s)}`);
  const valueBytes = 1_000;
  return {
    preset,
    seed,
    suites: [...suites],
    micro: base.micro,
    endToEnd: base.endToEnd,
    scaling: {
      totalBytes,
      valueBytes,
      capacityBytes: Math.floor(totalBytes / 4),
      // 2 MB per putMany (one full request while there is one data canister), and at least 16 batches, so the timeline has points.
      loadBatchBytes: Math.min(2_000_000, Math.max(valueBytes, Math.floor(totalBytes / 16))),
      sampleChecks: base.scalingSamples,
    },
  };
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/**
 * Bytes from `"268435456"`, `"256MB"`, `"1.5 GB"` or `"2GiB"` (KB/MB/GB are powers of 10,
 * KiB/MiB/GiB powers of 2). @throws TypeError on anything else
 */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = UNITS[(match?.[2] || 'b').toLowerCase()];
  if (!match || unit === undefined) throw new TypeError(`Expected a size such as 268435456, 256MB or 2GB, got ${JSON.stringify(text)}`);
  return Math.round(Number(match[1]) * unit);
}
