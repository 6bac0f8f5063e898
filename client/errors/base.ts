/**
 * The base of every error the BigMap client throws (after viem's `BaseError`): a short
 * message, optional details and hints each on their own line, and the cause chain.
 */
export interface BigMapErrorParameters {
  /** What went wrong and what else to know, one line each. */
  metaMessages?: string[];
  /** Technical detail (a reject message, an HTTP body). */
  details?: string;
  cause?: unknown;
}

export class BigMapError extends Error {
  override name = 'BigMapError';
  /** The first line: what went wrong. */
  readonly shortMessage: string;
  readonly metaMessages: readonly string[];
  readonly details: string | undefined;

  constructor(shortMessage: string, parameters: BigMapErrorParameters = {}) {
    const lines = [shortMessage, ...(parameters.metaMessages ?? [])];
    if (parameters.details) lines.push(`Details: ${parameters.details}`);
    super(lines.join('\n'), parameters.cause === undefined ? undefined : { cause: parameters.cause });
    this.shortMessage = shortMessage;
    this.metaMessages = parameters.metaMessages ?? [];
    this.details = parameters.details;
  }

  /**
   * Follows the `cause` chain: returns the first error `predicate` accepts, or the last
   * error of the chain when no predicate is given.
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    let current: unknown = this;
    for (;;) {
      if (predicate?.(current)) return current;
      const next = current instanceof Error ? current.cause : undefined;
      if (next === undefined) return predicate ? undefined : current;
      current = next;
    }
  }
}
