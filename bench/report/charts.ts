/**
 * The report's charts as Chart.js configurations: plain data (no functions), so the HTML
 * page can embed them as JSON and draw them with the inlined UMD build.
 */
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { Cell } from '../e2e/cell.ts';
import type { Mode, Operation, TargetName } from '../e2e/target.ts';
import { DISTRIBUTION_STEP_PERCENT } from '../lib/stats.ts';
import type { BenchReport } from '../run.ts';
import { formatSize } from './format.ts';

export interface ReportChart {
  id: string;
  title: string;
  /** One sentence under the chart: what to read from it. */
  caption: string;
  config: ChartConfiguration;
}

const TARGET_COLORS: Record<TargetName, string> = {
  bigmap: '#1f77b4',
  'bigmap-unbatched': '#ff7f0e',
  'data-replica': '#2ca02c',
  'kvmap-replica': '#9467bd',
  'kvmap-agent': '#d62728',
};
/** Solid for batches and scans, dashed for coalesced calls, dotted for one at a time. */
const MODE_DASH: Record<Mode, number[]> = { batch: [], pages: [], coalesced: [8, 4], single: [2, 3] };
/** The value size whose latency distribution is drawn. */
const LATENCY_VALUE_BYTES = 1_000;

export function reportCharts(report: BenchReport): ReportChart[] {
  const charts: ReportChart[] = [];
  if (report.micro) charts.push(microChart(report));
  if (report.endToEnd) {
    const cells = report.endToEnd.cells;
    for (const operation of ['put', 'get'] as const) charts.push(throughputBySize(cells, operation, report.options.endToEnd.valueSizesBytes));
    for (const operation of ['put', 'get'] as const) charts.push(latencyDistribution(cells, operation));
  }
  if (report.scaling) charts.push(scalingByCanisterCount(report), migrationTimeline(report));
  return charts;
}

function microChart(report: BenchReport): ReportChart {
  const micro = report.micro!;
  return {
    id: 'micro',
    title: 'Micro-benchmarks: ops/s, raw call vs BigMap',
    caption: 'Each BigMap function next to the library call it wraps (log scale).',
    config: {
      type: 'bar',
      data: {
        labels: micro.map((m) => m.name),
        datasets: [
          { label: 'raw call', data: micro.map((m) => m.raw.opsPerSecond), backgroundColor: '#999999' },
          { label: 'BigMap', data: micro.map((m) => m.bigmap.opsPerSecond), backgroundColor: TARGET_COLORS.bigmap },
        ],
      },
      options: { indexAxis: 'y', scales: { x: { type: 'logarithmic', title: { display: true, text: 'ops/s' } } } },
    },
  };
}

/** One line per target and mode that did `operation`. */
function seriesOf(cells: readonly Cell[], operation: Operation): Array<{ target: TargetName; mode: Mode; cells: Cell[] }> {
  const series = new Map<string, { target: TargetName; mode: Mode; cells: Cell[] }>();
  for (const c of cells.filter((cell) => cell.operation === operation)) {
    const key = `${c.target} ${c.mode}`;
    if (!series.has(key)) series.set(key, { target: c.target, mode: c.mode, cells: [] });
    series.get(key)!.cells.push(c);
  }
  return [...series.values()];
}

function line(label: string, target: TargetName, mode: Mode, data: Array<number | null>): ChartDataset<'line'> {
  return { label, data, borderColor: TARGET_COLORS[target], backgroundColor: TARGET_COLORS[target], borderDash: MODE_DASH[mode], borderWidth: target === 'bigmap' ? 3 : 1.5, spanGaps: true };
}

