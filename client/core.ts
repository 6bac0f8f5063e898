/**
 * What every collection of one BigMap shares: options, the slot routes, the request
 * limiter, events, data canister actors, and one batcher per operation, so single calls
 * from all collections coalesce into the same per-canister batches.
 */
import { Principal } from '@dfinity/principal';
import type { BigMapError } from './errors/index.ts';
import { Emitter, type BigMapEvents } from './events.ts';
import type { DataService, DeleteItemValue, DeleteResultValue, GetResultValue, PutItemValue, PutResultValue } from './idl/data.ts';
import type { IndexService } from './idl/index.ts';
import { Batcher, type ScheduleFn } from './batching/batcher.ts';
import { deleteOperation, getOperation, putOperation } from './operations.ts';
import type { ClientOptions } from './options.ts';
import { dispatch, type DispatchContext } from './routing/dispatch.ts';
import { Limiter } from './routing/limiter.ts';
import { SlotRoutes } from './routing/slot-routes.ts';

export class ClientCore implements DispatchContext {
  readonly options: ClientOptions;
  readonly index: IndexService;
  readonly routes: SlotRoutes;
  readonly limiter: Limiter;
  readonly events = new Emitter<BigMapEvents>();
  readonly puts: Batcher<PutItemValue, PutResultValue>;
  readonly gets: Batcher<Uint8Array, GetResultValue>;
  readonly versions: Batcher<Uint8Array, GetResultValue>;
  readonly deletes: Batcher<DeleteItemValue, DeleteResultValue>;
  readonly #actors = new Map<string, DataService>();
  readonly #createDataActor: (id: Principal) => DataService;

  constructor(index: IndexService, createDataActor: (id: Principal) => DataService, options: ClientOptions, schedule?: ScheduleFn) {
    this.options = options;
    this.index = index;
    this.#createDataActor = createDataActor;
    this.routes = new SlotRoutes(index, this.events, options.retryBudgetMs);
    this.limiter = new Limiter(options.concurrency, options.concurrencyPerCanister);
    this.puts = new Batcher<PutItemValue, PutResultValue>((items) => this.putMany(items), schedule);
    this.gets = new Batcher<Uint8Array, GetResultValue>((keys) => this.getMany(keys, true), schedule);
    this.versions = new Batcher<Uint8Array, GetResultValue>((keys) => this.getMany(keys, false), schedule);
    this.deletes = new Batcher<DeleteItemValue, DeleteResultValue>((items) => this.deleteMany(items), schedule);
  }

  /** The actor of a data canister (cached). */
  dataCanister(id: string): DataService {
    let actor = this.#actors.get(id);
    if (!actor) this.#actors.set(id, (actor = this.#createDataActor(Principal.fromText(id))));
    return actor;
  }

  putMany(items: readonly PutItemValue[]): Promise<Array<PutResultValue | BigMapError>> {
    return dispatch(this, putOperation, items);
  }

  getMany(keys: readonly Uint8Array[], values: boolean): Promise<Array<GetResultValue | BigMapError>> {
    return dispatch(this, getOperation(values), keys);
  }

  deleteMany(items: readonly DeleteItemValue[]): Promise<Array<DeleteResultValue | BigMapError>> {
    return dispatch(this, deleteOperation, items);
  }
}
