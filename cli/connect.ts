/**
 * Which BigMap a data command talks to: the local one recorded in `<state>/network.json`
 * by `bigmap start` (the default), or `--network <url|ic> --index <id>` for dfx, PocketIC
 * or mainnet; as `--identity <pem>`, or the state directory's owner identity, or anonymous.
 */
import type { Identity } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { existsSync } from 'node:fs';
import { BigMap, MAINNET_HOST, loadPemIdentity } from '../client/index.ts';
import { CliError, EXIT } from './errors.ts';
import { readNetwork, statePaths } from './state.ts';

export interface ConnectionOptions {
  state: string;
  network?: string;
  index?: string;
  identity?: string;
}

export async function connect(options: ConnectionOptions): Promise<BigMap> {
  let url: string;
  let indexCanisterId: string;
  if (options.network) {
    if (!options.index) throw new CliError('--network needs --index <canister id> (the BigMap index canister).', EXIT.usage);
    url = options.network === 'ic' ? MAINNET_HOST : options.network;
    indexCanisterId = options.index;
  } else {
    const network = readNetwork(options.state);
    if (!network) {
      throw new CliError(`No local BigMap in ${options.state}: start one with \`npx bigmap start\`, or give --network <url> --index <id>.`, EXIT.unreachable);
    }
    url = network.url;
    indexCanisterId = options.index ?? network.indexCanisterId;
  }
  try {
    Principal.fromText(indexCanisterId);
  } catch {
    throw new CliError(`${JSON.stringify(indexCanisterId)} is not a canister id (one looks like bkyz2-fmaaa-aaaaa-qaaaq-cai).`, EXIT.usage);
  }
  const identity = resolveIdentity(options);
  try {
    return await BigMap.connect({ host: url, indexCanisterId, ...(identity ? { identity } : {}), options: { retryBudgetMs: 5_000 } });
  } catch (e) {
    const reason = e instanceof Error && e.cause instanceof Error ? e.cause.message : String(e);
    if (/fetch failed|ECONNREFUSED|Could not reach/i.test(reason)) {
      throw new CliError(`No replica answers at ${url}${options.network ? '' : ' (is `npx bigmap start` running?)'}.`, EXIT.unreachable);
    }
    throw e;
  }
}

function resolveIdentity(options: ConnectionOptions): Identity | undefined {
  if (options.identity) return loadPemIdentity(options.identity);
  const owner = statePaths(options.state).identity;
  return !options.network && existsSync(owner) ? loadPemIdentity(owner) : undefined;
}
