/**
 * The report as tables (title, header, rows of text), rendered by the terminal
 * (cli-table3) and by the HTML page alike, so both show the same figures.
 */
import type { Cell } from '../e2e/cell.ts';
import type { Mode, Operation, TargetName } from '../e2e/target.ts';
import type { BenchReport } from '../run.ts';
import { formatCount, formatMs, formatNumber, formatRatio, formatSize } from './format.ts';

export interface ReportTable {
  title: string;
  head: string[];
  rows: string[][];
  /** Lines printed under the table: units, sources, caveats. */
  notes: string[];
}

/** Every table of the report, in reading order; `all` adds the baselines' own cells (long). */
export function reportTables(report: BenchReport, options: { all: boolean }): ReportTable[] {
  return [
    headlineTable(report),
    report.micro && microTable(report),
    report.endToEnd && endToEndTable(report, 'bigmap'),
    ...(options.all && report.endToEnd ? report.endToEnd.targets.filter((t) => t.name !== 'bigmap').map((t) => endToEndTable(report, t.name)) : []),
    report.cost && costTable(report),
    report.scaling && scalingTable(report),
  ].filter((t): t is ReportTable => t !== null && t.rows.length > 0);
}

/** The figures for a README: BigMap next to what a user would do instead. */
export function headlineTable(report: BenchReport): ReportTable {
  const rows: string[][] = [];
  const cells = report.endToEnd?.cells ?? [];
  const find = (target: TargetName, operation: Operation, mode: Mode, valueBytes: number) =>
    cells.find((c) => c.target === target && c.operation === operation && c.mode === mode && c.valueBytes === valueBytes);
  const opsText = (c: Cell) => `${formatNumber(c.opsPerSecond)} ops/s, p50 ${formatMs(c.latency.p50Ms)} ms`;
  const compare = (measure: string, c: Cell | undefined, base: Cell | undefined, text: (c: Cell) => string = opsText, value = (c: Cell) => c.opsPerSecond) => {
    if (c && base) rows.push([measure.replace('{perCall}', `${formatNumber(c.itemsPerCall)} items/call`), text(c), `${base.target} ${base.mode}: ${text(base)}`, formatRatio(value(c) / value(base))]);
  };
  const kb = 1_000;
  const mb = 1_000_000;
  compare('put 1 KB, one at a time', find('bigmap', 'put', 'single', kb), find('kvmap-agent', 'put', 'single', kb));
  compare('put 1 KB, putMany ({perCall})', find('bigmap', 'put', 'batch', kb), find('kvmap-agent', 'put', 'single', kb));
  compare('put 1 KB, concurrent puts coalesced ({perCall})', find('bigmap', 'put', 'coalesced', kb), find('bigmap-unbatched', 'put', 'coalesced', kb));
  compare('get 1 KB, one at a time', find('bigmap', 'get', 'single', kb), find('kvmap-agent', 'get', 'single', kb));
  compare('get 1 KB, getMany ({perCall})', find('bigmap', 'get', 'batch', kb), find('kvmap-agent', 'get', 'single', kb));
  compare('delete 1 KB, deleteMany ({perCall})', find('bigmap', 'delete', 'batch', kb), find('kvmap-agent', 'delete', 'single', kb));
  const mbText = (c: Cell) => `${formatNumber(c.megabytesPerSecond ?? 0)} MB/s`;
  compare('put 1 MB values, putMany', find('bigmap', 'put', 'batch', mb), find('kvmap-agent', 'put', 'single', mb), mbText, (c) => c.megabytesPerSecond ?? 0);
  compare('get 1 MB values, getMany', find('bigmap', 'get', 'batch', mb), find('kvmap-agent', 'get', 'single', mb), mbText, (c) => c.megabytesPerSecond ?? 0);
  compare('scan one partition, 1 KB values (items/s)', find('bigmap', 'scan', 'pages', kb), find('data-replica', 'scan', 'pages', kb));
  const instr = (c: Cell) => `${formatCount(c.instructionsPerItem)} instr/item`;
  compare('canister instructions, put 1 KB in batches', find('bigmap', 'put', 'batch', kb), find('kvmap-replica', 'put', 'batch', kb), instr, (c) => c.instructionsPerItem);
  compare('canister instructions, get 1 KB in batches', find('bigmap', 'get', 'batch', kb), find('kvmap-replica', 'get', 'single', kb), instr, (c) => c.instructionsPerItem);
  const cycles = (c: Cell) => `${formatCount(c.cyclesPerItem)} cycles/item`;
  compare('cycles per put of 1 KB, putMany vs one at a time', find('bigmap', 'put', 'batch', kb), find('bigmap', 'put', 'single', kb), cycles, (c) => c.cyclesPerItem);

  const scaling = report.scaling;
  if (scaling && scaling.splits.length > 0) {
    const shares = scaling.splits.map((s) => s.keysMovedShare);
    const copy = scaling.splits.map((s) => s.copyMegabytesPerSecond).filter((x) => x > 0).sort((a, b) => a - b);
    const slack = Math.max(...scaling.splits.map((s) => s.worstCaseShare.max - 0.5));
    rows.push([`keys moved per split (${scaling.splits.length} splits)`, `${Math.min(...shares).toFixed(4)}–${Math.max(...shares).toFixed(4)} of the full canister`, `ideal 0.5, worst case 0.5 ± ${slack.toFixed(4)} (DESIGN.md)`, '']);
    if (copy.length > 0) rows.push(['migration copy, median', `${formatNumber(copy[Math.floor(copy.length / 2)])} MB/s`, '', '']);
    const { outsideMigrations: outside, duringMigrations: during } = scaling.load;
    if (outside.batches > 0 && during.batches > 0) {
      rows.push(['load throughput during migrations', `${formatNumber(during.megabytesPerSecond)} MB/s`, `outside migrations: ${formatNumber(outside.megabytesPerSecond)} MB/s`, formatRatio(during.megabytesPerSecond / outside.megabytesPerSecond)]);
    }
    rows.push([`canister memory per stored byte (${formatSize(scaling.totalBytes)} in ${scaling.memory.canisters.length} canisters)`, formatNumber(scaling.memory.memoryPerStoredByte), '', '']);
  }
  const storage = report.cost?.storage;
  if (storage) rows.push(['storage, per GB of keys and values per month', `${formatCount(storage.cyclesPerStoredGBMonth)} cycles ≈ $${formatNumber(storage.usdPerStoredGBMonth)}`, `1 GiB of canister memory: ${formatCount(storage.cyclesPerMemoryGiBMonth)} cycles`, '']);
  return {
    title: 'Headline',
    head: ['measure', 'BigMap', 'baseline', 'ratio'],
    rows,
    notes: [
      'Ratios: BigMap ÷ baseline (throughput, or the figure shown); above 1 is more for BigMap.',
      'kvmap-agent = one mo:core Map canister through @dfinity/agent; bigmap-unbatched = the BigMap client with maxBatchItems 1; data-replica = BigMap\'s data canister called in-process without client or agent.',
    ],
  };
}

