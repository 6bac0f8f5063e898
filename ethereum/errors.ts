/**
 * Errors of the Ethereum importer. Each is a {@link BigMapError}: a short message, hints,
 * and the underlying error (viem's, BigMap's) as its `cause`.
 */
import { BaseError as ViemBaseError, HttpRequestError, ResponseBodyTooLargeError, RpcError, TimeoutError } from 'viem';
import { BigMapError, type BigMapErrorParameters } from '../client/index.ts';

/** The node could not be asked or did not answer as Ethereum nodes do. */
export class EthereumRpcError extends BigMapError {
  override name = 'EthereumRpcError';
}

/** The RPC URL is not an http(s) URL. */
export class InvalidRpcUrlError extends EthereumRpcError {
  override name = 'InvalidRpcUrlError';
  constructor(url: string) {
    super(`Not an Ethereum JSON-RPC URL: ${JSON.stringify(url)}.`, { metaMessages: ['Give an http:// or https:// URL, e.g. http://127.0.0.1:8545.'] });
  }
}

/** Nothing answered at the URL (refused, unknown host, timed out). */
export class RpcUnreachableError extends EthereumRpcError {
  override name = 'RpcUnreachableError';
  constructor(url: string, parameters: BigMapErrorParameters) {
    super(`No Ethereum node answers at ${url}.`, { metaMessages: ['Check the URL and that the node is running (for a local one: `npx anvil`).'], ...parameters });
  }
}

/** The node answered, but with an error or with data that breaks the protocol. */
export class RpcRequestFailedError extends EthereumRpcError {
  override name = 'RpcRequestFailedError';
}

/** The node's chain is not the one whose blocks BigMap holds (a reorganization, or another chain with the same id). */
export class ChainMismatchError extends BigMapError {
  override name = 'ChainMismatchError';
}

/** The requested block range cannot be imported as asked. */
export class ImportRangeError extends BigMapError {
  override name = 'ImportRangeError';
}

/** Writing a batch of blocks to BigMap failed; the progress record still names the last complete batch. */
export class ImportWriteError extends BigMapError {
  override name = 'ImportWriteError';
}

/** The import was stopped through its AbortSignal; the blocks before `lastBlock` are stored. */
export class ImportAbortedError extends BigMapError {
  override name = 'ImportAbortedError';
}

/**
 * `error` from a viem call of `method` as an {@link EthereumRpcError}, with viem's error
 * as the cause: unreachable (network failure, timeout) or refused (an RPC or HTTP error).
 * `url` is the node as messages name it (without credentials).
 */
export function rpcErrorOf(error: unknown, url: string, method: string): EthereumRpcError {
  if (error instanceof EthereumRpcError) return error;
  if (error instanceof TimeoutError) return new RpcUnreachableError(url, { details: `${method} timed out`, cause: error });
  if (error instanceof HttpRequestError && error.status === undefined) {
    return new RpcUnreachableError(url, { details: networkReason(error), cause: error });
  }
  if (error instanceof ResponseBodyTooLargeError) {
    return new RpcRequestFailedError(`The answer of ${url} to ${method} was ${error.size} bytes, more than viem's limit of ${error.maxSize} bytes for one HTTP response.`, {
      metaMessages: ['Send fewer requests per HTTP call (`rpcBatchSize`).'],
      cause: error,
    });
  }
  if (error instanceof HttpRequestError) {
    return new RpcRequestFailedError(`The server at ${url} answered ${method} with HTTP ${error.status}.`, {
      metaMessages: ['Is this the URL of an Ethereum JSON-RPC endpoint?'],
      cause: error,
    });
  }
  if (error instanceof ViemBaseError) {
    return new RpcRequestFailedError(`The Ethereum node at ${url} refused ${method}: ${error.shortMessage}`, {
      ...(error.details ? { details: error.details } : {}),
      cause: error,
    });
  }
  return new RpcRequestFailedError(`Calling ${method} on ${url} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** Whether the node lacks `method` (JSON-RPC -32601 "method not found", -32004 "not supported"). */
export function isMethodUnsupported(error: unknown): boolean {
  const rpc = error instanceof ViemBaseError ? error.walk((e) => e instanceof RpcError) : undefined;
  return rpc instanceof RpcError && (rpc.code === -32601 || rpc.code === -32004 || /not (found|supported|available)|does not exist/i.test(rpc.details));
}

/** The innermost reason of a failed fetch (ECONNREFUSED, ENOTFOUND…), which viem wraps twice. */
function networkReason(error: HttpRequestError): string {
  let cause: unknown = error.cause;
  let reason = error.details;
  while (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    reason = typeof code === 'string' ? code : cause.message;
    cause = cause.cause;
  }
  return reason;
}
