/**
 * The state directory of a local BigMap (`--state`, default `.bigmap`): what
 * `BigMap.local({ stateDir })` keeps there (client/local-paths.ts: the replica's
 * checkpoints, the owner's identity, the index id), and `network.json`, where
 * `bigmap start` says the running BigMap is: `{ url, indexCanisterId }`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localStatePaths } from '../client/index.ts';
import { CliError } from './errors.ts';

export const DEFAULT_STATE_DIR = '.bigmap';

export interface NetworkFile {
  url: string;
  indexCanisterId: string;
}

export const statePaths = (dir: string) => ({ ...localStatePaths(dir), network: join(dir, 'network.json') });

export function readNetwork(dir: string): NetworkFile | undefined {
  const path = statePaths(dir).network;
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as NetworkFile;
  } catch (e) {
    throw new CliError(`${path} is not valid JSON (${(e as Error).message}); delete it and run \`bigmap start\` again.`);
  }
}

export function writeNetwork(dir: string, network: NetworkFile): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(statePaths(dir).network, `${JSON.stringify(network, null, 2)}\n`);
}
