/**
 * Serves the replica's HTTP interface (server.ts) on a TCP port with `node:http`, for
 * agents in other processes (`bigmap start`, dfx-style tooling, browsers).
 *
 * Bounds:
 * 1. It listens on 127.0.0.1 unless told otherwise: the replica accepts any anonymous
 *    `provisional_create_canister_with_cycles`, so it must not face a network by default.
 * 2. A body over `MAX_REQUEST_BODY_BYTES` is refused with 413 once that much has arrived
 *    (at once when `Content-Length` says so); at most the cap is ever held in memory, and
 *    an upload that goes on after the 413 is cut off.
 * 3. `close()` stops accepting and ends every connection, idle keep-alive ones included,
 *    so it resolves promptly and the process can exit.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { concatBytes } from '@noble/hashes/utils';
import { MAX_REQUEST_BODY_BYTES, bodyTooLarge } from './body.ts';
import type { HttpReplica } from './exchange.ts';
import { createHttpHandler, type FetchHandler, type HttpHandlerOptions } from './server.ts';

export interface ListenOptions extends HttpHandlerOptions {
  /** TCP port; 0 picks a free one (read it from {@link ReplicaServer.port}). @default 4943, the port of dfx's local replica */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' (loopback only) */
  host?: string;
}

/** A running server. */
export interface ReplicaServer {
  /** Base URL for `HttpAgent.create({ host })`, e.g. `http://127.0.0.1:4943`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops accepting, ends open connections, and resolves once the server is closed. */
  close(): Promise<void>;
}

/** {@link ListenOptions.port}'s default. */
export const DEFAULT_PORT = 4943;

/**
 * How long an idle keep-alive connection stays open, in milliseconds. Longer than Node's
 * 5 s: a busy client (one verifying BLS certificates) may reuse a connection just as the
 * server closes it, and then sees "other side closed" and must retry.
 */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

/**
 * Serves `replica`'s IC HTTP interface on `host:port`.
 *
 * @returns Once listening, the server's URL and a `close`.
 * @throws Error (EADDRINUSE, EACCES) when the port cannot be bound.
 * @example
 * const server = await listen(replica, { port: 0 });
 * const agent = await HttpAgent.create({ host: server.url, shouldFetchRootKey: true });
 * // …
 * await server.close();
 */
export async function listen(replica: HttpReplica, options: ListenOptions = {}): Promise<ReplicaServer> {
  const { port = DEFAULT_PORT, host = '127.0.0.1', ...handlerOptions } = options;
  const handler = createHttpHandler(replica, handlerOptions);
  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (req, res) => void serve(handler, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  return {
    url,
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function serve(handler: FetchHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const method = req.method ?? 'GET';
    let body: Uint8Array | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      body = Number(req.headers['content-length'] ?? 0) > MAX_REQUEST_BODY_BYTES ? undefined : await readCapped(req);
      if (!body) {
        refuseOversized(req, res);
        return;
      }
    }
    const response = await handler(new URL(req.url ?? '/', 'http://localhost'), { method, ...(body && { body: body as Uint8Array<ArrayBuffer> }) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(new Uint8Array(await response.arrayBuffer()));
  } catch (error) {
    // The handler never rejects (server.ts, invariant 1); this is a broken connection.
    res.destroy(error instanceof Error ? error : undefined);
  }
}

/** The body, or undefined as soon as it passes the cap (the rest is not kept). */
function readCapped(req: IncomingMessage): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total <= MAX_REQUEST_BODY_BYTES) {
        parts.push(chunk);
        return;
      }
      req.off('data', onData);
      resolve(undefined);
    };
    req.on('data', onData);
    // A plain Uint8Array, never a Buffer (see `readBody` in server.ts).
    req.once('end', () => resolve(concatBytes(...parts)));
    req.once('error', reject);
  });
}

/**
 * 413 at once, and the rest of the body discarded as it arrives. Neither paused nor cut
 * off: a client still uploading (undici) reads the answer only while its upload flows, and
 * gets EPIPE instead of the 413 when the server stops reading or closes first. Clients
 * abort the upload on the 413; one that goes on is cut off after {@link OVERSIZED_GRACE_MS}.
 */
function refuseOversized(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(bodyTooLarge().message, () => {
    const timer = setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, OVERSIZED_GRACE_MS);
    timer.unref();
  });
}

/** How long a refused upload may go on after its 413 before its socket is destroyed, in milliseconds. */
const OVERSIZED_GRACE_MS = 1_000;
