/**
 * Options of the BigMap client, with their defaults. Sizes are in bytes, times in
 * milliseconds. The limits are the IC's (2 MiB per message) minus room for Candid framing.
 */

export interface ClientOptions {
  /**
   * Most items in one batch request to a data canister.
   * Bounds one message's instructions and reply; the canister accepts at most 10,000.
   * @default 2000
   */
  readonly maxBatchItems: number;
  /**
   * Most bytes of keys and values in one batch request.
   * The IC caps an ingress message at 2 MiB (2,097,152 bytes); the rest is framing.
   * @default 1_900_000
   */
  readonly maxBatchBytes: number;
  /**
   * Values larger than this are stored in chunks (transparently, read back whole).
   * One item must fit in one message with its key.
   * @default 1_500_000
   */
  readonly chunkThresholdBytes: number;
  /**
   * Size of one chunk of a large value.
   * @default 1_048_576
   */
  readonly chunkSizeBytes: number;
  /**
   * Largest value a put accepts (after encoding). Larger ones fail with ValueTooLargeError.
   * @default 104_857_600 (100 MiB)
   */
  readonly maxValueBytes: number;
  /**
   * Hops an item may take between data canisters (slot moved, slot migrating) before
   * failing with TooManyRedirectsError. As ioredis's `maxRedirections`: a bound on loops
   * when routing goes wrong.
   * @default 16
   */
  readonly maxRedirects: number;
  /**
   * How long to keep retrying a transient refusal (a slot about to move, a canister that
   * is stopping for an upgrade, SYS_TRANSIENT) before failing with UnavailableError.
   * @default 30_000
   */
  readonly retryBudgetMs: number;
  /**
   * First wait between retries; it doubles up to `maxRetryDelayMs`.
   * @default 50
   */
  readonly retryDelayMs: number;
  /** @default 2_000 */
  readonly maxRetryDelayMs: number;
  /**
   * Requests in flight per data canister. The IC runs one update at a time per canister;
   * a few in flight keep it busy without queueing a backlog in the replica.
   * @default 4
   */
  readonly concurrencyPerCanister: number;
  /**
   * Requests in flight in total.
   * @default 32
   */
  readonly concurrency: number;
  /**
   * Items per page of a scan.
   * @default 1000
   */
  readonly scanPageItems: number;
}

export const DEFAULT_CLIENT_OPTIONS: ClientOptions = {
  maxBatchItems: 2000,
  maxBatchBytes: 1_900_000,
  chunkThresholdBytes: 1_500_000,
  chunkSizeBytes: 1_048_576,
  maxValueBytes: 104_857_600,
  maxRedirects: 16,
  retryBudgetMs: 30_000,
  retryDelayMs: 50,
  maxRetryDelayMs: 2_000,
  concurrencyPerCanister: 4,
  concurrency: 32,
  scanPageItems: 1000,
};

/** Merges `options` over the defaults and checks them. @throws TypeError naming a bad option */
export function resolveOptions(options: Partial<ClientOptions> = {}): ClientOptions {
  const resolved = { ...DEFAULT_CLIENT_OPTIONS, ...options };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`Expected \`${name}\` to be a non-negative integer, got ${String(value)} (${typeof value})`);
  }
  if (resolved.maxBatchItems < 1) throw new TypeError(`Expected \`maxBatchItems\` to be at least 1, got ${resolved.maxBatchItems}`);
  // A data canister refuses a larger call whole, and the IC refuses an ingress message over 2 MiB.
  if (resolved.maxBatchItems > 10_000) throw new TypeError(`Expected \`maxBatchItems\` at most 10000 (a data canister's limit per call), got ${resolved.maxBatchItems}`);
  if (resolved.maxBatchBytes > 2_000_000) throw new TypeError(`Expected \`maxBatchBytes\` at most 2000000 (a data canister's limit per call, under the IC's 2 MiB message limit), got ${resolved.maxBatchBytes}`);
  if (resolved.chunkSizeBytes < 1 || resolved.chunkSizeBytes > 1_800_000) throw new TypeError(`Expected \`chunkSizeBytes\` between 1 and 1800000, got ${resolved.chunkSizeBytes}`);
  if (resolved.chunkThresholdBytes > 1_800_000) throw new TypeError(`Expected \`chunkThresholdBytes\` at most 1800000 (one item must fit in a message), got ${resolved.chunkThresholdBytes}`);
  return resolved;
}
