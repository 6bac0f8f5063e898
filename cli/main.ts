/**
 * The `bigmap` command: run a local BigMap (`start`), use one (`put`, `get`, `del`,
 * `scan`), administer it (`stats`, `rebalance`, `upgrade`), measure it (`bench`) and fill
 * it with Ethereum data (`import-eth`, `eth`).
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { registerAdminCommands } from './commands/admin.ts';
import { registerBenchCommand } from './commands/bench.ts';
import { registerDataCommands } from './commands/data.ts';
import { registerEthCommands } from './commands/eth.ts';
import { registerStartCommand } from './commands/start.ts';
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

registerStartCommand(program);
registerDataCommands(program);
registerAdminCommands(program);
registerBenchCommand(program);
registerEthCommands(program);

// The agent prints some failures (a canister outside the subnet's ranges) straight to the
// console with a stack trace; the CLI reports them in its own error line instead.
const verbose = process.argv.includes('--verbose');
if (!verbose) console.warn = () => {};

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT.usage;
  } else {
    console.error(renderError(error, verbose));
    process.exitCode = exitCodeOf(error);
  }
}
