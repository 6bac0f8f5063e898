/**
 * Options of {@link importChain}, with their defaults. Block numbers are inclusive, times
 * are in milliseconds.
 */

/** Where an import stands, after each stored batch of blocks. */
export interface ImportProgress {
  chainId: number;
  /** The first block this run imports (after the blocks already stored). */
  fromBlock: number;
  toBlock: number;
  /** The last block now stored. */
  lastBlock: number;
  /** Blocks stored by this run so far, of `blocksTotal`. */
  blocksDone: number;
  blocksTotal: number;
  transactions: number;
  logs: number;
  transfers: number;
  /** Bytes of keys and values written so far. */
  bytes: number;
  elapsedMs: number;
}

export interface ImportOptions {
  /** The node's JSON-RPC URL (http or https). */
  readonly rpcUrl: string;
  /** First block to import. */
  readonly fromBlock: bigint | number;
  /** Last block to import, or `'latest'`: the node's head when the import starts. */
  readonly toBlock: bigint | number | 'latest';
  /**
   * Store under this chain id instead of the node's `eth_chainId`: keeps two local chains
   * that share an id (two anvil runs are both 31337) apart.
   * @default the node's chain id
   */
  readonly chainId?: number;
  /**
   * Blocks read and written together. One batch is one round of JSON-RPC batch calls (two
   * requests per block) and one round of BigMap writes, after which progress is saved:
   * larger batches mean fewer calls, smaller ones less work lost to a crash.
   * Minimum: 1.
   * @default 20
   */
  readonly blocksPerBatch?: number;
  /**
   * Batches read from the node ahead of the one being written, so reading and writing
   * overlap. Memory holds at most `(batchesAhead + 1) × blocksPerBatch` blocks.
   * Minimum: 0.
   * @default 2
   */
  readonly batchesAhead?: number;
  /**
   * Most JSON-RPC requests in one HTTP call to the node (two per block: the block and its
   * receipts). One call's answer must stay under viem's 10 MiB limit for an HTTP response:
   * a block of 150 transactions with its receipts is about 360 KB of JSON. The calls of a
   * batch go out in parallel.
   * Minimum: 1.
   * @default 10
   */
  readonly rpcBatchSize?: number;
  /**
   * Timeout of one HTTP call to the node, in ms. A batch of large blocks is a large answer.
   * @default 30_000
   */
  readonly rpcTimeoutMs?: number;
  /** Stops the import after the batch being written; the progress saved so far stays. */
  readonly signal?: AbortSignal;
  /** Called after each stored batch. */
  readonly onProgress?: (progress: ImportProgress) => void;
}

export const DEFAULT_IMPORT_OPTIONS = {
  blocksPerBatch: 20,
  batchesAhead: 2,
  rpcBatchSize: 10,
  rpcTimeoutMs: 30_000,
} as const;

export interface ResolvedImportOptions extends Required<Pick<ImportOptions, 'rpcUrl' | 'blocksPerBatch' | 'batchesAhead' | 'rpcBatchSize' | 'rpcTimeoutMs'>> {
  readonly fromBlock: number;
  readonly toBlock: number | 'latest';
  readonly chainId: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: ImportProgress) => void) | undefined;
}

/** Merges `options` over the defaults and checks them. @throws TypeError naming a bad option */
export function resolveImportOptions(options: ImportOptions): ResolvedImportOptions {
  const resolved = { ...DEFAULT_IMPORT_OPTIONS, ...definedOnly(options) };
  return {
    rpcUrl: resolved.rpcUrl,
    fromBlock: blockNumber('fromBlock', resolved.fromBlock),
    toBlock: resolved.toBlock === 'latest' ? 'latest' : blockNumber('toBlock', resolved.toBlock),
    chainId: resolved.chainId === undefined ? undefined : integerAtLeast('chainId', resolved.chainId, 1),
    blocksPerBatch: integerAtLeast('blocksPerBatch', resolved.blocksPerBatch, 1),
    batchesAhead: integerAtLeast('batchesAhead', resolved.batchesAhead, 0),
    rpcBatchSize: integerAtLeast('rpcBatchSize', resolved.rpcBatchSize, 1),
    rpcTimeoutMs: integerAtLeast('rpcTimeoutMs', resolved.rpcTimeoutMs, 1),
    signal: resolved.signal,
    onProgress: resolved.onProgress,
  };
}

/** `options` without its undefined fields, so they do not hide a default. */
function definedOnly(options: ImportOptions): ImportOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as unknown as ImportOptions;
}

function blockNumber(name: string, value: bigint | number): number {
  const n = typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new TypeError(`Expected \`${name}\` to be a block number (a non-negative integer), got ${String(value)} (${typeof value})`);
  return n;
}

function integerAtLeast(name: string, value: number, minimum: number): number {
  if (!Number.isSafeInteger(value) || value < minimum) throw new TypeError(`Expected \`${name}\` to be an integer ≥ ${minimum}, got ${String(value)} (${typeof value})`);
  return value;
}
