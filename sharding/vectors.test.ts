/**
 * The TypeScript implementation against the committed `vectors.json`: every vector's
 * outputs are recomputed from its inputs and compared with what is on file, so a changed
 * hash, key byte, error text or plan shows as a failing diff naming the vector.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildVectors, formatVectors } from './generate-vectors.ts';
import {
  evaluateDecodeKey,
  evaluateEncodeKey,
  evaluatePartitionRange,
  evaluatePlanRebalance,
  evaluatePlanSplit,
  evaluateSlotOf,
  evaluateSlotRange,
  evaluateSlotTable,
  evaluateXxh64,
  type ShardingVectors,
} from './vectors.ts';

const vectorsText = readFileSync(new URL('./vectors.json', import.meta.url), 'utf8');
const vectors = JSON.parse(vectorsText) as ShardingVectors;

describe('vectors.json', () => {
  it('xxh64 gives the recorded hash for every input and seed', () => {
    expect(vectors.xxh64.map(evaluateXxh64)).toEqual(vectors.xxh64);
  });

  it('slotOf gives the recorded slot or error', () => {
    expect(vectors.slotOf.map(evaluateSlotOf)).toEqual(vectors.slotOf);
  });

  it('encodeKey gives the recorded bytes or error', () => {
    expect(vectors.encodeKey.map(evaluateEncodeKey)).toEqual(vectors.encodeKey);
  });

  it('decodeKey gives the recorded parts or error', () => {
    expect(vectors.decodeKey.map(evaluateDecodeKey)).toEqual(vectors.decodeKey);
  });

  it('partitionRange gives the recorded bounds or error', () => {
    expect(vectors.partitionRange.map(evaluatePartitionRange)).toEqual(vectors.partitionRange);
  });

  it('slotRange gives the recorded bounds', () => {
    expect(vectors.slotRange.map(evaluateSlotRange)).toEqual(vectors.slotRange);
  });

  it('planSplit makes the recorded decisions', () => {
    expect(vectors.planSplit.map(evaluatePlanSplit)).toEqual(vectors.planSplit);
  });

  it('planRebalance makes the recorded moves', () => {
    expect(vectors.planRebalance.map(evaluatePlanRebalance)).toEqual(vectors.planRebalance);
  });

  it('slot table operations give the recorded version and ranges or error', () => {
    expect(vectors.slotTable.map(evaluateSlotTable)).toEqual(vectors.slotTable);
  });

  it('the committed file is exactly what generate-vectors.ts writes (inputs were not edited by hand)', () => {
    expect(formatVectors(buildVectors())).toBe(vectorsText);
  });

  it('covers every xxh64 length class the algorithm branches on', () => {
    const lengths = new Set(vectors.xxh64.map((v) => v.input.length / 2));
    for (const length of [0, 1, 3, 4, 8, 31, 32, 33, 64, 100, 1000]) expect(lengths).toContain(length);
  });
});
