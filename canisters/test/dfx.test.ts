/**
 * `dfx deploy` builds the index from dfx.json with mops' mo:core: the entry point must be
 * the index the tests run, and mops.toml must pin the mo:core the npm build uses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIGMAP_CANISTERS, REPO_ROOT } from '../build.ts';

describe('dfx.json', () => {
  it('deploys the index canister the tests run', () => {
    const dfx = JSON.parse(readFileSync(join(REPO_ROOT, 'dfx.json'), 'utf8')) as { canisters: Record<string, { type: string; main: string }>; defaults: { build: { packtool: string } } };
    expect(dfx.canisters.bigmap_index).toMatchObject({ type: 'motoko', main: `canisters/${BIGMAP_CANISTERS.index}` });
    expect(dfx.defaults.build.packtool).toBe('mops sources');
  });

  it('pins the mo:core that the npm build compiles with', () => {
    const bundled = (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'motoko', 'packages', 'latest', 'core.json'), 'utf8')) as { version: string }).version;
    const pinned = /^core\s*=\s*"([^"]+)"/m.exec(readFileSync(join(REPO_ROOT, 'mops.toml'), 'utf8'))?.[1];
    expect(`v${pinned}`).toBe(bundled);
  });
});
