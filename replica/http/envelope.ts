/**
 * Request envelopes: decode and validate the CBOR body of `call`, `query` and `read_state`
 * requests, compute the request id, and check `ingress_expiry`.
 *
 * Wire form (IC interface specification `requests.cddl`): self-described CBOR
 * `{content, ?sender_pubkey, ?sender_sig, ?sender_delegation}` where `content` holds
 * `request_type`, `sender`, `ingress_expiry` (nanoseconds), an optional `nonce`, and either
 * `canister_id`, `method_name`, `arg` (call, query) or `paths` (read_state).
 *
 * The request id is `@dfinity/agent`'s `requestIdOf` (representation-independent hashing)
 * over `content` exactly as decoded, so fields this module does not model (such as
 * `sender_info`) still count, as they do for the signer.
 */
import { requestIdOf, type RequestId } from '@dfinity/agent';
import { decode } from '@dfinity/cbor';
import { Principal } from '@dfinity/principal';
import { InvalidRequestExpiryError, MalformedRequestError } from './errors.ts';
import { formatIcTime, NANOS_PER_SECOND } from './ic-time.ts';

export type RequestType = 'call' | 'query' | 'read_state';

interface ContentCommon {
  readonly sender: Principal;
  /** When the request expires, in nanoseconds since the Unix epoch. */
  readonly ingressExpiryNanos: bigint;
  /** At most 32 bytes. */
  readonly nonce?: Uint8Array;
}

/** The content of an update call. */
export interface CallContent extends ContentCommon {
  readonly requestType: 'call';
  readonly canisterId: Principal;
  readonly methodName: string;
  /** Candid-encoded argument. */
  readonly arg: Uint8Array;
}

/** The content of a query. */
export interface QueryContent extends ContentCommon {
  readonly requestType: 'query';
  readonly canisterId: Principal;
  readonly methodName: string;
  /** Candid-encoded argument. */
  readonly arg: Uint8Array;
}

/** The content of a `read_state` request. */
export interface ReadStateContent extends ContentCommon {
  readonly requestType: 'read_state';
  /** Paths into the state tree, each a list of labels. */
  readonly paths: readonly (readonly Uint8Array[])[];
}

export type RequestContent = CallContent | QueryContent | ReadStateContent;

/** The content type of a request type. */
export type ContentOf<T extends RequestType> = Extract<RequestContent, { readonly requestType: T }>;

/** A delegation of the right to sign requests from one key to another. */
export interface Delegation {
  /** The DER public key the right is delegated to. */
  readonly pubkey: Uint8Array;
  /** When the delegation expires, in nanoseconds since the Unix epoch. */
  readonly expirationNanos: bigint;
  /** If present, the only canisters the delegated key may address. */
  readonly targets?: readonly Principal[];
}

/** A delegation with the signature of the key it delegates from. */
export interface SignedDelegation {
  readonly delegation: Delegation;
  readonly signature: Uint8Array;
}

/** The authentication part of a signed envelope. */
export interface SenderSignature {
  /** The sender's DER public key; the sender is its self-authenticating principal. */
  readonly pubkey: Uint8Array;
  /** Signature of `"\x0Aic-request" ‖ request_id` by the last key of the delegation chain. */
  readonly signature: Uint8Array;
  /** The chain from {@link pubkey} to the signing key; empty when the sender key signs. */
  readonly delegations: readonly SignedDelegation[];
}

/** A decoded, shape-checked request. */
export interface RequestEnvelope<C extends RequestContent = RequestContent> {
  readonly content: C;
  /** `hash_of_map(content)`, 32 bytes. */
  readonly requestId: RequestId;
  /** Absent when the envelope is unsigned, as it must be for the anonymous sender. */
  readonly senderSignature?: SenderSignature;
}

/** How long an ingress message may live, in nanoseconds (the IC's `MAX_INGRESS_TTL`, 5 minutes). */
export const MAX_INGRESS_TTL_NANOS = 300n * NANOS_PER_SECOND;

/** Extra future allowance for clock drift, in nanoseconds (the IC's `PERMITTED_DRIFT_AT_VALIDATOR`, 30 seconds). */
export const PERMITTED_DRIFT_NANOS = 30n * NANOS_PER_SECOND;

/** Longest nonce the IC accepts, in bytes. */
export const MAX_NONCE_BYTES = 32;

/** Most paths one `read_state` may ask for. */
export const MAX_READ_STATE_PATHS = 1000;

/** Most labels in one `read_state` path. */
export const MAX_PATH_LABELS = 127;