function throughputBySize(cells: readonly Cell[], operation: 'put' | 'get', sizes: readonly number[]): ReportChart {
  return {
    id: `throughput-${operation}`,
    title: `${operation}: throughput by value size`,
    caption: `MB/s of values (log scale); solid = ${operation}Many batches, dashed = concurrent single calls, dotted = one at a time.`,
    config: {
      type: 'line',
      data: {
        labels: sizes.map(formatSize),
        datasets: seriesOf(cells, operation).map((s) =>
          line(`${s.target} ${s.mode}`, s.target, s.mode, sizes.map((size) => s.cells.find((c) => c.valueBytes === size)?.megabytesPerSecond ?? null)),
        ),
      },
      options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'MB/s' } }, x: { title: { display: true, text: 'value size' } } } },
    },
  };
}

function latencyDistribution(cells: readonly Cell[], operation: 'put' | 'get'): ReportChart {
  const steps = Array.from({ length: 100 / DISTRIBUTION_STEP_PERCENT + 1 }, (_, i) => `p${i * DISTRIBUTION_STEP_PERCENT}`);
  return {
    id: `latency-${operation}`,
    title: `${operation}: latency distribution, ${formatSize(LATENCY_VALUE_BYTES)} values`,
    caption: 'Per-operation latency by percentile (log scale). A batched item waits for its whole batch.',
    config: {
      type: 'line',
      data: {
        labels: steps,
        datasets: seriesOf(cells, operation).flatMap((s) => {
          const cell = s.cells.find((c) => c.valueBytes === LATENCY_VALUE_BYTES);
          return cell ? [line(`${s.target} ${s.mode}`, s.target, s.mode, cell.latency.percentilesMs)] : [];
        }),
      },
      options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'ms' } }, x: { title: { display: true, text: 'percentile' } } } },
    },
  };
}

function scalingByCanisterCount(report: BenchReport): ReportChart {
  const s = report.scaling!;
  return {
    id: 'scaling-canisters',
    title: 'Scaling: load throughput by data canister count',
    caption: 'MB/s of putMany while the BigMap had this many data canisters and no migration ran. One replica thread runs them all here, so the bars show throughput holding, not adding up.',
    config: {
      type: 'bar',
      data: {
        labels: s.byCanisterCount.map((c) => String(c.canisters)),
        datasets: [{ label: 'load MB/s', data: s.byCanisterCount.map((c) => c.megabytesPerSecond), backgroundColor: TARGET_COLORS.bigmap }],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'MB/s' } }, x: { title: { display: true, text: 'data canisters' } } } },
    },
  };
}

function migrationTimeline(report: BenchReport): ReportChart {
  const s = report.scaling!;
  const load = s.batches.map((b) => ({ x: (b.startS + b.endS) / 2, y: b.bytes / 1e6 / (b.endS - b.startS) }));
  const top = Math.max(1, ...load.map((p) => p.y)) * 1.1;
  // Each migration as a rectangle from its first to its last call.
  const migrating = s.splits.flatMap((m) => [
    { x: m.startS, y: 0 },
    { x: m.startS, y: top },
    { x: m.endS, y: top },
    { x: m.endS, y: 0 },
  ]);
  return {
    id: 'migration-timeline',
    title: 'Scaling: migration timeline',
    caption: 'Load MB/s per putMany batch over time; shaded: a split migrating; right axis: data canisters.',
    config: {
      type: 'line',
      data: {
        datasets: [
          { label: 'load MB/s', data: load, borderColor: TARGET_COLORS.bigmap, backgroundColor: TARGET_COLORS.bigmap, yAxisID: 'y' },
          { label: 'migrating', data: migrating, borderColor: 'rgba(255,127,14,0.6)', backgroundColor: 'rgba(255,127,14,0.2)', fill: 'origin', pointRadius: 0, borderWidth: 1, yAxisID: 'y' },
          { label: 'data canisters', data: s.batches.map((b) => ({ x: b.startS, y: b.canisters })), borderColor: '#555555', backgroundColor: '#555555', stepped: true, pointRadius: 0, yAxisID: 'canisters' },
        ],
      },
      options: {
        scales: {
          x: { type: 'linear', title: { display: true, text: 'seconds since the load started' } },
          y: { beginAtZero: true, max: top, title: { display: true, text: 'MB/s' } },
          canisters: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'data canisters' } },
        },
      },
    },
  };
}
