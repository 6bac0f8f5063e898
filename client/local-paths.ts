/**
 * The files of a local BigMap's state directory (`BigMap.local({ stateDir })`, `bigmap start`):
 *
 * ```
 * <stateDir>/replica/       the replica's checkpoints (replica/state/state-directory.ts)
 * <stateDir>/identity.pem   the owner's key, unless an identity is given (Ed25519, mode 0600)
 * <stateDir>/index.json     { "indexCanisterId": "…" }
 * ```
 */
import { join } from 'node:path';

export function localStatePaths(stateDir: string): { replica: string; identity: string; index: string } {
  return { replica: join(stateDir, 'replica'), identity: join(stateDir, 'identity.pem'), index: join(stateDir, 'index.json') };
}
