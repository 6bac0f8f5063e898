/**
 * The embedded IC replica (`bigmap/replica`): runs canister wasm with IC semantics
 * in-process. See {@link Replica}.
 */
export { Replica, IngressTooLargeError, FIRST_CANISTER_ID, CANISTER_RANGE, DEFAULT_START_TIME_MS, MAX_INGRESS_PAYLOAD_BYTES, MAX_CALL_PAYLOAD_BYTES } from './replica.ts';
export type { ReplicaOptions, CallOptions, CreateCanisterOptions, InstallOptions, ExecutionRecord, IngressRecord, IngressStatus, SubmitResult } from './replica.ts';
export { CanisterRejectError, NoProgressError, UnsupportedRuntimeError, RejectCode, ErrorCode } from './errors.ts';
export type { Reject } from './errors.ts';
export { canisterIdFromU64, canisterIdToU64, MANAGEMENT_CANISTER } from './ids.ts';
export type { CanisterStatusValue, CanisterSettingsValue } from './management/interface.ts';
export { CanisterStatusResult } from './management/interface.ts';
export { createHttpHandler, DEFAULT_SYNC_CALL_TIMEOUT_MS } from './http/server.ts';
export type { FetchHandler, HttpHandlerOptions } from './http/server.ts';
export { listen, DEFAULT_PORT } from './http/listen.ts';
export type { ListenOptions, ReplicaServer } from './http/listen.ts';
export { MAX_REQUEST_BODY_BYTES } from './http/body.ts';
export type { ReplicaActor } from './actor.ts';
export { randomFaults } from './faults.ts';
export type { FaultInjection, RandomFaultOptions, FaultCounts } from './faults.ts';
