/**
 * `read_state`: which paths a sender may read, and the certificate that answers them.
 *
 * Path rules follow dfinity/ic `rs/http_endpoints/public/src/read_state/{canister,subnet}.rs`
 * `verify_paths`, with the IC's statuses and wording:
 * 1. `canister/<id>/…` must name the effective canister id of the URL (400); a private
 *    custom section (`metadata/<name>`) only its controllers may read (403).
 * 2. `request_status/<id>/…` takes a 32-byte id (400), one id per request (400), and only
 *    the message's sender may read it (403), within its delegation targets (403).
 * 3. Any path not listed is refused with 404 `Invalid path requested.`; the subnet
 *    endpoint serves neither `canister` nor `request_status` paths.
 *
 * The state tree is built from only what the paths ask for, at wall-clock `time`, then
 * pruned to the paths and signed. A request id the sender's registry does not know is
 * simply absent from the tree, so a polling agent keeps polling.
 */
import { Principal } from '@dfinity/principal';
import { bytesToHex } from '@noble/hashes/utils';
import { canisterIdFromU64 } from '../ids.ts';
import { CANISTER_RANGE } from '../replica.ts';
import { acceptRequest } from './accept.ts';
import { allows, type DelegationTargets } from './authentication.ts';
import { isAnswered } from './await-answer.ts';
import { certifyPaths } from './certificate.ts';
import { MalformedRequestError } from './errors.ts';
import { cborAnswer, type HttpAnswer, type ServerContext } from './exchange.ts';
import { compareLabels } from './hash-tree.ts';
import { ForbiddenError, NotFoundError } from './refusals.ts';
import { encodeReadStateResponse } from './responses.ts';
import type { Scope } from './router.ts';
import { buildStateTree, singleNodeSubnet, type CanisterEntry, type RequestStatus } from './state-tree.ts';

/** Length of a request id (a SHA-256), in bytes. */
const REQUEST_ID_BYTES = 32;

/**
 * Answers `POST /api/{v2,v3}/{canister,subnet}/<id>/read_state`.
 *
 * @param scope Which endpoint: `canister` serves canister and request_status paths too.
 * @param effectiveId The principal in the URL.
 * @returns 200 `{certificate}`.
 * @throws RequestRefusedError subclasses (400, 403, 404) as listed at the top of this file.
 */
export function readState(ctx: ServerContext, scope: Scope, effectiveId: Principal, body: Uint8Array): HttpAnswer {
  const nowNanos = ctx.nowNanos();
  const { envelope, targets } = acceptRequest(body, 'read_state', effectiveId, nowNanos);
  const { sender, paths } = envelope.content;
  const wanted = checkPaths(ctx, scope, effectiveId, sender, targets, paths);

  const requestStatuses: [Uint8Array, RequestStatus][] = [];
  if (wanted.requestId) {
    const status = requestStatus(ctx, wanted.requestId, nowNanos);
    if (status) requestStatuses.push([wanted.requestId, status]);
  }
  const canisters = wanted.canister ? canisterEntries(ctx, effectiveId, wanted.metadataNames) : [];
  const tree = buildStateTree({ timeNanos: nowNanos, requestStatuses, canisters, subnets: [replicaSubnet(ctx)] });
  return cborAnswer(encodeReadStateResponse(certifyPaths(tree, paths, ctx.replica.keys)));
}

/**
 * The certificate of a synchronous call's answer: `time` and `request_status/<id>`.
 * REQUIRES: the registry knows the message (the call was accepted over HTTP).
 */
export function certifyRequestStatus(ctx: ServerContext, requestId: Uint8Array): Uint8Array {
  const nowNanos = ctx.nowNanos();
  const status = requestStatus(ctx, requestId, nowNanos);
  const tree = buildStateTree({ timeNanos: nowNanos, requestStatuses: status ? [[requestId, status]] : [] });
  return certifyPaths(tree, [['request_status', requestId]], ctx.replica.keys);
}

// Private: path rules.

/** What the checked paths ask for, beyond time and subnets (always in the tree). */
interface Wanted {
  requestId?: Uint8Array;
  /** Whether any path reads `canister/<effective id>/…`. */
  canister: boolean;
  metadataNames: Set<string>;
}

function checkPaths(
  ctx: ServerContext,
  scope: Scope,
  effectiveId: Principal,
  sender: Principal,
  targets: DelegationTargets,
  paths: readonly (readonly Uint8Array[])[],
): Wanted {
  const wanted: Wanted = { canister: false, metadataNames: new Set() };
  for (const path of paths) {
    const [head, ...rest] = path.map(labelText);
    if (isCommonPath(head, rest)) continue;
    if (scope === 'subnet' && head === 'subnet' && rest[1] === 'metrics' && rest.length === 2) {
      checkSameId(path[1], effectiveId);
      continue;
    }
    if (scope === 'canister' && head === 'canister' && rest.length >= 2) {
      const field = rest[1];
      if (rest.length === 2 && (field === 'controllers' || field === 'module_hash')) {
        checkSameId(path[1], effectiveId);
        wanted.canister = true;
        continue;
      }
      if (rest.length === 3 && field === 'metadata') {
        const sectionName = decodeSectionName(path[3]);
        checkSameId(path[1], effectiveId);
        checkMetadataAccess(ctx, effectiveId, sectionName, sender);
        wanted.canister = true;
        wanted.metadataNames.add(sectionName);
        continue;
      }
    }
    if (scope === 'canister' && head === 'request_status' && (rest.length === 1 || (rest.length === 2 && REQUEST_STATUS_FIELDS.has(rest[1])))) {
      wanted.requestId = checkRequestStatusPath(ctx, path[1], wanted.requestId, sender, targets);
      continue;
    }
    throw new NotFoundError('Invalid path requested.');
  }
  return wanted;
}

