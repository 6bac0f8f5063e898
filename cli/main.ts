/**
 * The `bigmap` command: run a local BigMap (`start`), use one (`put`, `get`, `del`,
 * `scan`), administer it (`stats`, `rebalance`, `upgrade`), measure it (`bench`) and fill
 * it with Ethereum data (`import-eth`, `eth`).
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { registerAdminCommands } from './commands/admin.ts';
import { registerDataCommands } from './commands/data.ts';
import { EXIT, exitCodeOf, renderError } from './errors.ts';
import { DEFAULT_STATE_DIR } from './state.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const program = new Command()
  .name('bigmap')
  .description('BigMap: a horizontally scalable key-value store on the Internet Computer')
  .version(version)
  .option('--state <dir>', 'state directory of the local BigMap', DEFAULT_STATE_DIR)
  .option('--network <url>', 'a replica URL (dfx, PocketIC) or "ic" for mainnet, instead of the local BigMap')
  .option('--index <id>', 'the BigMap index canister (with --network)')
  .option('--identity <pem>', 'act as this identity (an Ed25519 PEM file)')
  .option('--collection <name>', 'collection for data commands', 'default')
  .option('--json', 'machine-readable output')
  .option('--verbose', 'details and causes of errors')
  .showHelpAfterError()
  .exitOverride();

registerDataCommands(program);
registerAdminCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT.usage;
  } else {
    console.error(renderError(error, process.argv.includes('--verbose')));
    process.exitCode = exitCodeOf(error);
  }
}
