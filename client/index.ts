/**
 * `bigmap`: the BigMap client SDK.
 *
 * @example
 * import { BigMap, codecs } from 'bigmap';
 * const bm = await BigMap.connect({ indexCanisterId, identity });
 * const users = bm.collection('users', { value: codecs.json<User>() });
 * await users.put('alice', { name: 'Alice' });
 */
export { BigMap, MAINNET_HOST, type ConnectOptions } from './bigmap.ts';
export { Collection, type Entry, type ItemResult, type PutOptions, type ScanOptions } from './collection.ts';
export { codecs, type Codec } from './codecs.ts';
export type { Key, KeyPart, SortPart, KeyFormat, ItemKey, OutputKey } from './keys.ts';
export { DEFAULT_CLIENT_OPTIONS, type ClientOptions } from './options.ts';
export type { BigMapEvents } from './events.ts';
export type { Stats, CanisterStats, MigrationInfo, Progress } from './admin.ts';
export type { LocalBigMap, LocalOptions } from './local.ts';
export { localStatePaths } from './local-paths.ts';
export { IdentityFileError, ensurePemIdentity, loadPemIdentity } from './identity-file.ts';
export type { IndexSettings } from './deploy.ts';
export { indexInitArgument } from './deploy.ts';
export * from './errors/index.ts';
export { sortKey } from '../sharding/index.ts';