const REQUEST_STATUS_FIELDS = new Set(['status', 'reply', 'reject_code', 'reject_message', 'error_code']);

/**
 * Paths both endpoints serve. `api_boundary_nodes` and `canister_ranges/<subnet>` (the
 * newer, sharded form of the ranges) exist on the IC but not here: they are answered with
 * absence proofs rather than 404, so an agent that asks falls back as it would on a
 * subnet without them.
 */
function isCommonPath(head: string | undefined, rest: readonly string[]): boolean {
  switch (head) {
    case 'time':
      return rest.length === 0;
    case 'subnet':
      return (
        rest.length <= 1 ||
        (rest.length === 2 && (rest[1] === 'public_key' || rest[1] === 'canister_ranges' || rest[1] === 'node')) ||
        (rest.length === 3 && rest[1] === 'node') ||
        (rest.length === 4 && rest[1] === 'node' && rest[3] === 'public_key')
      );
    case 'api_boundary_nodes':
      return rest.length <= 1 || (rest.length === 2 && ['domain', 'ipv4_address', 'ipv6_address'].includes(rest[1]));
    case 'canister_ranges':
      return rest.length >= 1 && rest.length <= 2;
    default:
      return false;
  }
}

function checkSameId(label: Uint8Array, effectiveId: Principal): void {
  if (compareLabels(label, effectiveId.toUint8Array()) === 0) return;
  throw new MalformedRequestError(
    `Effective principal id in URL ${effectiveId.toText()} does not match requested principal id: ${principalText(label)}.`,
  );
}

function decodeSectionName(label: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(label);
  } catch {
    throw new MalformedRequestError('Could not parse the custom section name: invalid utf-8 sequence.');
  }
}

function checkMetadataAccess(ctx: ServerContext, canisterId: Principal, name: string, sender: Principal): void {
  const info = ctx.replica.canisterInfo(canisterId);
  const section = info?.metadata.get(name);
  if (!info || !section || section.public) return;
  if (info.controllers.some((c) => c.compareTo(sender) === 'eq')) return;
  throw new ForbiddenError(`Custom section ${name.slice(0, 100)} can only be requested by the controllers of the canister.`);
}

/** Checks one `request_status` path. @returns its request id. */
function checkRequestStatusPath(
  ctx: ServerContext,
  requestId: Uint8Array,
  previous: Uint8Array | undefined,
  sender: Principal,
  targets: DelegationTargets,
): Uint8Array {
  if (requestId.length !== REQUEST_ID_BYTES) {
    throw new MalformedRequestError(
      `Invalid request id in paths. Maybe the request ID is not of ${REQUEST_ID_BYTES} bytes in length?!`,
    );
  }
  if (previous && compareLabels(previous, requestId) !== 0) {
    throw new MalformedRequestError(
      `More than one non-unique request ID exists in request_status paths: ${bytesToHex(previous)} and ${bytesToHex(requestId)}.`,
    );
  }
  const origin = ctx.ingress.get(bytesToHex(requestId));
  if (origin && origin.sender.compareTo(sender) !== 'eq') {
    throw new ForbiddenError('The user tries to access Request ID not signed by the caller.');
  }
  if (origin && !allows(targets, origin.receiver)) {
    throw new ForbiddenError('The user tries to access request IDs for canisters not belonging to sender delegation targets.');
  }
  return requestId;
}

// Private: the state the paths read.

/**
 * A message's certified status: the engine's, except that an answer turns into `done`
 * once the message expired, as on the IC. Undefined for a message this registry does not
 * know: it was not sent over HTTP, or was forgotten.
 */
function requestStatus(ctx: ServerContext, requestId: Uint8Array, nowNanos: bigint): RequestStatus | undefined {
  const messageId = bytesToHex(requestId);
  const origin = ctx.ingress.get(messageId);
  const record = origin && ctx.replica.ingressStatus(messageId);
  if (!origin || !record) return undefined;
  if (isAnswered(record) && nowNanos > origin.expiryNanos) return { status: 'done' };
  switch (record.status) {
    case 'replied':
      return record.reply ? { status: 'replied', reply: record.reply } : { status: 'done' };
    case 'rejected':
      return record.reject ? { status: 'rejected', reject: record.reject } : { status: 'done' };
    default:
      return { status: record.status };
  }
}

function canisterEntries(ctx: ServerContext, canisterId: Principal, metadataNames: ReadonlySet<string>): CanisterEntry[] {
  const info = ctx.replica.canisterInfo(canisterId);
  if (!info) return [];
  const metadata = new Map<string, Uint8Array>();
  for (const name of metadataNames) {
    const section = info.metadata.get(name);
    if (section) metadata.set(name, section.content);
  }
  return [{ canisterId, controllers: info.controllers, ...(info.moduleHash && { moduleHash: info.moduleHash }), metadata }];
}

function replicaSubnet(ctx: ServerContext) {
  return singleNodeSubnet(ctx.replica.keys, [[canisterIdFromU64(CANISTER_RANGE.start), canisterIdFromU64(CANISTER_RANGE.end)]]);
}

function labelText(label: Uint8Array): string {
  return new TextDecoder().decode(label);
}

/** A path label as the IC prints a principal: textual when it can be one, else hex. */
function principalText(bytes: Uint8Array): string {
  return bytes.length <= 29 ? Principal.fromUint8Array(bytes).toText() : bytesToHex(bytes);
}
