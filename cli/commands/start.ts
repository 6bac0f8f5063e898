/**
 * `bigmap start`: a local BigMap on the embedded replica, served on 127.0.0.1 for the data
 * commands, the SDK and dfx-style tools, until SIGINT or SIGTERM. Its state lives in the
 * state directory (see ../state.ts) unless `--in-memory`.
 */
import type { Command } from 'commander';
import { BigMap, ensurePemIdentity, type LocalBigMap } from '../../client/index.ts';
import { DEFAULT_PORT, listen, type ReplicaServer } from '../../replica/index.ts';
import { CliError, EXIT } from '../errors.ts';
import { globals } from '../globals.ts';
import { printJson } from '../output.ts';
import { statePaths, writeNetwork } from '../state.ts';

interface StartOptions {
  port: string;
  inMemory?: boolean;
  checkpointInterval: string;
  durability: 'interval' | 'every-update';
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run a local BigMap on the embedded replica until Ctrl+C (state kept in --state)')
    .option('--port <port>', 'TCP port on 127.0.0.1', String(DEFAULT_PORT))
    .option('--in-memory', 'keep nothing on disk: the data ends with the process')
    .option('--checkpoint-interval <ms>', 'milliseconds between checkpoints; a crash loses at most this much', '1000')
    .option('--durability <mode>', '"interval", or "every-update": answer an update only once it is on disk', 'interval')
    .action(async (options: StartOptions, command: Command) => {
      const g = globals(command);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a port number, not ${options.port}.`, EXIT.usage);
      const checkpointIntervalMs = Number(options.checkpointInterval);
      if (!(checkpointIntervalMs > 0)) throw new CliError(`--checkpoint-interval must be a positive number of milliseconds, not ${options.checkpointInterval}.`, EXIT.usage);
      if (options.durability !== 'interval' && options.durability !== 'every-update') {
        throw new CliError(`--durability must be "interval" or "every-update", not ${options.durability}.`, EXIT.usage);
      }

      const local = await BigMap.local({
        // The owner's key lives in the state directory even --in-memory, so data commands act as the owner.
        identity: ensurePemIdentity(statePaths(g.state).identity),
        ...(options.inMemory ? {} : { stateDir: g.state }),
        replica: { checkpointIntervalMs, durability: options.durability },
      });
      let server: ReplicaServer;
      try {
        server = await listen(local.replica, { port });
      } catch (e) {
        await local.close();
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new CliError(`Port ${port} is in use (another \`bigmap start\`, or dfx?); choose another with --port.`, EXIT.usage);
        throw e;
      }
      writeNetwork(g.state, { url: server.url, indexCanisterId: local.indexCanisterId.toText() });
      announce(local, server, g.json, options.inMemory ? undefined : g.state);
      await untilSignal();
      await server.close();
      await local.close();
      if (!g.json) console.log(options.inMemory ? 'Stopped.' : `Stopped; the state is saved in ${g.state}.`);
    });
}

function announce(local: LocalBigMap, server: ReplicaServer, json: boolean, stateDir: string | undefined): void {
  const owner = local.identity.getPrincipal().toText();
  if (json) {
    printJson({ url: server.url, indexCanisterId: local.indexCanisterId.toText(), owner, stateDir: stateDir ?? null, restored: local.restored });
    return;
  }
  console.log(`BigMap is running at ${server.url}`);
  console.log(`  index canister  ${local.indexCanisterId.toText()}`);
  console.log(`  owner           ${owner}`);
  console.log(`  state           ${stateDir ? `${stateDir} (${local.restored ? 'restored' : 'new'})` : 'in memory: nothing is kept'}`);
  console.log('Try `npx bigmap put hello world` in another terminal. Stop with Ctrl+C.');
}

/** A signal this soon after the first is the same Ctrl+C, delivered twice (by a wrapper too). */
const DUPLICATE_SIGNAL_MS = 500;

/**
 * Resolves on the first SIGINT or SIGTERM. Later SIGTERMs are ignored while the last
 * checkpoint is written; a second Ctrl+C exits at once (the state directory stays
 * restorable: checkpoints are crash-safe).
 */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    let stoppingSince: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stoppingSince === undefined) {
        stoppingSince = Date.now();
        resolve();
      } else if (signal === 'SIGINT' && Date.now() - stoppingSince > DUPLICATE_SIGNAL_MS) {
        console.error('Interrupted again: exiting without the last checkpoint.');
        process.exit(130);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
