/**
 * What the endpoint handlers (call.ts, query.ts, read-state.ts) receive and return. They
 * return an {@link HttpAnswer}, and server.ts turns it into a `Response`, so the handlers
 * stay free of HTTP plumbing.
 */
import type { Replica } from '../replica.ts';
import type { IngressRegistry } from './ingress-registry.ts';

/** The parts of {@link Replica} the HTTP interface uses. */
export type HttpReplica = Pick<Replica, 'keys' | 'submitCall' | 'awaitCall' | 'whenAnswered' | 'ingressStatus' | 'query' | 'canisterInfo' | 'isLive'>;

/** What every handler works with. */
export interface ServerContext {
  readonly replica: HttpReplica;
  /** Senders of the messages accepted over HTTP. */
  readonly ingress: IngressRegistry;
  /**
   * The time the interface certifies and checks expiries against, nanoseconds since the
   * Unix epoch: the wall clock, independent of canister time (like PocketIC's certified
   * time), because agents refuse certificates more than 5 minutes from their own clock.
   */
  readonly nowNanos: () => bigint;
  /** How long a synchronous call waits for its answer before answering 202, in milliseconds. */
  readonly syncCallTimeoutMs: number;
}

/** An HTTP answer: a CBOR body (bytes), a plain-text body (string), or none. */
export interface HttpAnswer {
  readonly status: number;
  readonly body?: Uint8Array | string;
  /** Headers beyond `content-type` (set from the body) and CORS. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A 200 answer with a CBOR body. */
export function cborAnswer(body: Uint8Array): HttpAnswer {
  return { status: 200, body };
}
