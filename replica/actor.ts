/**
 * Candid actors over the in-process API, as PicJS's `createActor`: each method of an IDL
 * service becomes an async function that encodes its arguments, makes a query or update
 * call as the actor's sender, and decodes the reply (one value unwrapped, none as
 * undefined, several as an array) the way `@dfinity/agent`'s Actor does.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import type { Replica } from './replica.ts';

/** An actor: the service's methods, plus the principal it calls as. */
export type ReplicaActor<T> = T & {
  /** Makes later calls as `sender`. */
  setSender(sender: Principal): void;
};

export function createActor<T>(replica: Replica, idlFactory: IDL.InterfaceFactory, canisterId: Principal, options: { sender?: Principal } = {}): ReplicaActor<T> {
  let sender = options.sender ?? Principal.anonymous();
  const service = idlFactory({ IDL }) as IDL.ServiceClass;
  const methods: Record<string, unknown> = {
    setSender(p: Principal) {
      sender = p;
    },
  };
  for (const [name, func] of service._fields) {
    methods[name] = async (...args: unknown[]) => {
      const arg = new Uint8Array(IDL.encode(func.argTypes, args));
      if (func.annotations.includes('oneway')) {
        replica.submitCall(canisterId, name, arg, { sender });
        return undefined;
      }
      const isQuery = func.annotations.includes('query') || func.annotations.includes('composite_query');
      const reply = isQuery ? await replica.queryCall(canisterId, name, arg, { sender }) : await replica.updateCall(canisterId, name, arg, { sender });
      const values = IDL.decode(func.retTypes, reply);
      return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
    };
  }
  return methods as ReplicaActor<T>;
}
