/**
 * Maps an HTTP method and path to an endpoint of the IC HTTP interface (IC interface
 * specification, "HTTPS Interface"). Every version an agent may use is served:
 * `@dfinity/agent` 3.x calls `/api/v3/…/call` and `/api/v2/…/{query,read_state}`;
 * `@icp-sdk/core` calls `/api/v4/…/call` and `/api/v3/…/{query,read_state}`; both fall
 * back to `/api/v2/…/call` when a newer call endpoint answers 404.
 */
import { Principal } from '@dfinity/principal';
import { MalformedRequestError } from './errors.ts';
import { MethodNotAllowedError, NotFoundError } from './refusals.ts';

/** Whose URL a request names: a canister's (`/canister/<id>/…`) or a subnet's (`/subnet/<id>/…`). */
export type Scope = 'canister' | 'subnet';

/** An endpoint and the principal its URL names. */
export type Route =
  | { readonly endpoint: 'status' }
  | {
      readonly endpoint: 'call';
      /** `async` (v2): answer 202 once queued; `sync` (v3, v4): wait for the answer. */
      readonly mode: 'async' | 'sync';
      readonly scope: Scope;
      /** The effective canister id (or subnet id) from the URL. */
      readonly effectiveId: Principal;
    }
  | { readonly endpoint: 'query'; readonly effectiveId: Principal }
  | { readonly endpoint: 'read_state'; readonly scope: Scope; readonly effectiveId: Principal };

/**
 * Finds the endpoint of a request.
 *
 * @param method The HTTP method, upper case.
 * @param pathname The URL path, without query string.
 * @throws NotFoundError (404) for a path the interface does not serve.
 * @throws MethodNotAllowedError (405) for a served path with the wrong method.
 * @throws MalformedRequestError (400) when the id in the path is not a principal.
 * @example
 * route('POST', '/api/v3/canister/bkyz2-fmaaa-aaaaa-qaaaq-cai/call');
 * // → { endpoint: 'call', mode: 'sync', scope: 'canister', effectiveId: Principal(bkyz2-…) }
 */
export function route(method: string, pathname: string): Route {
  if (pathname === '/api/v2/status') {
    requireMethod(method, 'GET', pathname);
    return { endpoint: 'status' };
  }
  const match = /^\/api\/(v\d+)\/(canister|subnet)\/([^/]+)\/(call|query|read_state)$/.exec(pathname);
  const build = match && ENDPOINTS[`${match[1]} ${match[2]} ${match[4]}`];
  if (!match || !build) throw new NotFoundError(`Not found: ${pathname}`);
  requireMethod(method, 'POST', pathname);
  return build(parsePrincipal(match[3]));
}

// Private.

type Build = (effectiveId: Principal) => Route;

const call =
  (mode: 'async' | 'sync', scope: Scope): Build =>
  (effectiveId) => ({ endpoint: 'call', mode, scope, effectiveId });
const query: Build = (effectiveId) => ({ endpoint: 'query', effectiveId });
const readState =
  (scope: Scope): Build =>
  (effectiveId) => ({ endpoint: 'read_state', scope, effectiveId });

/** `<version> <scope> <action>` → route. */
const ENDPOINTS: Readonly<Record<string, Build>> = {
  'v2 canister call': call('async', 'canister'),
  'v3 canister call': call('sync', 'canister'),
  'v4 canister call': call('sync', 'canister'),
  'v4 subnet call': call('sync', 'subnet'),
  'v2 canister query': query,
  'v3 canister query': query,
  'v2 canister read_state': readState('canister'),
  'v3 canister read_state': readState('canister'),
  'v2 subnet read_state': readState('subnet'),
  'v3 subnet read_state': readState('subnet'),
};

function requireMethod(method: string, allowed: 'GET' | 'POST', pathname: string): void {
  if (method !== allowed) throw new MethodNotAllowedError(`Method ${method} is not allowed on ${pathname}; use ${allowed}.`, allowed);
}

function parsePrincipal(text: string): Principal {
  try {
    return Principal.fromText(decodeURIComponent(text));
  } catch (error) {
    throw new MalformedRequestError(`Could not parse principal ID in URL: ${error instanceof Error ? error.message : String(error)}`);
  }
}
