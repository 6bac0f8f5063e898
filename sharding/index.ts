/**
 * `bigmap/sharding`: where a key lives. Key encoding and slot routing (`key.ts`),
 * order-preserving sort keys (`sort-key.ts`), xxHash64 (`hash.ts`), the slot table
 * (`slot-table.ts`) and migration planning (`planner.ts`). Pure and synchronous; the
 * Motoko twins in `canisters/lib/` compute the same bytes. See `DESIGN.md`.
 */
export { compareBytes } from './bytes.ts';
export { InvalidKeyError, SlotTableError, type InvalidKeyCode } from './errors.ts';
export { xxh64 } from './hash.ts';
export {
  decodeKey,
  encodeKey,
  KEY_FRAMING_BYTES,
  keyInRange,
  MAX_COLLECTION_BYTES,
  MAX_KEY_BYTES,
  MAX_PARTITION_BYTES,
  partitionPrefix,
  partitionRange,
  SLOT_COUNT,
  slotOf,
  slotRange,
  validateKey,
  type DecodedKey,
  type Key,
  type KeyRange,
  type Slot,
  type SortBounds,
} from './key.ts';
export {
  planRebalance,
  planSplit,
  type CanisterLoad,
  type RebalanceMove,
  type RebalanceOptions,
  type SlotBytes,
  type SplitPlan,
  type UnsplittableReason,
} from './planner.ts';
export { sortKey } from './sort-key.ts';
export { MAX_CANISTERS, SlotTable, type CanisterId, type SlotRange, type SlotState } from './slot-table.ts';
