import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.ts';

/** Tasks that record when they start; each resolves to its index after a tick. */
function recordedTasks(count: number, fail?: number) {
  const started: number[] = [];
  const tasks = Array.from({ length: count }, (_, i) => async () => {
    started.push(i);
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (i === fail) throw new Error(`task ${i} failed`);
    return i;
  });
  return { started, tasks };
}

describe('readAhead', () => {
  it('yields results in order, with at most `ahead` tasks started past the one consumed', async () => {
    const { started, tasks } = recordedTasks(10);
    const seen: Array<[result: number, started: number]> = [];
    for await (const result of readAhead(tasks, 2)) seen.push([result, started.length]);
    expect(seen.map(([r]) => r)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const [result, startedCount] of seen) expect(startedCount).toBeLessThanOrEqual(result + 3);
  });

  it('starts no further task once the consumer stops', async () => {
    const { started, tasks } = recordedTasks(10);
    for await (const result of readAhead(tasks, 1)) if (result === 2) break;
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('rethrows a failed task at its turn, after the results before it', async () => {
    const { tasks } = recordedTasks(5, 3);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const result of readAhead(tasks, 4)) seen.push(result);
      })(),
    ).rejects.toThrow('task 3 failed');
    expect(seen).toEqual([0, 1, 2]);
  });
});
