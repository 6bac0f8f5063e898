/**
 * The unmodified `@dfinity/agent` HttpAgent (`shouldFetchRootKey`, default
 * `verifyQuerySignatures`) against the real replica running a real Motoko canister
 * (replica/test/canisters/Counter.mo), through both transports: the in-process `fetch`
 * handler and `listen` on 127.0.0.1.
 */
import {
  Actor,
  CanisterStatus,
  Cbor,
  CertifiedRejectErrorCode,
  HttpAgent,
  HttpErrorCode,
  RejectError,
  UncertifiedRejectUpdateErrorCode,
  pollForResponse,
  type ActorMethod,
  type ActorSubclass,
  type AgentError,
} from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { bytesToHex } from '@noble/hashes/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canisterIdFromU64 } from '../ids.ts';
import { CANISTER_RANGE, Replica } from '../replica.ts';
import { testCanister } from '../test/helpers.ts';
import { listen } from './listen.ts';
import { createHttpHandler, type FetchHandler, type HttpHandlerOptions } from './server.ts';

type Counter = {
  inc: ActorMethod<[], bigint>;
  get: ActorMethod<[], bigint>;
  incThenTrap: ActorMethod<[], undefined>;
  setTimer: ActorMethod<[bigint], undefined>;
  timerCount: ActorMethod<[], bigint>;
};
const counterIdl: IDL.InterfaceFactory = ({ IDL }) =>
  IDL.Service({
    inc: IDL.Func([], [IDL.Nat], []),
    get: IDL.Func([], [IDL.Nat], ['query']),
    incThenTrap: IDL.Func([], [], []),
    setTimer: IDL.Func([IDL.Nat], [], []),
    timerCount: IDL.Func([], [IDL.Nat], ['query']),
  });

type Management = {
  provisional_create_canister_with_cycles: ActorMethod<[CreateArgs], { canister_id: Principal }>;
};
interface CreateArgs {
  amount: [] | [bigint];
  settings: [] | [{ controllers: [] | [Principal[]] }];
  specified_id: [] | [Principal];
  sender_canister_version: [] | [bigint];
}
const managementIdl: IDL.InterfaceFactory = ({ IDL }) =>
  IDL.Service({
    provisional_create_canister_with_cycles: IDL.Func(
      [
        IDL.Record({
          amount: IDL.Opt(IDL.Nat),
          settings: IDL.Opt(IDL.Record({ controllers: IDL.Opt(IDL.Vec(IDL.Principal)) })),
          specified_id: IDL.Opt(IDL.Principal),
          sender_canister_version: IDL.Opt(IDL.Nat64),
        }),
      ],
      [IDL.Record({ canister_id: IDL.Principal })],
      [],
    ),
  });

/** How an agent reaches the replica, and how a test posts raw bodies the same way. */
interface Connection {
  readonly host: string;
  /** For `HttpAgent.create`; absent means the global `fetch` over the socket. */
  readonly fetch?: FetchHandler;
  post(path: string, body: Uint8Array): Promise<Response>;
  close(): Promise<void>;
}

const TRANSPORTS: readonly { name: string; connect: (replica: Replica, options?: HttpHandlerOptions) => Promise<Connection> }[] = [
  {
    name: 'the in-process fetch handler',
    connect: async (replica, options) => {
      const fetch = createHttpHandler(replica, options);
      const host = 'http://127.0.0.1:1'; // never dialled: the handler answers
      return { host, fetch, post: (path, body) => fetch(new URL(path, host), postInit(body)), close: async () => {} };
    },
  },
  {
    name: 'listen on 127.0.0.1',
    connect: async (replica, options) => {
      const server = await listen(replica, { ...options, port: 0 });
      return { host: server.url, post: (path, body) => fetch(new URL(path, server.url), postInit(body)), close: server.close };
    },
  },
];

const postInit = (body: Uint8Array): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/cbor' },
  body: body as Uint8Array<ArrayBuffer>,
});

async function agentFor(connection: Connection, options: { retryTimes?: number } = {}): Promise<HttpAgent> {
  return HttpAgent.create({
    host: connection.host,
    shouldFetchRootKey: true,
    ...(connection.fetch && { fetch: connection.fetch }),
    ...options,
  });
}

/** An anonymous call envelope, built by hand to send what an agent would refuse to. */
function callEnvelope(canisterId: Principal, methodName: string, ingressExpiryNanos: bigint): Uint8Array {
  return Cbor.encode({
    content: {
      request_type: 'call',
      sender: Principal.anonymous().toUint8Array(),
      ingress_expiry: ingressExpiryNanos,
      nonce: crypto.getRandomValues(new Uint8Array(8)),
      canister_id: canisterId.toUint8Array(),
      method_name: methodName,
      arg: new Uint8Array(IDL.encode([], [])),
    },
  });
}

const nowNanos = () => BigInt(Date.now()) * 1_000_000n;

async function caught(promise: Promise<unknown>): Promise<AgentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeDefined();
  return error as AgentError;
}

