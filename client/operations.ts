/**
 * The data canister's batch methods as dispatcher operations: how big an item is, where
 * it goes, and what each per-item answer means for routing.
 */
import type { DeleteItemValue, DeleteResultValue, GetResultValue, PutItemValue, PutResultValue } from './idl/data.ts';
import type { Operation, Routing } from './routing/dispatch.ts';

/** Candid framing per item, on top of key and value bytes (a generous bound). */
const ITEM_OVERHEAD_BYTES = 64;

function routeWrite(r: PutResultValue | DeleteResultValue): Routing {
  if ('moved' in r) return { kind: 'moved' };
  if ('migrating' in r) return { kind: 'migrating', to: r.migrating.to.toText() };
  if ('unavailable' in r) return { kind: 'unavailable', reason: r.unavailable };
  return { kind: 'done' };
}

export const putOperation: Operation<PutItemValue, PutResultValue> = {
  method: 'put',
  sizeOf: (item) => item.key.length + item.value.length + ITEM_OVERHEAD_BYTES,
  keyOf: (item) => item.key,
  send: (canister, items) => canister.put(items),
  route: routeWrite,
};

export const deleteOperation: Operation<DeleteItemValue, DeleteResultValue> = {
  method: 'delete',
  sizeOf: (item) => item.key.length + ITEM_OVERHEAD_BYTES,
  keyOf: (item) => item.key,
  send: (canister, items) => canister.delete(items),
  route: routeWrite,
};

/** Reads keys; `values = false` asks for versions only (has). */
export function getOperation(values: boolean): Operation<Uint8Array, GetResultValue> {
  return {
    method: values ? 'get' : 'has',
    sizeOf: (key) => key.length + ITEM_OVERHEAD_BYTES,
    keyOf: (key) => key,
    send: (canister, keys, fallback) => canister.get(keys, { fallback, values }),
    route: (r) => {
      if ('moved' in r) return { kind: 'moved' };
      if ('migrating' in r) return { kind: 'migrating', to: r.migrating.to.toText() };
      if ('fallback' in r) return { kind: 'fallback', from: r.fallback.from.toText() };
      if ('notIncluded' in r) return { kind: 'again' };
      return { kind: 'done' };
    },
  };
}