function microTable(report: BenchReport): ReportTable {
  return {
    title: 'Micro-benchmarks (benny): BigMap function vs the raw call it wraps',
    head: ['what', 'raw call', 'ops/s', 'BigMap', 'ops/s', 'ratio'],
    rows: report.micro!.map((m) => [m.name, m.raw.name, formatNumber(m.raw.opsPerSecond), m.bigmap.name, formatNumber(m.bigmap.opsPerSecond), formatRatio(m.ratio)]),
    notes: ['ratio: BigMap ops/s ÷ raw ops/s (1 = no overhead). Each pair is checked for equal answers first.'],
  };
}

function endToEndTable(report: BenchReport, target: TargetName): ReportTable {
  const { cells, ratios, targets } = report.endToEnd!;
  const ratio = (c: Cell, baseline: TargetName, baselineMode: Mode = c.mode) =>
    formatRatio(ratios.find((r) => r.operation === c.operation && r.mode === c.mode && r.valueBytes === c.valueBytes && r.baseline === baseline && r.baselineMode === baselineMode)?.throughputRatio);
  const isBigmap = target === 'bigmap';
  const head = ['op', 'value', 'mode', 'ops/s', 'MB/s', 'p50 ms', 'p99 ms', 'items/call'];
  if (isBigmap) head.push('× unbatched', '× data-replica', '× kvmap-replica', '× kvmap-agent', '× kvmap-agent single');
  const rows = cells
    .filter((c) => c.target === target)
    .map((c) => {
      const row = [c.operation, formatSize(c.valueBytes), c.mode, formatNumber(c.opsPerSecond), c.megabytesPerSecond === null ? '' : formatNumber(c.megabytesPerSecond), formatMs(c.latency.p50Ms), formatMs(c.latency.p99Ms), formatNumber(c.itemsPerCall)];
      if (isBigmap) row.push(ratio(c, 'bigmap-unbatched'), ratio(c, 'data-replica'), ratio(c, 'kvmap-replica'), ratio(c, 'kvmap-agent'), c.mode === 'coalesced' || c.mode === 'batch' ? ratio(c, 'kvmap-agent', 'single') : '');
      return row;
    });
  const plan = report.options.endToEnd;
  return {
    title: `End to end: ${target} — ${targets.find((t) => t.name === target)?.description ?? ''}`,
    head,
    rows,
    notes: isBigmap
      ? [
          `Cells: ${plan.singleOps} single operations; up to ${plan.groupItems} items (at most ${formatSize(plan.maxCellBytes)} of values) in ${plan.groupsPerCell} bursts (coalesced) or *Many calls (batch); scans repeat ${plan.scanRepeats}×.`,
          'Latency: per operation (coalesced: from the start of its burst; batch: its *Many call; scan: the whole partition). MB/s counts value bytes, 1 MB = 10^6 B.',
          '× columns: BigMap ops/s ÷ the baseline\'s in the same mode (last column: ÷ kvmap-agent one at a time). Every read was compared with what was written.',
        ]
      : [],
  };
}