describe.each(TRANSPORTS)('the unmodified HttpAgent through $name', ({ connect }) => {
  let replica: Replica;
  let connection: Connection;
  let agent: HttpAgent;
  let canisterId: Principal;
  let counter: ActorSubclass<Counter>;

  beforeAll(async () => {
    replica = await Replica.create();
    canisterId = await replica.setupCanister({ wasm: testCanister('Counter') });
    connection = await connect(replica);
    agent = await agentFor(connection);
    counter = Actor.createActor<Counter>(counterIdl, { agent, canisterId });
  });
  afterAll(async () => {
    await connection?.close();
    await replica?.close();
  });

  it('answers update calls with certified replies and queries with signed replies', async () => {
    const before = await counter.get();
    expect(await counter.inc()).toBe(before + 1n);
    expect(await counter.inc()).toBe(before + 2n);
    expect(await counter.get()).toBe(before + 2n);
  });

  it('delivers a trap as a certified reject with reject code 5, IC0503 and the trap message', async () => {
    const before = await counter.get();
    const error = await caught(counter.incThenTrap());
    expect(error).toBeInstanceOf(RejectError);
    expect(error.code).toBeInstanceOf(CertifiedRejectErrorCode);
    expect(error.code).toMatchObject({ rejectCode: 5, rejectErrorCode: 'IC0503' });
    expect((error.code as CertifiedRejectErrorCode).rejectMessage).toContain('boom after changing state');
    expect(await counter.get()).toBe(before); // the trap rolled the increment back
  });

  it('completes 50 concurrent update calls with 50 distinct results', async () => {
    const before = await counter.get();
    const results = await Promise.all(Array.from({ length: 50 }, () => counter.inc()));
    expect([...results].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 50 }, (_, i) => before + 1n + BigInt(i)));
  });

  it('accepts an async v2 call with 202 and certifies its reply to the poll', async () => {
    const before = await counter.get();
    const { requestId, response } = await agent.call(canisterId, { methodName: 'inc', arg: IDL.encode([], []), callSync: false });
    expect(response.status).toBe(202);
    const { reply } = await pollForResponse(agent, canisterId, requestId);
    expect(IDL.decode([IDL.Nat], reply)).toEqual([before + 1n]);
  });

  it('serves the module hash and controllers to CanisterStatus', async () => {
    const status = await CanisterStatus.request({ canisterId, agent, paths: ['module_hash', 'controllers', 'time'] });
    expect(status.get('module_hash')).toBe(bytesToHex(replica.canisterInfo(canisterId)!.moduleHash!));
    expect((status.get('controllers') as Principal[]).map((p) => p.toText())).toEqual([Principal.anonymous().toText()]);
    expect(Math.abs((status.get('time') as Date).getTime() - Date.now())).toBeLessThan(5_000);
  });

  it('creates a canister through the management canister, addressed by an effective canister id', async () => {
    const management = Actor.createActor<Management>(managementIdl, {
      agent,
      canisterId: Principal.managementCanister(),
      effectiveCanisterId: canisterId,
    });
    const { canister_id } = await management.provisional_create_canister_with_cycles({
      amount: [10n ** 12n],
      settings: [],
      specified_id: [],
      sender_canister_version: [],
    });
    expect(replica.canisterIds().map((id) => id.toText())).toContain(canister_id.toText());
    expect(replica.getControllers(canister_id)).toEqual([Principal.anonymous()]);
  });

  it('answers a call to a canister that does not exist with a non-replicated rejection', async () => {
    const missing = canisterIdFromU64(CANISTER_RANGE.end);
    const nowhere = Actor.createActor<Counter>(counterIdl, { agent, canisterId: missing });
    const error = await caught(nowhere.inc());
    expect(error.code).toBeInstanceOf(UncertifiedRejectUpdateErrorCode);
    expect(error.code).toMatchObject({ rejectCode: 3, rejectErrorCode: 'IC0301' });
  });

  it('refuses an argument over the 2 MiB ingress limit with 413', async () => {
    const impatient = await agentFor(connection, { retryTimes: 0 });
    const error = await caught(impatient.call(canisterId, { methodName: 'inc', arg: new Uint8Array(2 * 1024 * 1024 + 1) }));
    expect(error.code).toBeInstanceOf(HttpErrorCode);
    expect(error.code).toMatchObject({ status: 413 });
    expect((error.code as HttpErrorCode).bodyText).toMatch(/is too large\. Message byte size 2097153 is larger than the max allowed 2097152\./);
  });

  it('refuses an expired ingress_expiry with 400 `Invalid request expiry: …`', async () => {
    const response = await connection.post(`/api/v3/canister/${canisterId.toText()}/call`, callEnvelope(canisterId, 'inc', nowNanos() - 60_000_000_000n));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/^Invalid request expiry: Specified ingress_expiry not within expected range: /);
  });

  it('executes a call sent twice (an agent retry) once', async () => {
    const before = await counter.get();
    const body = callEnvelope(canisterId, 'inc', nowNanos() + 60_000_000_000n);
    const path = `/api/v3/canister/${canisterId.toText()}/call`;
    const [first, second] = await Promise.all([connection.post(path, body), connection.post(path, body)]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await connection.post(path, body).then((r) => r.status)).toBe(200);
    expect(await counter.get()).toBe(before + 1n);
  });
});

