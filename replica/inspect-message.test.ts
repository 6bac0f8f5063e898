/**
 * canister_inspect_message's answers, as the IC gives them (dfinity/ic `rs/execution_environment/
 * src/execution/inspect_message.rs`): a canister that returns without accept_message is
 * answered IC0406 "Requested canister rejected the message"; a trap is answered with the
 * trap's own error (`err.into_user_error`), not wrapped in IC0406.
 */
import { IDL } from '@dfinity/candid';
import { describe, expect, it } from 'vitest';
import { ErrorCode, Replica, type ExecutionRecord } from './index.ts';
import { NO_ARGS, encode, testCanister } from './test/helpers.ts';
import { WasmWriter } from './wasm/binary.ts';

/** A wasm32 module with one page of memory whose canister_inspect_message runs `body` (then `end`). */
function inspectModule(body: number[]): Uint8Array {
  const section = (id: number, payload: Uint8Array) => new WasmWriter().byte(id).u32(payload.length).bytes(payload).finish();
  const type = new WasmWriter().u32(1).byte(0x60).u32(0).u32(0).finish(); // () -> ()
  const funcs = new WasmWriter().u32(1).u32(0).finish();
  const memory = new WasmWriter().u32(1).byte(0).u32(1).finish();
  const exports = new WasmWriter().u32(1).name('canister_inspect_message').byte(0).u32(0).finish();
  const code = Uint8Array.of(0x00, ...body, 0x0b); // no locals, body, end
  const codeSection = new WasmWriter().u32(1).u32(code.length).bytes(code).finish();
  return new WasmWriter()
    .bytes(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00))
    .bytes(section(1, type))
    .bytes(section(3, funcs))
    .bytes(section(5, memory))
    .bytes(section(7, exports))
    .bytes(section(10, codeSection))
    .finish();
}

async function refusal(wasm: Uint8Array, method: string, arg: Uint8Array, initArg = NO_ARGS): Promise<{ reject: { code: number; errorCode?: string; message: string }; id: string; cycles: bigint; after: bigint; executions: ExecutionRecord[] }> {
  const executions: ExecutionRecord[] = [];
  const replica = await Replica.create({ onExecuted: (r) => executions.push(r) });
  try {
    const id = await replica.setupCanister({ wasm, arg: initArg });
    const cycles = replica.getCyclesBalance(id);
    const seen = executions.length;
    const submitted = replica.submitCall(id, method, arg);
    if (!('reject' in submitted)) throw new Error('expected inspect_message to refuse the message');
    return { reject: submitted.reject, id: id.toText(), cycles, after: replica.getCyclesBalance(id), executions: executions.slice(seen) };
  } finally {
    await replica.close();
  }
}

describe('canister_inspect_message', () => {
  it('answers IC0406 "Requested canister rejected the message" when the canister returns without accepting', async () => {
    const { reject, cycles, after, executions } = await refusal(inspectModule([]), 'anything', NO_ARGS);
    expect(reject).toMatchObject({ code: 4, errorCode: ErrorCode.CanisterRejectedMessage, message: 'Requested canister rejected the message' });
    expect(after).toBe(cycles); // a refused message costs nothing
    expect(executions.map((e) => [e.kind, e.trapped])).toEqual([['inspect', undefined]]);
  });

  it('answers a trap with the trap’s own error (IC0502), not IC0406', async () => {
    const { reject, id, executions } = await refusal(inspectModule([0x00 /* unreachable */]), 'anything', NO_ARGS);
    expect(reject.errorCode).toBe(ErrorCode.CanisterTrapped);
    expect(reject.errorCode).toBe('IC0502');
    expect(reject.code).toBe(5);
    expect(reject.message).toMatch(new RegExp(`^Canister ${id} trapped: `));
    expect(reject.message).not.toContain('rejected the message');
    expect(executions.map((e) => e.trapped?.errorCode)).toEqual(['IC0502']);
  });

  it('answers an explicit trap (ic0.trap, here a Candid decoding error in Motoko) with IC0503', async () => {
    // Burner's inspect decodes `guarded`'s argument: a Text where a Nat is expected traps.
    const { reject, id } = await refusal(testCanister('Burner'), 'guarded', encode([IDL.Text], ['not a number']), encode([IDL.Nat], [0n]));
    expect(reject.errorCode).toBe(ErrorCode.CanisterCalledTrap);
    expect(reject.errorCode).toBe('IC0503');
    expect(reject.code).toBe(5);
    expect(reject.message).toMatch(new RegExp(`^Canister ${id} trapped explicitly: `));
    expect(reject.message).not.toContain('rejected the message');
  });
});
