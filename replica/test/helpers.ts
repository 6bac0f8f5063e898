/** Shared by the replica tests: compiling the test canisters and Candid shorthands. */
import { IDL } from '@dfinity/candid';
import { join } from 'node:path';
import { REPO_ROOT, compileMotoko } from '../../canisters/build.ts';
import { CanisterRejectError } from '../errors.ts';

const TEST_CANISTERS = join(REPO_ROOT, 'replica', 'test', 'canisters');

/** Compiles `replica/test/canisters/<name>.mo` (cached by source hash). */
export function testCanister(name: 'Counter' | 'Pinger' | 'Ponger' | 'Parent' | 'Child' | 'Journal' | 'Burner'): Uint8Array {
  return compileMotoko(`${name}.mo`, { sourceRoot: TEST_CANISTERS }).wasm;
}

export const encode = (types: IDL.Type[], values: unknown[]): Uint8Array => new Uint8Array(IDL.encode(types, values));
export const decode = (types: IDL.Type[], bytes: Uint8Array): unknown[] => IDL.decode(types, bytes);
export const NO_ARGS = encode([], []);

/** Awaits `promise` and returns the CanisterRejectError it rejects with. */
export async function rejection(promise: Promise<unknown>): Promise<CanisterRejectError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof CanisterRejectError) return e;
    throw e;
  }
  throw new Error('expected the call to be rejected');
}
