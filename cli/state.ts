/**
 * The state directory of a local BigMap (`--state`, default `.bigmap`):
 *
 * ```
 * .bigmap/
 *   network.json    where the running BigMap is: { url, indexCanisterId }
 *   identity.pem    the owner's key (Ed25519, PKCS#8 PEM, mode 0600)
 *   replica/        the replica's checkpoints
 * ```
 */
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, EXIT } from './errors.ts';

export const DEFAULT_STATE_DIR = '.bigmap';

export interface NetworkFile {
  url: string;
  indexCanisterId: string;
}

export const statePaths = (dir: string) => ({
  network: join(dir, 'network.json'),
  identity: join(dir, 'identity.pem'),
  replica: join(dir, 'replica'),
});

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

/** Reads an Ed25519 identity from a PKCS#8 PEM file (as `bigmap start` and `dfx identity new --storage-mode plaintext` write). */
export function loadIdentity(path: string): Ed25519KeyIdentity {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(`Cannot read the identity file ${path}.`, EXIT.usage);
  }
  let jwk: { d?: string; crv?: string };
  try {
    jwk = createPrivateKey(pem).export({ format: 'jwk' }) as { d?: string; crv?: string };
  } catch (e) {
    throw new CliError(`${path} is not a PEM private key (${(e as Error).message}).`, EXIT.usage);
  }
  if (jwk.crv !== 'Ed25519' || !jwk.d) throw new CliError(`${path} holds a ${jwk.crv ?? 'non-Ed25519'} key; bigmap reads Ed25519 keys (dfx identity new --storage-mode plaintext writes one).`, EXIT.usage);
  return Ed25519KeyIdentity.fromSecretKey(Buffer.from(jwk.d, 'base64url'));
}

/** Creates the owner's identity file (mode 0600) if the state directory has none. */
export function ensureOwnerIdentity(dir: string): Ed25519KeyIdentity {
  const path = statePaths(dir).identity;
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }
  return loadIdentity(path);
}