/**
 * Decodes a request body and checks its shape.
 *
 * @param body The HTTP request body.
 * @param requestType The kind the endpoint serves: `call` for `/call`, `query` for
 *   `/query`, `read_state` for `/read_state`.
 * @returns The typed content, the request id and the sender's signature if any.
 * @throws MalformedRequestError with the IC's wording where it has one
 *   (`Could not parse body as call message: …`, `Nonce in request is too big: …`).
 * @example
 * const envelope = decodeEnvelope(new Uint8Array(await request.arrayBuffer()), 'call');
 * checkIngressExpiry(envelope.content, nowNanos);
 */
export function decodeEnvelope<T extends RequestType>(body: Uint8Array, requestType: T): RequestEnvelope<ContentOf<T>> {
  const parse = new FieldReader(requestType);
  let decoded: unknown;
  try {
    decoded = decode(body);
  } catch (error) {
    throw parse.error(`invalid CBOR (${error instanceof Error ? error.message : String(error)})`);
  }
  const envelope = parse.map(decoded, 'envelope');
  const rawContent = parse.map(envelope.content, 'content');
  const content = decodeContent(parse, rawContent, requestType);
  let requestId: RequestId;
  try {
    requestId = requestIdOf(rawContent);
  } catch (error) {
    throw parse.error(`content cannot be hashed (${error instanceof Error ? error.message : String(error)})`);
  }
  const senderSignature = decodeSenderSignature(parse, envelope);
  return { content: content as ContentOf<T>, requestId, ...(senderSignature && { senderSignature }) };
}

/**
 * Checks `ingress_expiry` the way the IC's validator does: the expiry must lie in
 * `[now, now + MAX_INGRESS_TTL + PERMITTED_DRIFT]`. Calls are always checked; queries and
 * `read_state` requests only for non-anonymous senders, which is what lets an agent whose
 * clock is off run `syncTime` (anonymous `read_state` of `time`) before retrying.
 *
 * @param nowNanos The replica's time, nanoseconds since the Unix epoch. Use the time the
 *   replica certifies (near the wall clock), not a stepped canister time, or agents whose
 *   clock is right will be refused.
 * @throws InvalidRequestExpiryError whose message starts `Invalid request expiry: `.
 */
export function checkIngressExpiry(content: RequestContent, nowNanos: bigint): void {
  if (content.requestType !== 'call' && content.sender.isAnonymous()) return;
  const min = nowNanos;
  const max = nowNanos + MAX_INGRESS_TTL_NANOS + PERMITTED_DRIFT_NANOS;
  const provided = content.ingressExpiryNanos;
  if (min <= provided && provided <= max) return;
  throw new InvalidRequestExpiryError(
    'Invalid request expiry: Specified ingress_expiry not within expected range: ' +
      `Minimum allowed expiry: ${formatIcTime(min)}, ` +
      `Maximum allowed expiry: ${formatIcTime(max)}, ` +
      `Provided expiry:        ${formatIcTime(provided)}`,
  );
}

// Private: decoding.

type CborMap = Readonly<Record<string, unknown>>;

const MAX_PRINCIPAL_BYTES = 29;
const MAX_U64 = (1n << 64n) - 1n;

function decodeContent(parse: FieldReader, raw: CborMap, requestType: RequestType): RequestContent {
  const type = parse.text(raw, 'content', 'request_type');
  if (type !== requestType) throw parse.error(`content.request_type must be "${requestType}", got "${type}"`);
  const nonce = parse.optionalBytes(raw, 'content', 'nonce');
  if (nonce && nonce.length > MAX_NONCE_BYTES) {
    throw new MalformedRequestError(
      `Nonce in request is too big: got ${nonce.length} bytes, but at most ${MAX_NONCE_BYTES} are allowed.`,
    );
  }
  const common: ContentCommon = {
    sender: parse.principal(raw, 'content', 'sender'),
    ingressExpiryNanos: parse.nat64(raw, 'content', 'ingress_expiry'),
    ...(nonce && { nonce }),
  };
  if (requestType === 'read_state') return { ...common, requestType, paths: decodePaths(parse, raw) };
  return {
    ...common,
    requestType,
    canisterId: parse.principal(raw, 'content', 'canister_id'),
    methodName: parse.text(raw, 'content', 'method_name'),
    arg: parse.bytes(raw, 'content', 'arg'),
  };
}

