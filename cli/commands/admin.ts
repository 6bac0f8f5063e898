/** Commands about the BigMap as a whole: `stats`, `rebalance`, `upgrade`. */
import type { Command } from 'commander';
import Table from 'cli-table3';
import { connect } from '../connect.ts';
import { globals } from '../globals.ts';
import { formatBytes, printJson, progress } from '../output.ts';

export function registerAdminCommands(program: Command): void {
  program
    .command('stats')
    .description('show every data canister: keys, bytes, memory, slots, cycles; and migrations in progress')
    .action(async (_options: unknown, command: Command) => {
      const g = globals(command);
      const stats = await (await connect(g)).stats();
      if (g.json) {
        printJson(stats);
        return;
      }
      const table = new Table({ head: ['data canister', 'keys', 'stored', 'memory', 'slots', 'cycles'] });
      for (const c of stats.canisters) {
        table.push([c.reachable ? c.id : `${c.id} (unreachable)`, c.keys.toString(), formatBytes(c.bytes), formatBytes(c.memoryBytes), c.slots.toString(), `${(Number(c.cycles) / 1e12).toFixed(2)} T`]);
      }
      console.log(table.toString());
      console.log(`slot table version ${stats.version}, capacity ${formatBytes(stats.capacityBytes)} per data canister`);
      for (const m of stats.migrations) {
        console.log(`migration ${m.id > 0n ? m.id : '(queued)'} ${m.reason}: ${m.slots} slots ${m.from} → ${m.to}, ${m.phase}, ${formatBytes(m.copiedBytes)} of ${formatBytes(m.plannedBytes)} copied${m.lastError ? ` (retrying: ${m.lastError})` : ''}`);
      }
    });

  program
    .command('rebalance')
    .description('even out the stored bytes across data canisters (owners only)')
    .option('--tolerance <fraction>', 'accepted spread as a fraction of the mean load', '0.1')
    .action(async (options: { tolerance: string }, command: Command) => {
      const g = globals(command);
      const bar = progress('rebalancing');
      const result = await (await connect(g))
        .rebalance({ tolerance: Number(options.tolerance), onProgress: (p) => bar.update(p.done, p.total, p.active ? `${p.active.phase} ${formatBytes(p.active.copiedBytes)}` : '') })
        .finally(() => bar.stop());
      if (g.json) printJson(result);
      else console.log(result.moves === 0 ? 'already balanced' : `moved ${formatBytes(result.bytes)} in ${result.moves} migration(s)`);
    });

  program
    .command('upgrade')
    .description('upgrade every data canister to the wasm the index carries, one at a time (owners only)')
    .action(async (_options: unknown, command: Command) => {
      const g = globals(command);
      const bar = progress('upgrading');
      const result = await (await connect(g)).upgradeDataCanisters({ onProgress: (p) => bar.update(p.done, p.total, p.current ?? '') }).finally(() => bar.stop());
      if (g.json) printJson(result);
      else console.log(`upgraded ${result.upgraded.length} data canister(s)`);
    });
}
