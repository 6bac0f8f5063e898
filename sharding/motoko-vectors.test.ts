/**
 * The Motoko twins in `canisters/lib/` against `vectors.json`, until the embedded replica
 * can run `canisters/test/ShardingVectors.mo`: the modules run in the `motoko` package's
 * interpreter (see `check-motoko-vectors.ts`), and the test canister is compiled to wasm.
 */
import { describe, expect, it } from 'vitest';
import { compileMotoko } from '../canisters/build.ts';
import { runMotokoVectors } from './check-motoko-vectors.ts';

describe('Motoko sharding modules', () => {
  it('compute every vector in vectors.json exactly as TypeScript does', async () => {
    const run = await runMotokoVectors();
    expect(run.stderr).toBe('');
    expect(run.actual).toEqual(run.expected);
  });

  it('compile into the ShardingVectors test canister with a stable Candid interface', () => {
    const compiled = compileMotoko('test/ShardingVectors.mo');
    expect(compiled.wasm.length).toBeGreaterThan(0);
    expect(compiled.candid).toMatchSnapshot();
  });
});