describe('a sync call that outlives its wait', () => {
  it('is answered 202, after which the agent polls read_state for the answer', async () => {
    // Live, so that nothing runs the call inside the request: a stepped replica answers
    // an `inc` in the round its own handler drives before the wait begins.
    const replica = await Replica.create({ initialTimeMs: Date.now() });
    const canisterId = await replica.setupCanister({ wasm: testCanister('Counter') });
    replica.makeLive();
    const fetch = createHttpHandler(replica, { syncCallTimeoutMs: 0 });
    const wire: string[] = [];
    const recording: FetchHandler = async (input, init) => {
      const response = await fetch(input, init);
      wire.push(`${new URL(String(input)).pathname.split('/').at(-1)} ${response.status}`);
      return response;
    };
    try {
      const agent = await HttpAgent.create({ host: 'http://127.0.0.1:1', fetch: recording, shouldFetchRootKey: true });
      const pollingOptions = { strategy: () => new Promise<void>((resolve) => setTimeout(resolve, 10)) };
      const counter = Actor.createActor<Counter>(counterIdl, { agent, canisterId, pollingOptions });
      expect(await counter.inc()).toBe(1n);
      expect(wire).toContain('call 202');
      expect(wire.filter((e) => e === 'read_state 200').length).toBeGreaterThan(0);
    } finally {
      await replica.close();
    }
  });
});

describe('a live replica behind listen', () => {
  it('fires a timer set through the agent without anybody calling tick', async () => {
    // Live mode moves canister time with the wall clock, which must be ahead of it.
    const replica = await Replica.create({ initialTimeMs: Date.now() });
    const canisterId = await replica.setupCanister({ wasm: testCanister('Counter') });
    replica.makeLive();
    const server = await listen(replica, { port: 0 });
    try {
      const agent = await HttpAgent.create({ host: server.url, shouldFetchRootKey: true });
      const counter = Actor.createActor<Counter>(counterIdl, { agent, canisterId });
      expect(await counter.inc()).toBe(1n);
      await counter.setTimer(1n);
      const deadline = Date.now() + 5_000;
      while ((await counter.timerCount()) === 0n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await counter.timerCount()).toBe(1n);
    } finally {
      await server.close();
      await replica.close();
    }
  });
});

describe('the handler’s own answers', () => {
  let replica: Replica;
  let handler: FetchHandler;
  const HOST = 'http://127.0.0.1:1';

  beforeAll(async () => {
    replica = await Replica.create();
    handler = createHttpHandler(replica);
  });
  afterAll(async () => {
    await replica?.close();
  });

  it('serves /api/v2/status with the DER root key', async () => {
    const response = await handler(`${HOST}/api/v2/status`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/cbor');
    const status = Cbor.decode<{ root_key: Uint8Array; replica_health_status: string }>(new Uint8Array(await response.arrayBuffer()));
    expect(status.root_key).toEqual(replica.rootKeyDer);
    expect(status.replica_health_status).toBe('healthy');
  });

  it('answers a body that is not CBOR with 400 and a plain-text reason', async () => {
    const response = await handler(`${HOST}/api/v3/canister/aaaaa-aa/call`, { method: 'POST', body: new Uint8Array([0xff, 0x00]) });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toMatch(/^Could not parse body as call message: /);
  });

  it('answers an unknown path with 404, a wrong method with 405, and sets the URL the agent reads', async () => {
    const missing = await handler(`${HOST}/api/v3/canister/aaaaa-aa/nothing`, { method: 'POST' });
    expect([missing.status, missing.url]).toEqual([404, `${HOST}/api/v3/canister/aaaaa-aa/nothing`]);
    const wrong = await handler(`${HOST}/api/v2/status`, { method: 'POST' });
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'GET']);
  });

  it('answers a body over 3.5 MiB with 413', async () => {
    const response = await handler(`${HOST}/api/v3/canister/aaaaa-aa/call`, { method: 'POST', body: new Uint8Array(4 * 1024 * 1024) });
    expect(response.status).toBe(413);
  });

  it('answers a CORS preflight, so browser dapps on another origin may call', async () => {
    const response = await handler(`${HOST}/api/v3/canister/aaaaa-aa/call`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('turns an engine exception into a 500 that names it, and keeps serving', async () => {
    const broken = new Proxy(replica, {
      get(target, property) {
        if (property === 'query') return () => { throw new TypeError('engine bug'); };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const fetch = createHttpHandler(broken);
    const agent = await HttpAgent.create({ host: HOST, fetch, shouldFetchRootKey: true, retryTimes: 0 });
    const error = await caught(agent.query(Principal.fromText('bkyz2-fmaaa-aaaaa-qaaaq-cai'), { methodName: 'get', arg: IDL.encode([], []) }));
    expect(error.code).toMatchObject({ status: 500, bodyText: 'Internal error in the embedded replica: TypeError: engine bug' });
    expect((await fetch(`${HOST}/api/v2/status`)).status).toBe(200);
  });
});
