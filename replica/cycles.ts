/**
 * Cycles prices, as on a 13-node application subnet.
 *
 * Source: dfinity/ic `rs/config/src/subnet_config.rs`, `CyclesAccountManagerConfig::
 * application_subnet` (@002d553), and dfinity/developer-docs `docs/references/cycle-costs.md`
 * (see ../shared/reference/anchors.md, section C). The IC states these prices for its
 * reference subnet of 13 nodes (`DEFAULT_REFERENCE_SUBNET_SIZE`) and scales them linearly
 * with the subnet's size (`scale_cost`: × nodes / 13, e.g. ×34/13 on a 34-node subnet);
 * this replica is one 13-node subnet, so it charges them unscaled.
 *
 * What is charged where:
 *  - replicated executions (updates, callbacks and their cleanups, timers, heartbeats): the
 *    base fee {@link UPDATE_MESSAGE_EXECUTION_FEE} plus {@link cyclesPerInstruction} for
 *    every instruction the instrumented module counted (System API costs included), whether
 *    the execution returned or trapped (execution/execute.ts `chargeInstructions`). A query
 *    method called as an update (replicated query) pays the same, though its changes are
 *    discarded; install_code's hooks (start, canister_init, pre_upgrade, post_upgrade) pay
 *    {@link cyclesPerInstruction}, whether or not the install succeeds (execution/install.ts);
 *  - ingress: {@link INGRESS_MESSAGE_RECEPTION_FEE} + {@link INGRESS_BYTE_RECEPTION_FEE}
 *    per byte of method name and argument, when the message is accepted;
 *  - non-replicated queries, composite queries and inspect_message are free, as on the IC.
 */

/** Fee for creating a canister, taken from the cycles sent with `create_canister`. */
export const CANISTER_CREATION_FEE = 500_000_000_000n;
/** Base fee for executing one update message, callback or timer. */
export const UPDATE_MESSAGE_EXECUTION_FEE = 5_000_000n;
/**
 * Cycles per executed instruction: 1 for wasm32, 2 for wasm64 modules (Motoko's).
 *
 * subnet_config.rs prices instructions per ten, to allow fractions of a cycle:
 * `ten_update_instructions_execution_fee` = 10 cycles per 10 instructions (1 per
 * instruction), and `ten_update_instructions_execution_fee_wasm64` =
 * `WASM64_INSTRUCTION_COST_OVERHEAD` (2) × that, for wasm64's bounds checks and larger
 * working sets (`CyclesAccountManager::convert_instructions_to_cycles`: fee × n / 10).
 * cycle-costs.md gives the same: 1 cycle per instruction, wasm64 twice that. (The
 * portal's older `gas-cost.mdx` still implies 0.4 cycles per instruction.)
 */
export function cyclesPerInstruction(memory64: boolean): bigint {
  return memory64 ? 2n : 1n;
}
/** Fee for sending an inter-canister call, plus {@link XNET_CALL_FEE_PER_BYTE} per byte. */
export const XNET_CALL_FEE = 260_000n;
export const XNET_CALL_FEE_PER_BYTE = 1_000n;
/** Fee for receiving an ingress message, plus {@link INGRESS_BYTE_RECEPTION_FEE} per byte. */
export const INGRESS_MESSAGE_RECEPTION_FEE = 1_200_000n;
export const INGRESS_BYTE_RECEPTION_FEE = 2_000n;
/**
 * Storage: 127,000 cycles per GiB per second (`gib_storage_per_second_fee`, "4 SDR per GiB
 * per year", at the commit above; newer dfinity/ic sources may price it higher).
 */
export const STORAGE_FEE_PER_GIB_SECOND = 127_000n;

export const GIB = 1n << 30n;
export const NANOS_PER_SECOND = 1_000_000_000n;

/** Cycles a canister holding `memoryBytes` burns while idle, per second. */
export function idleCyclesPerSecond(memoryBytes: bigint): bigint {
  return (memoryBytes * STORAGE_FEE_PER_GIB_SECOND) / GIB;
}

/**
 * The balance below which a canister is frozen: what it burns idle during its
 * freezing threshold (seconds). A frozen canister rejects calls with IC0207.
 */
export function freezingLimit(memoryBytes: bigint, freezingThresholdSeconds: bigint): bigint {
  return idleCyclesPerSecond(memoryBytes) * freezingThresholdSeconds;
}
