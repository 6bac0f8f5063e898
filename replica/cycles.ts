/**
 * Cycles prices, as on a 13-node application subnet.
 *
 * Source: dfinity/developer-docs `docs/references/cycle-costs.md` and dfinity/ic
 * `rs/config/src/subnet_config.rs` (see ../shared/reference/anchors.md, section C).
 * Replicated executions pay a base fee plus a price per instruction counted by the
 * instrumented module.
 */

/** Fee for creating a canister, taken from the cycles sent with `create_canister`. */
export const CANISTER_CREATION_FEE = 500_000_000_000n;
/** Base fee for executing one update message, callback or timer. */
export const UPDATE_MESSAGE_EXECUTION_FEE = 5_000_000n;
/**
 * Cycles per executed instruction: 1 for wasm32, twice that for wasm64 modules
 * (anchors.md section C, from dfinity/developer-docs `cycle-costs.md`).
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
/** Storage: 127,000 cycles per GiB per second. */
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
