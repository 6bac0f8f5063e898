/**
 * The Motoko sharding modules of `canisters/lib/`, compiled to wasm and run on the embedded
 * replica, against `sharding/vectors.json`: every vector's outputs are recomputed by the
 * ShardingVectors test canister and compared with what is on file, the same comparison
 * `sharding/vectors.test.ts` makes for the TypeScript implementation. A changed hash, key
 * byte, error text or plan in either language is a failing diff that names the vector.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileMotoko, type CompiledCanister } from '../build.ts';
import { Replica } from '../../replica/index.ts';
import type { ShardingVectors } from '../../sharding/vectors.ts';
import { canisterEvaluators, shardingVectorsIdlFactory, type ShardingVectorsEvaluators, type ShardingVectorsService } from './sharding-vectors-canister.ts';

const vectors = JSON.parse(readFileSync(new URL('../../sharding/vectors.json', import.meta.url), 'utf8')) as ShardingVectors;

let compiled: CompiledCanister;
let evaluate: ShardingVectorsEvaluators;
beforeAll(async () => {
  compiled = compileMotoko('test/ShardingVectors.mo');
  const replica = await Replica.create();
  const canisterId = await replica.setupCanister({ wasm: compiled.wasm });
  evaluate = canisterEvaluators(replica.createActor<ShardingVectorsService>(shardingVectorsIdlFactory, canisterId));
  return () => replica.close();
});

/** Every vector of one kind, recomputed on the canister one call at a time. */
async function onCanister<V>(kind: readonly V[], evaluator: (v: V) => Promise<V>): Promise<V[]> {
  const results: V[] = [];
  for (const v of kind) results.push(await evaluator(v));
  return results;
}

describe('ShardingVectors canister on the replica', () => {
  it('xxh64 gives the recorded hash for every input and seed', async () => {
    expect(await onCanister(vectors.xxh64, evaluate.xxh64)).toEqual(vectors.xxh64);
  });

  it('slotOf gives the recorded slot or error', async () => {
    expect(await onCanister(vectors.slotOf, evaluate.slotOf)).toEqual(vectors.slotOf);
  });

  it('encodeKey gives the recorded bytes or error', async () => {
    expect(await onCanister(vectors.encodeKey, evaluate.encodeKey)).toEqual(vectors.encodeKey);
  });

  it('decodeKey gives the recorded parts or error', async () => {
    expect(await onCanister(vectors.decodeKey, evaluate.decodeKey)).toEqual(vectors.decodeKey);
  });

  it('partitionRange gives the recorded bounds or error', async () => {
    expect(await onCanister(vectors.partitionRange, evaluate.partitionRange)).toEqual(vectors.partitionRange);
  });

  it('slotRange gives the recorded bounds', async () => {
    expect(await onCanister(vectors.slotRange, evaluate.slotRange)).toEqual(vectors.slotRange);
  });

  it('planSplit makes the recorded decisions', async () => {
    expect(await onCanister(vectors.planSplit, evaluate.planSplit)).toEqual(vectors.planSplit);
  });

  it('planRebalance makes the recorded moves', async () => {
    expect(await onCanister(vectors.planRebalance, evaluate.planRebalance)).toEqual(vectors.planRebalance);
  });

  it('slot table operations replayed by replaySlotTable give the recorded version and ranges or error', async () => {
    expect(await onCanister(vectors.slotTable, evaluate.slotTable)).toEqual(vectors.slotTable);
  });

  it('keeps the Candid interface on file, so a change to a method is reviewed', () => {
    expect(compiled.candid).toMatchSnapshot();
  });
});
