/**
 * Published figures the report puts next to BigMap's, from shared/reference/anchors.md
 * (each with its source there).
 */
export const ANCHORS = {
  putInstructions: 'StableBTreeMap insert, 32 B key / 128 B value: ≈44.9K instr (canbench); CanDB batch insert: 18K–37K per entity; classes example put: 16.3K',
  getInstructions: 'StableBTreeMap get, 32 B / 128 B: ≈24.5K instr; CanDB get: 7K–17.5K; classes example get: 16.9K',
  coreMap: 'core/Map add + get + delete of 500k keys: 26.66B instr ≈ 53.3K per key (motoko-hamt README)',
  latency: 'IC mainnet: query ≈100 ms, update ≈2 s on lightly loaded subnets (internetcomputer.org troubleshooting)',
  storage: '127,000 cycles per GiB per second ≈ 329B cycles per GiB-month ≈ $0.45 (cycle-costs.md)',
  capacity: 'per canister: OpenChat bucket 16 GiB; bigmap-poc splits at 3 GiB; CanDB stops inserts at 1.25 GB heap',
  split: 'bigmap-poc moves the out-of-range half in 1 MiB batches; CanDB and OpenChat never rebalance',
} as const;
