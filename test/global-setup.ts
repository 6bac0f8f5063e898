/**
 * Runs once before the test files: compiles BigMap's canisters into the cache so that
 * parallel test workers find them there instead of each compiling its own copy.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIGMAP_CANISTERS, REPO_ROOT, compileBigMapCanister, type BigMapCanisterName } from '../canisters/build.ts';

export default function setup(): void {
  for (const name of Object.keys(BIGMAP_CANISTERS) as BigMapCanisterName[]) {
    if (existsSync(join(REPO_ROOT, 'canisters', BIGMAP_CANISTERS[name]))) compileBigMapCanister(name);
  }
}
