/**
 * What BigMap costs on the IC, in cycles: per operation (from the instructions the
 * embedded replica metered) and per stored GB per month (from the measured memory per
 * stored byte).
 *
 * Rates: replica/cycles.ts, which takes them from dfinity/developer-docs
 * `docs/references/cycle-costs.md` and dfinity/ic `rs/config/src/subnet_config.rs`
 * (13-node application subnet; shared/reference/anchors.md, section C):
 *  - an update message, callback or timer: 5 M cycles base + 2 cycles per instruction
 *    (Motoko canisters are wasm64, which costs twice wasm32's 1 cycle per instruction);
 *  - receiving an ingress message: 1.2 M cycles + 2 K per byte;
 *  - a non-replicated query: free today;
 *  - storage: 127,000 cycles per GiB per second.
 */
import {
  GIB,
  INGRESS_BYTE_RECEPTION_FEE,
  INGRESS_MESSAGE_RECEPTION_FEE,
  STORAGE_FEE_PER_GIB_SECOND,
  UPDATE_MESSAGE_EXECUTION_FEE,
  cyclesPerInstruction,
} from '../replica/cycles.ts';
import type { Cell } from './e2e/cell.ts';
import type { ExecutionSummary } from './lib/meter.ts';

export const RATES_SOURCE =
  'replica/cycles.ts: dfinity/developer-docs cycle-costs.md and dfinity/ic subnet_config.rs, 13-node subnet (anchors.md C)';

/** The rates used, as numbers, for the report. */
export const RATES = {
  updateExecutionFeeCycles: Number(UPDATE_MESSAGE_EXECUTION_FEE),
  cyclesPerInstructionWasm64: Number(cyclesPerInstruction(true)),
  ingressMessageFeeCycles: Number(INGRESS_MESSAGE_RECEPTION_FEE),
  ingressByteFeeCycles: Number(INGRESS_BYTE_RECEPTION_FEE),
  storageCyclesPerGiBSecond: Number(STORAGE_FEE_PER_GIB_SECOND),
} as const;

/**
 * US dollars per trillion cycles (1 T cycles = 1 XDR). From anchors.md C: a 500 B-cycle
 * canister creation ≈ $0.68. Only for orders of magnitude: the XDR rate moves.
 */
export const USD_PER_TRILLION_CYCLES = 1.36;

const SECONDS_PER_MONTH = 30 * 24 * 3600;
const BYTES_PER_GB = 1e9;

/**
 * Cycles the IC charges for what `summary` executed: base fees and instructions of the
 * replicated executions, and the ingress fee of each update call with `ingressBytes`
 * bytes of payload in all (queries pay nothing).
 */
export function cyclesOf(summary: ExecutionSummary, ingressBytes: number): number {
  return (
    summary.replicatedExecutions * RATES.updateExecutionFeeCycles +
    summary.replicatedInstructions * RATES.cyclesPerInstructionWasm64 +
    summary.updateCalls * RATES.ingressMessageFeeCycles +
    (summary.updateCalls > 0 ? ingressBytes * RATES.ingressByteFeeCycles : 0)
  );
}

export interface StorageCost {
  /** Canister memory (wasm memory) per byte of keys and values stored, as measured. */
  memoryPerStoredByte: number;
  /** Cycles to keep 1 GiB of canister memory for 30 days. */
  cyclesPerMemoryGiBMonth: number;
  /** Cycles to keep 1 GB (10^9 bytes) of keys and values for 30 days, at the measured memory per stored byte. */
  cyclesPerStoredGBMonth: number;
  /** The same in US dollars, at {@link USD_PER_TRILLION_CYCLES}. */
  usdPerStoredGBMonth: number;
}

/** What storing data costs per month at `memoryPerStoredByte` bytes of canister memory per stored byte. */
export function storageCost(memoryPerStoredByte: number): StorageCost {
  const cyclesPerMemoryGiBMonth = RATES.storageCyclesPerGiBSecond * SECONDS_PER_MONTH;
  const cyclesPerStoredGBMonth = (cyclesPerMemoryGiBMonth * BYTES_PER_GB * memoryPerStoredByte) / Number(GIB);
  return {
    memoryPerStoredByte,
    cyclesPerMemoryGiBMonth,
    cyclesPerStoredGBMonth,
    usdPerStoredGBMonth: (cyclesPerStoredGBMonth / 1e12) * USD_PER_TRILLION_CYCLES,
  };
}

/** The IC's instruction limit per update message (anchors.md C). */
export const UPDATE_INSTRUCTION_LIMIT = 40_000_000_000;

export interface OperationCost {
  operation: Cell['operation'];
  mode: Cell['mode'];
  valueBytes: number;
  instructionsPerItem: number;
  cyclesPerItem: number;
  usdPerMillionItems: number;
}

export interface CostResult {
  ratesSource: string;
  rates: typeof RATES;
  usdPerTrillionCycles: number;
  /** BigMap's end-to-end cells, per item. */
  operations: OperationCost[];
  /** The most instructions one BigMap update execution took, against the 40 B limit. */
  maxUpdateInstructions: number;
  updateInstructionLimit: number;
  /** Null when the scaling suite (which measures memory per stored byte) did not run. */
  storage: StorageCost | null;
}

/** The cost section of the report, from the end-to-end cells and the scaling suite's memory figure. */
export function costReport(cells: readonly Cell[], memoryPerStoredByte: number | undefined): CostResult {
  const bigmap = cells.filter((c) => c.target === 'bigmap');
  return {
    ratesSource: RATES_SOURCE,
    rates: RATES,
    usdPerTrillionCycles: USD_PER_TRILLION_CYCLES,
    operations: bigmap.map((c) => ({
      operation: c.operation,
      mode: c.mode,
      valueBytes: c.valueBytes,
      instructionsPerItem: c.instructionsPerItem,
      cyclesPerItem: c.cyclesPerItem,
      usdPerMillionItems: (c.cyclesPerItem * 1e6 * USD_PER_TRILLION_CYCLES) / 1e12,
    })),
    maxUpdateInstructions: Math.max(0, ...bigmap.filter((c) => c.executions.updateCalls > 0).map((c) => c.executions.maxInstructionsPerExecution)),
    updateInstructionLimit: UPDATE_INSTRUCTION_LIMIT,
    storage: memoryPerStoredByte === undefined ? null : storageCost(memoryPerStoredByte),
  };
}
