/** Keys, item numbers (which choose the values, see lib/values.ts) and item counts of the end-to-end suite. */
import type { EndToEndPlan } from '../options.ts';
import type { Mode, TargetName } from './target.ts';

/** The key of item `i` of a cell: unique per target, value size and mode. */
export function cellKey(target: TargetName, valueBytes: number, mode: Mode, i: number): string {
  return `${target}/${valueBytes}/${mode}/${i}`;
}

/** Item numbers are unique per mode; values of different sizes differ in length anyway. */
export function itemNumber(mode: Mode, i: number): number {
  const modeIndex: Record<Mode, number> = { single: 0, coalesced: 1, batch: 2, pages: 3 };
  return modeIndex[mode] * 1_000_000 + i;
}

/** Items in a cell of `mode` at `valueBytes`: large values get fewer, within `maxCellBytes`. */
export function itemsPerCell(plan: EndToEndPlan, mode: Mode, valueBytes: number): number {
  if (mode === 'single') return plan.singleOps;
  return Math.max(1, Math.min(plan.groupItems, Math.floor(plan.maxCellBytes / valueBytes)));
}

/** Items per burst (coalesced) or per `*Many` call (batch). */
export function groupSize(plan: EndToEndPlan, items: number): number {
  return Math.ceil(items / plan.groupsPerCell);
}
