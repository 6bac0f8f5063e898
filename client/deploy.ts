/** The index canister's install argument, from friendly settings (see canisters/index/Types.mo). */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { IndexInit, type IndexInitValue } from './idl/index.ts';

export interface IndexSettings {
  /** Bytes of keys and values one data canister is meant to hold. @default 4 GiB */
  capacityBytes?: number | bigint;
  /** Fraction of the capacity at which a data canister is split. @default 0.75 */
  splitAt?: number;
  /** Wasm memory limit of each data canister in bytes. @default 6 GiB */
  memoryLimitBytes?: number | bigint;
  /** Data canisters created at the start. @default 1 */
  initialDataCanisters?: number;
  /** Cycles each new data canister starts with. @default 2 T */
  cyclesPerCanister?: number | bigint;
  /** Seconds between driver runs (migrations, splits). @default 1 */
  driverIntervalSeconds?: number;
  /** Seconds between load polls. @default 30 */
  pollIntervalSeconds?: number;
  /** Bytes per migration chunk. @default 1 MiB */
  copyChunkBytes?: number | bigint;
}

export function indexInitArgument(owners: Principal[], settings: IndexSettings = {}): Uint8Array {
  const nat = (v: number | bigint | undefined): [] | [bigint] => (v === undefined ? [] : [BigInt(v)]);
  const value: IndexInitValue = {
    owners,
    capacityBytes: nat(settings.capacityBytes),
    splitAt: settings.splitAt === undefined ? [] : [settings.splitAt],
    memoryLimitBytes: nat(settings.memoryLimitBytes),
    cyclesPerCanister: nat(settings.cyclesPerCanister),
    initialDataCanisters: nat(settings.initialDataCanisters),
    topUpBelowCycles: [],
    topUpCycles: [],
    driverIntervalSeconds: nat(settings.driverIntervalSeconds),
    pollIntervalSeconds: nat(settings.pollIntervalSeconds),
    copyChunkBytes: nat(settings.copyChunkBytes),
  };
  return new Uint8Array(IDL.encode([IndexInit], [value]));
}
