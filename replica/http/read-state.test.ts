/**
 * The IC's `read_state` rules, checked through the in-process handler with the real agent
 * (and a few hand-built envelopes), against the real replica and Counter canister.
 */
import {
  CanisterStatus,
  Cbor,
  Certificate,
  HttpAgent,
  HttpErrorCode,
  lookupResultToBuffer,
  requestIdOf,
  type AgentError,
  type ReadStateResponse,
} from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { utf8ToBytes } from '@noble/hashes/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Replica } from '../replica.ts';
import { testCanister } from '../test/helpers.ts';
import { createHttpHandler, type FetchHandler } from './server.ts';

const HOST = 'http://127.0.0.1:1';
const INC = { methodName: 'inc', arg: IDL.encode([], []) };
const label = (text: string) => utf8ToBytes(text);
const nowNanos = () => BigInt(Date.now()) * 1_000_000n;

let replica: Replica;
let handler: FetchHandler;
let canisterId: Principal;

beforeAll(async () => {
  replica = await Replica.create();
  canisterId = await replica.setupCanister({ wasm: testCanister('Counter') });
  handler = createHttpHandler(replica);
});
afterAll(async () => {
  await replica?.close();
});

/** An agent that surfaces a refusal at once instead of retrying it. */
function agentAs(identity?: Ed25519KeyIdentity): Promise<HttpAgent> {
  return HttpAgent.create({ host: HOST, fetch: handler, shouldFetchRootKey: true, retryTimes: 0, ...(identity && { identity }) });
}

/** Posts a hand-built body through the handler. */
function post(path: string, body: Uint8Array): Promise<Response> {
  return handler(`${HOST}${path}`, { method: 'POST', body: body as Uint8Array<ArrayBuffer> });
}

/** The value at `path` in the verified certificate of a read_state answer. */
async function lookup(agent: HttpAgent, response: ReadStateResponse, path: (string | Uint8Array)[]): Promise<Uint8Array | undefined> {
  const certificate = await Certificate.create({ certificate: response.certificate, rootKey: agent.rootKey!, canisterId });
  return lookupResultToBuffer(certificate.lookup_path(path));
}

/** The refusal a read_state gets: its HTTP status and text. */
async function refusal(request: Promise<unknown>): Promise<{ status: number; text: string }> {
  const error = (await request.then(
    () => undefined,
    (e: unknown) => e,
  )) as AgentError | undefined;
  expect(error?.code).toBeInstanceOf(HttpErrorCode);
  const code = error!.code as HttpErrorCode;
  return { status: code.status, text: code.bodyText ?? '' };
}

describe('request_status', () => {
  it('is absent for a request id the replica never saw, so a polling agent keeps polling', async () => {
    const agent = await agentAs();
    const unknown = crypto.getRandomValues(new Uint8Array(32));
    const response = await agent.readState(canisterId, { paths: [[label('request_status'), unknown, label('status')]] });
    expect(await lookup(agent, response, ['request_status', unknown, 'status'])).toBeUndefined();
  });

  it('is readable by the sender of the call and refused with 403 to anybody else', async () => {
    const sender = await agentAs(Ed25519KeyIdentity.generate());
    const { requestId } = await sender.call(canisterId, INC);
    const paths = [[label('request_status'), requestId, label('status')]];

    const own = await sender.readState(canisterId, { paths });
    expect(new TextDecoder().decode(await lookup(sender, own, ['request_status', requestId, 'status']))).toBe('replied');

    const stranger = await agentAs(Ed25519KeyIdentity.generate());
    expect(await refusal(stranger.readState(canisterId, { paths }))).toEqual({
      status: 403,
      text: 'The user tries to access Request ID not signed by the caller.',
    });
  });

  it('refuses two different request ids in one read_state with 400', async () => {
    const agent = await agentAs();
    const [a, b] = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
    const { status, text } = await refusal(
      agent.readState(canisterId, { paths: [[label('request_status'), a], [label('request_status'), b]] }),
    );
    expect(status).toBe(400);
    expect(text).toMatch(/^More than one non-unique request ID exists in request_status paths: /);
  });

  it('turns into `done` once the message has expired', async () => {
    const content = {
      request_type: 'call',
      sender: Principal.anonymous().toUint8Array(),
      ingress_expiry: nowNanos() + 300_000_000n, // 0.3 s
      canister_id: canisterId.toUint8Array(),
      method_name: 'inc',
      arg: new Uint8Array(IDL.encode([], [])),
    };
    const called = await post(`/api/v3/canister/${canisterId.toText()}/call`, Cbor.encode({ content }));
    expect(called.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 400));

    const agent = await agentAs();
    const requestId = requestIdOf(content);
    const response = await agent.readState(canisterId, { paths: [[label('request_status'), requestId]] });
    expect(new TextDecoder().decode(await lookup(agent, response, ['request_status', requestId, 'status']))).toBe('done');
    expect(await lookup(agent, response, ['request_status', requestId, 'reply'])).toBeUndefined();
  });
});

describe('canister paths', () => {
  it('serves public metadata to anyone, and a private custom section only to controllers (403 to others)', async () => {
    const other = await agentAs(Ed25519KeyIdentity.generate());
    const status = await CanisterStatus.request({ canisterId, agent: other, paths: ['candid'] });
    expect(status.get('candid')).toContain('incThenTrap');

    const controller = await agentAs(); // the anonymous principal created the canister
    const paths = [[label('canister'), canisterId.toUint8Array(), label('metadata'), label('motoko:stable-types')]];
    expect((await controller.readState(canisterId, { paths })).certificate.length).toBeGreaterThan(0);
    expect(await refusal(other.readState(canisterId, { paths }))).toEqual({
      status: 403,
      text: 'Custom section motoko:stable-types can only be requested by the controllers of the canister.',
    });
  });

  it('refuses a path naming another canister than the URL with 400', async () => {
    const agent = await agentAs();
    const other = Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai');
    const { status, text } = await refusal(
      agent.readState(canisterId, { paths: [[label('canister'), other.toUint8Array(), label('controllers')]] }),
    );
    expect(status).toBe(400);
    expect(text).toBe(`Effective principal id in URL ${canisterId.toText()} does not match requested principal id: ${other.toText()}.`);
  });

  it('certifies wall-clock time, however far canister time has moved', async () => {
    await replica.advanceTime(365 * 24 * 60 * 60 * 1000);
    const status = await CanisterStatus.request({ canisterId, agent: await agentAs(), paths: ['time'] });
    expect(Math.abs((status.get('time') as Date).getTime() - Date.now())).toBeLessThan(5_000);
  });
});

describe('paths the interface does not serve', () => {
  it('are refused with 404 `Invalid path requested.`', async () => {
    const agent = await agentAs();
    for (const path of [[label('canister'), canisterId.toUint8Array()], [label('no_such_path')]]) {
      expect(await refusal(agent.readState(canisterId, { paths: [path] }))).toEqual({ status: 404, text: 'Invalid path requested.' });
    }
  });

  it('include request_status on the subnet endpoint', async () => {
    const agent = await agentAs();
    const { body } = await agent.createReadStateRequest({ paths: [[label('request_status'), new Uint8Array(32)]] });
    const response = await post(`/api/v3/subnet/${replica.subnetId.toText()}/read_state`, Cbor.encode(body));
    expect([response.status, await response.text()]).toEqual([404, 'Invalid path requested.']);
  });
});