function costTable(report: BenchReport): ReportTable {
  const cost = report.cost!;
  const notes = [
    `Rates: ${cost.ratesSource}. Per update: ${formatCount(cost.rates.updateExecutionFeeCycles)} cycles + ${cost.rates.cyclesPerInstructionWasm64} per instruction (wasm64) + ingress ${formatCount(cost.rates.ingressMessageFeeCycles)} + ${formatCount(cost.rates.ingressByteFeeCycles)} per byte; queries free. $ at $${cost.usdPerTrillionCycles} per T cycles.`,
    `Largest BigMap update execution: ${formatCount(cost.maxUpdateInstructions)} instructions, ${formatNumber(cost.updateInstructionLimit / Math.max(1, cost.maxUpdateInstructions))}× under the ${formatCount(cost.updateInstructionLimit)} limit.`,
    `Anchors: ${report.anchors.putInstructions}. ${report.anchors.getInstructions}.`,
  ];
  if (cost.storage) {
    notes.push(
      `Storage: ${formatCount(cost.storage.cyclesPerMemoryGiBMonth)} cycles per GiB of canister memory per 30 days × ${formatNumber(cost.storage.memoryPerStoredByte)} B of memory per stored byte (scaling suite) = ${formatCount(cost.storage.cyclesPerStoredGBMonth)} cycles ≈ $${formatNumber(cost.storage.usdPerStoredGBMonth)} per stored GB-month.`,
    );
  }
  return {
    title: 'Cost per operation on the IC (BigMap, from metered instructions)',
    head: ['op', 'value', 'mode', 'instr/item', 'cycles/item', '$ per 1M items'],
    rows: cost.operations.map((o) => [o.operation, formatSize(o.valueBytes), o.mode, formatCount(o.instructionsPerItem), formatCount(o.cyclesPerItem), formatNumber(o.usdPerMillionItems)]),
    notes,
  };
}

function scalingTable(report: BenchReport): ReportTable {
  const s = report.scaling!;
  const short = (id: string) => id.slice(0, 5);
  const byCount = s.byCanisterCount.map((c) => `${c.canisters}: ${formatNumber(c.megabytesPerSecond)}`).join(', ');
  return {
    title: `Scaling: ${formatSize(s.totalBytes)} of ${formatSize(s.valueBytes)} values, capacity ${formatSize(s.capacityBytes)} (split at ${formatSize(s.splitAtBytes)})`,
    head: ['split', 'from → to', 'source keys', 'keys moved', 'share', 'worst case', 'copy calls (est.)', 'copy ms', 'copy MB/s', 'total ms'],
    rows: s.splits.map((x) => [
      String(x.id),
      `${short(x.from)} → ${short(x.to)}`,
      formatNumber(x.sourceKeys),
      formatNumber(x.copiedKeys),
      x.keysMovedShare.toFixed(4),
      `${x.worstCaseShare.min.toFixed(4)}–${x.worstCaseShare.max.toFixed(4)}`,
      `${x.copyCalls} (${x.estimatedCopyCalls})`,
      formatNumber(x.copySeconds * 1000),
      formatNumber(x.copyMegabytesPerSecond),
      formatNumber((x.endS - x.startS) * 1000),
    ]),
    notes: [
      `share: keys moved ÷ keys of the full canister when the split was planned (ideal 0.5); worst case: 0.5 ± largest slot ÷ (2 × its bytes) (sharding/DESIGN.md); estimate: ⌈bytes ÷ ${formatSize(s.copyChunkBytes)} copy chunk⌉.`,
      `Load: ${formatNumber(s.load.megabytesPerSecond)} MB/s overall; ${formatNumber(s.load.outsideMigrations.megabytesPerSecond)} MB/s outside migrations (${s.load.outsideMigrations.batches} batches), ${formatNumber(s.load.duringMigrations.megabytesPerSecond)} MB/s during them (${s.load.duringMigrations.batches}); settled ${formatNumber(s.settleSeconds)} s after the load. The client was redirected ${s.client.redirects.migrating} times to a migration target, read ${s.client.redirects.fallback} times from a source not yet copied, and fetched the slot table ${s.client.slotTableRefreshes} times.`,
      `Load MB/s by data canister count, outside migrations: ${byCount}. The embedded replica runs all canisters on one thread, so more canisters cannot add throughput here; on the IC they run in parallel.`,
      `Memory: ${formatSize(s.memory.memoryBytes)} of wasm memory for ${formatSize(s.memory.storedBytes)} stored = ${formatNumber(s.memory.memoryPerStoredByte)} B per stored byte (per canister: ${s.memory.canisters.map((c) => formatSize(c.memoryBytes)).join(', ')}).`,
      `Checked: ${formatNumber(s.checkedItems)} items (every key in exactly one canister, and a sample read back).`,
    ],
  };
}
