import { IDL } from '@dfinity/candid';
import { describe, expect, it } from 'vitest';
import { compileBigMapCanister } from '../../canisters/build.ts';
import { dataIdlFactory } from './data.ts';
import { indexIdlFactory } from './index.ts';

/** Method name → mode ('query', 'oneway' or 'update') of a `.did` service. */
function methodsOfDid(did: string): Map<string, string> {
  // An actor class's methods are in `type <Class> = service { … };`, one level indented; a
  // signature may span lines, and runs until the next method starts.
  const start = did.indexOf('service {');
  const block = did.slice(start, did.indexOf('\n };', start));
  const methods = new Map<string, string>();
  for (const chunk of block.split(/\n(?= {1,3}\w+:)/).slice(1)) {
    const name = /^ {1,3}(\w+):/.exec(chunk)![1];
    methods.set(name, /\)\s*query;\s*$/.test(chunk) ? 'query' : /\)\s*oneway;\s*$/.test(chunk) ? 'oneway' : 'update');
  }
  return methods;
}

function methodsOfIdl(factory: IDL.InterfaceFactory): Map<string, string> {
  const service = factory({ IDL }) as IDL.ServiceClass;
  return new Map(service._fields.map(([name, func]) => [name, func.annotations[0] ?? 'update']));
}

describe('the client IDL', () => {
  it.each([
    ['data', dataIdlFactory],
    ['index', indexIdlFactory],
  ] as const)('has every method of the compiled %s canister, with the same mode', (name, factory) => {
    const did = compileBigMapCanister(name).candid;
    expect(methodsOfIdl(factory)).toEqual(methodsOfDid(did));
  });
});