function decodePaths(parse: FieldReader, raw: CborMap): Uint8Array[][] {
  const paths = parse.array(raw.paths, 'content.paths').map((path, i) =>
    parse.array(path, `content.paths[${i}]`).map((label, j) => parse.byteString(label, `content.paths[${i}][${j}]`)),
  );
  if (paths.length > MAX_READ_STATE_PATHS) {
    throw new MalformedRequestError(
      `Too many paths in read state request: got ${paths.length} paths, but at most ${MAX_READ_STATE_PATHS} are allowed.`,
    );
  }
  const deepest = Math.max(0, ...paths.map((path) => path.length));
  if (deepest > MAX_PATH_LABELS) {
    throw new MalformedRequestError(
      `At least one path in read state request is too deep: got ${deepest} labels, but at most ${MAX_PATH_LABELS} are allowed.`,
    );
  }
  return paths;
}

function decodeSenderSignature(parse: FieldReader, envelope: CborMap): SenderSignature | undefined {
  const pubkey = parse.optionalBytes(envelope, 'envelope', 'sender_pubkey');
  const signature = parse.optionalBytes(envelope, 'envelope', 'sender_sig');
  const rawDelegations = envelope.sender_delegation;
  if (!pubkey && !signature && rawDelegations === undefined) return undefined;
  if (!pubkey || !signature) throw parse.error('sender_pubkey and sender_sig must be given together');
  const delegations = rawDelegations === undefined ? [] : parse.array(rawDelegations, 'sender_delegation');
  return {
    pubkey,
    signature,
    delegations: delegations.map((item, i) => {
      const where = `sender_delegation[${i}]`;
      const signed = parse.map(item, where);
      const delegation = parse.map(signed.delegation, `${where}.delegation`);
      const targets = delegation.targets;
      return {
        delegation: {
          pubkey: parse.bytes(delegation, `${where}.delegation`, 'pubkey'),
          expirationNanos: parse.nat64(delegation, `${where}.delegation`, 'expiration'),
          ...(targets !== undefined && {
            targets: parse
              .array(targets, `${where}.delegation.targets`)
              .map((t, j) => parse.principalOf(t, `${where}.delegation.targets[${j}]`)),
          }),
        },
        signature: parse.bytes(signed, where, 'signature'),
      };
    }),
  };
}

/** Reads typed fields out of decoded CBOR, failing with the IC's "Could not parse body" wording. */
class FieldReader {
  readonly #requestType: RequestType;

  constructor(requestType: RequestType) {
    this.#requestType = requestType;
  }

  error(detail: string): MalformedRequestError {
    return new MalformedRequestError(`Could not parse body as ${this.#requestType} message: ${detail}`);
  }

  map(value: unknown, where: string): CborMap {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
      throw this.error(`${where} must be a map, got ${describe(value)}`);
    }
    return value as CborMap;
  }

  array(value: unknown, where: string): readonly unknown[] {
    if (!Array.isArray(value)) throw this.error(`${where} must be an array, got ${describe(value)}`);
    return value;
  }

  byteString(value: unknown, where: string): Uint8Array {
    if (!(value instanceof Uint8Array)) throw this.error(`${where} must be a byte string, got ${describe(value)}`);
    return value;
  }

  bytes(map: CborMap, where: string, key: string): Uint8Array {
    return this.byteString(map[key], `${where}.${key}`);
  }

  optionalBytes(map: CborMap, where: string, key: string): Uint8Array | undefined {
    return map[key] === undefined ? undefined : this.bytes(map, where, key);
  }

  text(map: CborMap, where: string, key: string): string {
    const value = map[key];
    if (typeof value !== 'string') throw this.error(`${where}.${key} must be a text string, got ${describe(value)}`);
    return value;
  }

  nat64(map: CborMap, where: string, key: string): bigint {
    const value = map[key];
    if ((typeof value === 'number' && Number.isSafeInteger(value)) || typeof value === 'bigint') {
      const n = BigInt(value);
      if (n >= 0n && n <= MAX_U64) return n;
    }
    throw this.error(`${where}.${key} must be an unsigned 64-bit integer, got ${describe(value)}`);
  }

  principal(map: CborMap, where: string, key: string): Principal {
    return this.principalOf(map[key], `${where}.${key}`);
  }

  principalOf(value: unknown, where: string): Principal {
    const bytes = this.byteString(value, where);
    if (bytes.length > MAX_PRINCIPAL_BYTES) {
      throw this.error(`${where} must be a principal of at most ${MAX_PRINCIPAL_BYTES} bytes, got ${bytes.length} bytes`);
    }
    return Principal.fromUint8Array(bytes);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `a ${value.length}-byte byte string`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${value}`;
  return typeof value === 'object' ? 'a map' : String(value);
}
