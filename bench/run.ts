/**
 * The one runner behind `bigmap bench`: runs the suites of a {@link BenchPlan} in one
 * process, puts their results side by side in one report, and writes it as JSON and as an
 * HTML page with charts.
 *
 * @example
 * const { report, jsonPath, htmlPath } = await runBenchmarks({ preset: 'quick', outDir: 'bench/results' });
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ANCHORS } from './anchors.ts';
import { costReport, type CostResult } from './cost.ts';
import { runEndToEnd, type EndToEndResult } from './e2e/suite.ts';
import { benchEnvironment, type BenchEnvironment } from './lib/environment.ts';
import { runMicro, type MicroResult } from './micro/suite.ts';
import { resolvePlan, type BenchOptions, type BenchPlan, type SuiteName } from './options.ts';
import { renderHtml } from './report/html.ts';
import { runScaling, type ScalingResult } from './scaling/suite.ts';

/** Version of the report's JSON shape; bump it when a field changes meaning or goes away. */
export const REPORT_VERSION = 1;

export interface BenchReport {
  version: typeof REPORT_VERSION;
  /** Machine, Node, commit, and when the run started. */
  environment: BenchEnvironment;
  seed: number;
  /** Everything the run was told and derived: preset, suites, sizes, counts. */
  options: BenchPlan;
  durationSeconds: number;
  /** Each suite's result, or null when it did not run. */
  micro: MicroResult[] | null;
  endToEnd: EndToEndResult | null;
  scaling: ScalingResult | null;
  /** Needs the end-to-end suite; storage cost also needs the scaling suite. */
  cost: CostResult | null;
  anchors: typeof ANCHORS;
}

export interface BenchProgress {
  suite: SuiteName;
  done: number;
  total: number;
  note: string;
}

export interface RunOptions extends BenchOptions {
  /** Where the JSON and HTML reports go. @default 'bench/results' (relative to the working directory) */
  readonly outDir?: string;
  readonly onProgress?: (progress: BenchProgress) => void;
}

export interface BenchRun {
  report: BenchReport;
  jsonPath: string;
  htmlPath: string;
}

export async function runBenchmarks(options: RunOptions = {}): Promise<BenchRun> {
  const plan = resolvePlan(options);
  const environment = benchEnvironment();
  const started = performance.now();
  const progress = (suite: SuiteName) => (done: number, total: number, note: string) => options.onProgress?.({ suite, done, total, note });
  const runs = (suite: SuiteName) => plan.suites.includes(suite);

  const micro = runs('micro') ? await runMicro(plan.micro, plan.seed, progress('micro')) : null;
  const endToEnd = runs('e2e') ? await runEndToEnd(plan.endToEnd, plan.seed, progress('e2e')) : null;
  const scaling = runs('scaling') ? await runScaling(plan.scaling, plan.seed, progress('scaling')) : null;
  const report: BenchReport = {
    version: REPORT_VERSION,
    environment,
    seed: plan.seed,
    options: plan,
    durationSeconds: (performance.now() - started) / 1000,
    micro,
    endToEnd,
    scaling,
    cost: endToEnd ? costReport(endToEnd.cells, scaling?.memory.memoryPerStoredByte) : null,
    anchors: ANCHORS,
  };

  const dir = resolve(options.outDir ?? join('bench', 'results'));
  mkdirSync(dir, { recursive: true });
  // A quick or smoke run must not overwrite the full run of the same day.
  const name = `${report.environment.date.slice(0, 10)}${plan.preset === 'full' ? '' : `-${plan.preset}`}`;
  const jsonPath = join(dir, `${name}.json`);
  const htmlPath = join(dir, `${name}.html`);
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(htmlPath, renderHtml(report));
  return { report, jsonPath, htmlPath };
}
