/**
 * Instructions as the IC meters them, from the replica's `onExecuted` records: open a
 * window around the calls being measured, then sum the executions of the canisters and
 * methods that belong to them.
 *
 * Windows never overlap (the benchmarks measure one thing at a time), so a record belongs
 * to the window open when it arrives; timers of other canisters (the index's driver and
 * load poll) fall in windows too, which is why summaries filter by canister and method.
 */
import type { Principal } from '@dfinity/principal';
import type { ExecutionRecord } from '../../replica/index.ts';

/** What the executions of one measured thing cost. */
export interface ExecutionSummary {
  /** Ingress update messages executed (an `update` execution each). */
  updateCalls: number;
  /** Non-replicated query executions. */
  queryCalls: number;
  /** Instructions of replicated executions (updates and their callbacks): these are charged. */
  replicatedInstructions: number;
  /** Replicated executions (update messages and callbacks): each pays the base fee. */
  replicatedExecutions: number;
  /** Instructions of queries: not charged on the IC today. */
  queryInstructions: number;
  /** The most instructions one execution took (an update must stay under 40 B, a query under 5 B). */
  maxInstructionsPerExecution: number;
}

export class ExecutionMeter {
  #window: ExecutionRecord[] | undefined;

  /** Pass as the replica's `onExecuted`. */
  readonly onExecuted = (record: ExecutionRecord): void => {
    this.#window?.push(record);
  };

  /** Runs `run` with a window open; returns its result and the executions recorded meanwhile. */
  async measure<T>(run: () => Promise<T>): Promise<{ result: T; executions: ExecutionRecord[] }> {
    if (this.#window) throw new Error('ExecutionMeter windows must not overlap');
    const executions: ExecutionRecord[] = [];
    this.#window = executions;
    try {
      return { result: await run(), executions };
    } finally {
      this.#window = undefined;
    }
  }
}

/**
 * Sums the executions of `methods` on `canisters`. Executions that trapped fail the
 * benchmark: a measured call that traps is a wrong answer, however fast.
 * `canister_inspect_message` runs are left out: the IC does not charge for them.
 */
export function summarizeExecutions(executions: readonly ExecutionRecord[], canisters: readonly Principal[], methods: readonly string[]): ExecutionSummary {
  const ids = new Set(canisters.map((c) => c.toText()));
  const summary: ExecutionSummary = { updateCalls: 0, queryCalls: 0, replicatedInstructions: 0, replicatedExecutions: 0, queryInstructions: 0, maxInstructionsPerExecution: 0 };
  for (const e of executions) {
    if (e.kind === 'inspect' || e.method === undefined || !methods.includes(e.method) || !ids.has(e.canister.toText())) continue;
    if (e.trapped) throw new Error(`${e.method} on ${e.canister.toText()} trapped: ${e.trapped.message}`);
    summary.maxInstructionsPerExecution = Math.max(summary.maxInstructionsPerExecution, e.instructions);
    if (e.kind === 'query') {
      summary.queryCalls++;
      summary.queryInstructions += e.instructions;
    } else {
      if (e.kind === 'update') summary.updateCalls++;
      summary.replicatedExecutions++;
      summary.replicatedInstructions += e.instructions;
    }
  }
  return summary;
}
