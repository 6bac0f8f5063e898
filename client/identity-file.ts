/**
 * Identities in PEM files: the Ed25519 PKCS#8 keys `bigmap start` creates and
 * `dfx identity new --storage-mode plaintext` writes.
 */
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BigMapError } from './errors/index.ts';

/** An identity file cannot be read or holds no Ed25519 key. */
export class IdentityFileError extends BigMapError {
  override name = 'IdentityFileError';
}

/** Reads an Ed25519 identity from a PKCS#8 PEM file. @throws IdentityFileError */
export function loadPemIdentity(path: string): Ed25519KeyIdentity {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch {
    throw new IdentityFileError(`Cannot read the identity file ${path}.`);
  }
  let jwk: { d?: string; crv?: string };
  try {
    jwk = createPrivateKey(pem).export({ format: 'jwk' }) as { d?: string; crv?: string };
  } catch (e) {
    throw new IdentityFileError(`${path} is not a PEM private key (${(e as Error).message}).`);
  }
  if (jwk.crv !== 'Ed25519' || !jwk.d) {
    throw new IdentityFileError(`${path} holds a ${jwk.crv ?? 'non-Ed25519'} key; BigMap reads Ed25519 keys (dfx identity new --storage-mode plaintext writes one).`);
  }
  return Ed25519KeyIdentity.fromSecretKey(Buffer.from(jwk.d, 'base64url'));
}

/** Loads the identity in `path`, creating a new Ed25519 key there first (mode 0600) if there is none. */
export function ensurePemIdentity(path: string): Ed25519KeyIdentity {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }
  return loadPemIdentity(path);
}
