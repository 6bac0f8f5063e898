/**
 * The unmodified `@dfinity/agent` HttpAgent against a tiny fake replica that answers with
 * this folder's modules: status, sync and async calls, signed queries and read_state, with
 * `shouldFetchRootKey: true` and the default `verifyQuerySignatures: true`.
 *
 * The fake (inside this file only; the real server comes later) decodes every request with
 * envelope.ts, checks expiry and signatures, runs a three-method "canister" in plain JS and
 * records what crossed the wire.
 */
import {
  Actor,
  CanisterStatus,
  Cbor,
  Certificate,
  CertifiedRejectErrorCode,
  HttpAgent,
  QuerySignatureVerificationFailedErrorCode,
  RejectError,
  TrustError,
  UncertifiedRejectUpdateErrorCode,
  lookupResultToBuffer,
  pollForResponse,
  type ActorMethod,
  type ActorSubclass,
  type Identity,
} from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { describe, expect, it } from 'vitest';
import { authenticateRequest } from './authentication.ts';
import { certifyPaths } from './certificate.ts';
import {
  checkIngressExpiry,
  decodeEnvelope,
  type CallContent,
  type ReadStateContent,
  type RequestEnvelope,
  type RequestType,
} from './envelope.ts';
import { RequestRefusedError } from './errors.ts';
import { ReplicaKeys } from './keys.ts';
import { signQueryResponse, type QueryOutcome } from './query-signature.ts';
import {
  encodeNonReplicatedRejection,
  encodeQueryResponse,
  encodeReadStateResponse,
  encodeStatus,
  encodeSyncCallResponse,
} from './responses.ts';
import { buildStateTree, singleNodeSubnet, type RequestStatus } from './state-tree.ts';

/** The canister id the IC mints from `n`: 8 bytes big-endian, then 0x01 0x01. */
const canisterId = (n: number) => Principal.fromUint8Array(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, n, 1, 1]));
const CANISTER = canisterId(1); // rrkah-fqaaa-aaaaa-aaaaq-cai
const NOT_HOSTED = canisterId(2); // in the subnet's range, but no canister there
const RANGE = [canisterId(0), canisterId(9)] as const;
const CONTROLLER = Principal.fromText('2vxsx-fae');
const MODULE_HASH = sha256(utf8ToBytes('the fake canister module'));
const CANDID = 'service : { greet : (text) -> (text); get : () -> (nat) query; fail : () -> () }';

type Service = {
  greet: ActorMethod<[string], string>;
  get: ActorMethod<[], bigint>;
  fail: ActorMethod<[], undefined>;
};
const idlFactory: IDL.InterfaceFactory = ({ IDL }) =>
  IDL.Service({
    greet: IDL.Func([IDL.Text], [IDL.Text], []),
    get: IDL.Func([], [IDL.Nat], ['query']),
    fail: IDL.Func([], [], []),
  });

/** One HTTP exchange as the fake saw it. */
interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The plain-text body of a refusal. */
  readonly text?: string;
}

/** A fake replica: this folder's modules around a three-method canister written in JS. */
class FakeReplica {
  readonly keys = ReplicaKeys.fromSeed(new Uint8Array(32).fill(42));
  /** Signs queries; replace it to see the agent's signature check fail. */
  querySigner: Pick<ReplicaKeys, 'nodeId' | 'signWithNodeKey'> = this.keys;
  /** How far the replica's clock runs ahead of the wall clock, in milliseconds. */
  clockOffsetMs = 0;
  readonly wire: Exchange[] = [];
  readonly senders: string[] = [];

  #greetings = 0n;
  readonly #statuses = new Map<string, readonly [Uint8Array, RequestStatus]>();
  readonly #queued: RequestEnvelope<CallContent>[] = [];

