/**
 * `bigmap bench`: measures BigMap side by side with its baselines on the embedded replica
 * (micro-benchmarks, end to end through the client, scaling through splits, cost) and
 * writes `<date>.json` and `<date>.html` (see bench/run.ts).
 */
import { Option, type Command } from 'commander';
import Table from 'cli-table3';
import type { SuiteName } from '../../bench/options.ts';
import { CliError, EXIT } from '../errors.ts';
import { globals } from '../globals.ts';
import { printJson, progress, type Progress } from '../output.ts';

interface BenchCommandOptions {
  quick?: boolean;
  smoke?: boolean;
  size?: string;
  out: string;
  seed: string;
  suite?: string[];
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure BigMap against its baselines on the embedded replica; writes <date>.json and an HTML report with charts')
    .option('--quick', 'every suite, small enough for about two minutes on 2 cores')
    .addOption(new Option('--smoke', 'every suite with minimal iterations: checks that the benchmarks run (tests use it)').conflicts('quick'))
    .option('--size <bytes>', 'bytes the scaling suite loads, e.g. 256MB or 2GB (default 32MB with --quick, 256MB without)')
    .option('--out <dir>', 'where the JSON and HTML reports go', 'bench/results')
    .option('--seed <n>', 'seed of keys, values and samples', '1')
    .option('--suite <names...>', 'run only these suites: micro, e2e, scaling')
    .action(async (options: BenchCommandOptions, command: Command) => {
      const g = globals(command);
      // Loaded here, not at the top: the benchmarks use devDependencies (benny, chart.js)
      // that an installed `bigmap` does not have, and every other command must still start.
      const { runBenchmarks } = await import('../../bench/run.ts');
      const { parseSize, resolvePlan } = await import('../../bench/options.ts');
      const { reportTables } = await import('../../bench/report/tables.ts');
      const runOptions = {
        preset: options.smoke ? ('smoke' as const) : options.quick ? ('quick' as const) : ('full' as const),
        seed: Number(options.seed),
        ...(options.size === undefined ? {} : { scalingBytes: usage(() => parseSize(options.size!)) }),
        ...(options.suite === undefined ? {} : { suites: options.suite as SuiteName[] }),
        outDir: options.out,
      };
      usage(() => resolvePlan(runOptions));

      const bars = new Map<string, Progress>();
      const { report, jsonPath, htmlPath } = await runBenchmarks({
        ...runOptions,
        onProgress: ({ suite, done, total, note }) => {
          if (!bars.has(suite)) {
            for (const bar of bars.values()) bar.stop();
            bars.set(suite, progress(`bench ${suite}`));
          }
          bars.get(suite)!.update(done, total, note);
        },
      }).finally(() => {
        for (const bar of bars.values()) bar.stop();
      });

      if (g.json) {
        printJson({ jsonPath, htmlPath, report });
        return;
      }
      for (const t of reportTables(report, { all: false })) {
        // Plain borders when piped, so a saved report has no escape codes.
        const table = new Table({ head: t.head, ...(process.stdout.isTTY ? {} : { style: { head: [], border: [] } }) });
        table.push(...t.rows);
        console.log(`\n${t.title}\n${table.toString()}`);
        for (const note of t.notes) console.log(`  ${note}`);
      }
      console.log(`\nwrote ${jsonPath}\nwrote ${htmlPath} (open it in a browser)`);
    });
}

/** Runs `parse`; a TypeError (a bad option) becomes a usage error. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof TypeError) throw new CliError(e.message, EXIT.usage);
    throw e;
  }
}
