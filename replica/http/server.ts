/**
 * The IC HTTP interface of the embedded replica as a `fetch`-shaped function: hand it to
 * `HttpAgent.create({ fetch })` to talk to the replica in-process with no socket, or serve
 * it on 127.0.0.1 with `listen` (listen.ts).
 *
 * Invariants:
 * 1. The handler never rejects: a refusal becomes its HTTP status with a plain-text body
 *    (400, 403, 404, 405, 413), and any other exception (an engine bug) becomes a 500
 *    whose body names it.
 * 2. Responses are real `Response` objects whose `url` is the request's, as from `fetch`:
 *    the agent reads `response.url` to tell a missing v3 endpoint (404) from other errors,
 *    and calls `response.clone()`.
 * 3. Certified time and expiry checks use the wall clock, never canister time.
 */
import { MAX_REQUEST_BODY_BYTES, bodyTooLarge, readBodyCapped } from './body.ts';
import { call } from './call.ts';
import { RequestRefusedError } from './errors.ts';
import type { HttpAnswer, HttpReplica, ServerContext } from './exchange.ts';
import { IngressRegistry } from './ingress-registry.ts';
import { query } from './query.ts';
import { readState } from './read-state.ts';
import { MethodNotAllowedError } from './refusals.ts';
import { encodeStatus } from './responses.ts';
import { route } from './router.ts';

/** A function with the signature of the global `fetch`. */
export type FetchHandler = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface HttpHandlerOptions {
  /**
   * How long a synchronous call (v3, v4) waits for its answer before answering 202, after
   * which the agent polls `read_state`; in milliseconds of wall time.
   * @default 10_000
   */
  syncCallTimeoutMs?: number;
  /** `impl_version` in `/api/v2/status`. @default 'bigmap-embedded-replica' */
  implVersion?: string;
}

/** {@link HttpHandlerOptions.syncCallTimeoutMs}'s default, in milliseconds (the IC waits about as long). */
export const DEFAULT_SYNC_CALL_TIMEOUT_MS = 10_000;

/**
 * Serves the IC HTTP interface of `replica`: `/api/v2/status`, calls (v2 async, v3 and v4
 * sync), queries (v2, v3) and `read_state` (v2, v3, canister and subnet).
 *
 * A stepped replica (not `makeLive`) is driven by the calls waiting on it, so agents work
 * against it without anybody calling `tick`; a live replica runs by itself.
 *
 * @returns A `fetch`-shaped function; URLs may use any host.
 * @see listen (listen.ts) to serve the same handler on 127.0.0.1.
 * @example
 * const replica = await Replica.create();
 * const agent = await HttpAgent.create({ host: 'http://127.0.0.1:1', fetch: createHttpHandler(replica), shouldFetchRootKey: true });
 * const counter = Actor.createActor(idlFactory, { agent, canisterId });
 * await counter.inc();
 */
export function createHttpHandler(replica: HttpReplica, options: HttpHandlerOptions = {}): FetchHandler {
  const ctx: ServerContext = {
    replica,
    ingress: IngressRegistry.of(replica),
    nowNanos: () => BigInt(Date.now()) * 1_000_000n,
    syncCallTimeoutMs: options.syncCallTimeoutMs ?? DEFAULT_SYNC_CALL_TIMEOUT_MS,
  };
  const statusBody = encodeStatus({ rootKeyDer: replica.keys.rootKeyDer, implVersion: options.implVersion ?? 'bigmap-embedded-replica' });

  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request?.url ?? String(input), 'http://localhost');
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    let answer: HttpAnswer;
    try {
      answer = method === 'OPTIONS' ? { status: 204 } : await dispatch(ctx, statusBody, method, url.pathname, () => readBody(input, url, init));
    } catch (error) {
      answer = refusal(error);
    }
    return toResponse(answer, url);
  };
}

async function dispatch(ctx: ServerContext, statusBody: Uint8Array, method: string, pathname: string, body: () => Promise<Uint8Array>): Promise<HttpAnswer> {
  const target = route(method, pathname);
  switch (target.endpoint) {
    case 'status':
      return { status: 200, body: statusBody };
    case 'call':
      return call(ctx, target.mode, target.scope, target.effectiveId, await body());
    case 'query':
      return query(ctx, target.effectiveId, await body());
    case 'read_state':
      return readState(ctx, target.scope, target.effectiveId, await body());
  }
}

/**
 * The request body as a plain `Uint8Array`. Bytes passed directly (as the agent does) are
 * used without copying, except a Node.js `Buffer`: the CBOR decoder copies byte strings
 * with `slice`, which on a `Buffer` makes a view instead, and `@dfinity/candid`'s
 * `IDL.decode` (`PipeArrayBuffer`) reads a view from the start of its `ArrayBuffer`,
 * ignoring `byteOffset`: management calls would decode garbage ("Wrong magic number").
 */
async function readBody(input: RequestInfo | URL, url: URL, init: RequestInit | undefined): Promise<Uint8Array> {
  const given = init?.body;
  let body: Uint8Array;
  if (given instanceof Uint8Array) body = Object.getPrototypeOf(given) === Uint8Array.prototype ? given : new Uint8Array(given);
  else if (given instanceof ArrayBuffer) body = new Uint8Array(given);
  else {
    const stream = new Request(input instanceof Request ? input : url, init).body;
    body = stream ? await readBodyCapped(stream) : new Uint8Array();
  }
  if (body.length > MAX_REQUEST_BODY_BYTES) throw bodyTooLarge();
  return body;
}

function refusal(error: unknown): HttpAnswer {
  if (error instanceof MethodNotAllowedError) return { status: error.httpStatus, body: error.message, headers: { allow: error.allow } };
  if (error instanceof RequestRefusedError) return { status: error.httpStatus, body: error.message };
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { status: 500, body: `Internal error in the embedded replica: ${detail}` };
}

/** CORS: browser dapps on another origin (a dev server) may call the replica, as they may call the IC. */
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'Content-Type',
} as const;

function toResponse(answer: HttpAnswer, url: URL): Response {
  const { status, body } = answer;
  const headers: Record<string, string> = { ...CORS_HEADERS, ...answer.headers };
  if (typeof body === 'string') headers['content-type'] = 'text/plain; charset=utf-8';
  else if (body) headers['content-type'] = 'application/cbor';
  const response = new Response(body === undefined ? null : typeof body === 'string' ? body : (body as Uint8Array<ArrayBuffer>), { status, headers });
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}