  /** Routes like the IC's HTTP interface; hand it to `HttpAgent.create({ fetch })`. */
  readonly fetch: typeof fetch = async (input, init) => {
    const { pathname } = new URL(String(input));
    const method = init?.method ?? 'GET';
    const body = init?.body ? new Uint8Array(init.body as Uint8Array) : new Uint8Array();
    let response: Response;
    try {
      response = this.#route(method, pathname, body);
    } catch (error) {
      if (!(error instanceof RequestRefusedError)) throw error;
      response = new Response(error.message, { status: error.httpStatus, headers: { 'Content-Type': 'text/plain' } });
    }
    const text = response.status >= 400 ? await response.clone().text() : undefined;
    this.wire.push({ method, path: pathname, status: response.status, ...(text !== undefined && { text }) });
    return response;
  };

  #route(method: string, path: string, body: Uint8Array): Response {
    if (method === 'GET' && path === '/api/v2/status') {
      return cbor(encodeStatus({ rootKeyDer: this.keys.rootKeyDer, implVersion: 'fake' }));
    }
    const [, , version, scope, , endpoint] = path.split('/');
    const route = `${method} ${version} ${scope} ${endpoint}`;
    if (route === 'POST v3 canister call') return this.#syncCall(this.#accept(body, 'call'));
    if (route === 'POST v2 canister call') return this.#asyncCall(this.#accept(body, 'call'));
    if (route === 'POST v2 canister query') return this.#query(this.#accept(body, 'query'));
    if (route === 'POST v2 canister read_state' || route === 'POST v3 subnet read_state') {
      return this.#readState(this.#accept(body, 'read_state'));
    }
    return new Response('Not found', { status: 404 });
  }

  #now(): bigint {
    return BigInt(Date.now() + this.clockOffsetMs) * 1_000_000n;
  }

  #accept<T extends RequestType>(body: Uint8Array, type: T) {
    const envelope = decodeEnvelope(body, type);
    checkIngressExpiry(envelope.content, this.#now());
    authenticateRequest(envelope, this.#now());
    this.senders.push(envelope.content.sender.toText());
    return envelope;
  }

  #syncCall(envelope: RequestEnvelope<CallContent>): Response {
    if (envelope.content.canisterId.compareTo(CANISTER) !== 'eq') {
      const reject = { code: 3, message: `Canister ${envelope.content.canisterId.toText()} not found`, errorCode: 'IC0301' };
      return cbor(encodeNonReplicatedRejection(reject));
    }
    this.#execute(envelope);
    const certificate = certifyPaths(this.#stateTree(), [['request_status', envelope.requestId]], this.keys);
    return cbor(encodeSyncCallResponse(certificate));
  }

  /** Queues the call; it runs after the next read_state has been answered. */
  #asyncCall(envelope: RequestEnvelope<CallContent>): Response {
    this.#queued.push(envelope);
    return new Response(null, { status: 202 });
  }

  #query(envelope: RequestEnvelope): Response {
    const outcome: QueryOutcome = { status: 'replied', reply: IDL.encode([IDL.Nat], [this.#greetings]) };
    const signatures = signQueryResponse(outcome, envelope.requestId, this.#now(), this.querySigner);
    return cbor(encodeQueryResponse(outcome, signatures));
  }

  #readState({ content }: RequestEnvelope<ReadStateContent>): Response {
    const response = cbor(encodeReadStateResponse(certifyPaths(this.#stateTree(), content.paths, this.keys)));
    this.#queued.splice(0).forEach((call) => this.#execute(call));
    return response;
  }

  #execute({ content, requestId }: RequestEnvelope<CallContent>): void {
    let status: RequestStatus;
    if (content.methodName === 'greet') {
      const [name] = IDL.decode([IDL.Text], content.arg) as [string];
      this.#greetings += 1n;
      status = { status: 'replied', reply: IDL.encode([IDL.Text], [`Hello, ${name}!`]) };
    } else {
      status = { status: 'rejected', reject: { code: 4, message: 'fail was called', errorCode: 'IC0406' } };
    }
    this.#statuses.set(bytesToHex(requestId), [requestId, status]);
  }

  #stateTree() {
    return buildStateTree({
      timeNanos: this.#now(),
      requestStatuses: this.#statuses.values(),
      canisters: [
        {
          canisterId: CANISTER,
          controllers: [CONTROLLER],
          moduleHash: MODULE_HASH,
          metadata: new Map([['candid:service', utf8ToBytes(CANDID)]]),
        },
      ],
      subnets: [singleNodeSubnet(this.keys, [RANGE])],
    });
  }
}

const cbor = (bytes: Uint8Array) =>
  new Response(new Uint8Array(bytes), { status: 200, headers: { 'Content-Type': 'application/cbor' } });

async function connect(replica: FakeReplica, identity?: Identity): Promise<{ agent: HttpAgent; actor: ActorSubclass<Service> }> {
  const agent = await HttpAgent.create({
    host: 'http://127.0.0.1:1',
    fetch: replica.fetch,
    shouldFetchRootKey: true,
    ...(identity && { identity }),
  });
  return { agent, actor: Actor.createActor<Service>(idlFactory, { agent, canisterId: CANISTER }) };
}

const endpoints = (replica: FakeReplica) => replica.wire.map(({ method, path, status }) => `${method} ${path} ${status}`);

describe('the unmodified HttpAgent against this folder’s responses', () => {
  it('fetches the root key, makes an update call, and makes a query whose signature it verifies', async () => {
    const replica = new FakeReplica();
    const { agent, actor } = await connect(replica);
    expect(agent.rootKey).toEqual(replica.keys.rootKeyDer);

    expect(await actor.greet('BigMap')).toBe('Hello, BigMap!');
    expect(await actor.get()).toBe(1n);

    const id = CANISTER.toText();
    expect(endpoints(replica).sort()).toEqual(
      [
        'GET /api/v2/status 200',
        `POST /api/v3/canister/${id}/call 200`,
        `POST /api/v2/canister/${id}/query 200`,
        // fetchSubnetKeys: read_state of ["subnet"], for the node keys that signed the query.
        `POST /api/v2/canister/${id}/read_state 200`,
      ].sort(),
    );
  });

  it('refuses a query whose signature is not by the certified node key', async () => {
    const replica = new FakeReplica();
    const impostor = ReplicaKeys.fromSeed(new Uint8Array(32).fill(43));
    replica.querySigner = { nodeId: replica.keys.nodeId, signWithNodeKey: (message) => impostor.signWithNodeKey(message) };
    const { actor } = await connect(replica);
    const error = await actor.get().catch((e: unknown) => e);
    expect((error as TrustError).code).toBeInstanceOf(QuerySignatureVerificationFailedErrorCode);
  });

  it('authenticates the requests of a signing identity', async () => {
    const replica = new FakeReplica();
    const identity = Ed25519KeyIdentity.generate();
    const { actor } = await connect(replica, identity);
    expect(await actor.greet('signer')).toBe('Hello, signer!');
    expect(await actor.get()).toBe(1n);
    expect(replica.senders).toContain(identity.getPrincipal().toText());
  });

  it('surfaces a certified reject with its reject code 4, message and error code IC0406', async () => {
    const { actor } = await connect(new FakeReplica());
    const error = await actor.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectError);
    const code = (error as RejectError).code;
    expect(code).toBeInstanceOf(CertifiedRejectErrorCode);
    expect(code).toMatchObject({ rejectCode: 4, rejectMessage: 'fail was called', rejectErrorCode: 'IC0406' });
    expect((error as Error).message).toMatch(/Reject code: 4\n\s*Reject text: fail was called\n\s*Error code: IC0406/);
  });

  it('surfaces a non-replicated rejection for a canister the replica does not host', async () => {
    const { agent } = await connect(new FakeReplica());
    const elsewhere = Actor.createActor<Service>(idlFactory, { agent, canisterId: NOT_HOSTED });
    const error = await elsewhere.greet('nobody').catch((e: unknown) => e);
    expect((error as RejectError).code).toBeInstanceOf(UncertifiedRejectUpdateErrorCode);
    expect((error as RejectError).code).toMatchObject({ rejectCode: 3, rejectErrorCode: 'IC0301' });
  });

  it('answers an expired ingress_expiry with `Invalid request expiry: `, after which the agent syncs its clock and succeeds', async () => {
    const replica = new FakeReplica();
    replica.clockOffsetMs = 60 * 60_000; // the replica runs an hour ahead of this machine
    const { agent, actor } = await connect(replica);

    expect(await actor.greet('late')).toBe('Hello, late!');
    expect(agent.hasSyncedTime()).toBe(true);

    const [refused, ...rest] = replica.wire.filter((e) => e.method === 'POST');
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/^Invalid request expiry: Specified ingress_expiry not within expected range: /);
    const readState = `/api/v2/canister/${CANISTER.toText()}/read_state`;
    expect(rest.map((e) => `${e.path} ${e.status}`)).toEqual([
      `${readState} 200`,
      `${readState} 200`,
      `${readState} 200`,
      `/api/v3/canister/${CANISTER.toText()}/call 200`,
    ]);
  });

  it('polls an async call through absence proofs until the call has run', async () => {
    const replica = new FakeReplica();
    const { agent } = await connect(replica);
    const { requestId, response } = await agent.call(CANISTER, {
      methodName: 'greet',
      arg: IDL.encode([IDL.Text], ['poller']),
      callSync: false,
    });
    expect(response.status).toBe(202);

    const { reply } = await pollForResponse(agent, CANISTER, requestId, { strategy: async () => {} });
    expect(IDL.decode([IDL.Text], reply)).toEqual(['Hello, poller!']);
    expect(endpoints(replica).filter((e) => e.includes('read_state'))).toHaveLength(2);
  });

  it('serves controllers, module hash, Candid metadata, time and subnet to CanisterStatus', async () => {
    const replica = new FakeReplica();
    const { agent } = await connect(replica);
    const status = await CanisterStatus.request({
      canisterId: CANISTER,
      agent,
      paths: ['controllers', 'module_hash', 'candid', 'time', 'subnet'],
    });
    expect((status.get('controllers') as Principal[]).map((p) => p.toText())).toEqual([CONTROLLER.toText()]);
    expect(status.get('module_hash')).toBe(bytesToHex(MODULE_HASH));
    expect(status.get('candid')).toBe(CANDID);
    expect(Math.abs((status.get('time') as Date).getTime() - Date.now())).toBeLessThan(60_000);
    const subnet = status.get('subnet') as CanisterStatus.SubnetStatus;
    expect(subnet.subnetId).toBe(replica.keys.subnetId.toText());
    expect([...subnet.nodeKeys.keys()]).toEqual([replica.keys.nodeId.toText()]);
  });

  it('serves subnet read_state at /api/v3/subnet/<subnet_id>/read_state', async () => {
    const replica = new FakeReplica();
    const { agent } = await connect(replica);
    const subnetId = replica.keys.subnetId;
    const request = await agent.createReadStateRequest({ paths: [[utf8ToBytes('subnet'), subnetId.toUint8Array()]] });
    const response = await replica.fetch(`http://127.0.0.1:1/api/v3/subnet/${subnetId.toText()}/read_state`, {
      ...request.request,
      body: Cbor.encode(request.body),
    });
    expect(response.status).toBe(200);

    const { certificate } = Cbor.decode<{ certificate: Uint8Array }>(new Uint8Array(await response.arrayBuffer()));
    const verified = await Certificate.create({ certificate, rootKey: agent.rootKey!, canisterId: subnetId });
    expect(lookupResultToBuffer(verified.lookup_path(['subnet', subnetId.toUint8Array(), 'public_key']))).toEqual(
      replica.keys.rootKeyDer,
    );
    expect(CanisterStatus.fetchNodeKeys(certificate, CANISTER, agent.rootKey!).nodeKeys.size).toBe(1);
  });
});
