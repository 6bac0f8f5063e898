/**
 * Reading request bodies under a size cap, so an oversized upload is refused (413) after
 * at most the cap has been read, not after buffering all of it.
 */
import { PayloadTooLargeError } from './refusals.ts';
import { concatBytes } from '@noble/hashes/utils';

/**
 * Largest request body the interface reads, in bytes (3.5 MiB): the 2 MiB ingress limit
 * plus room for the envelope (signature, public key, delegation chains with targets),
 * about where the IC's boundary caps a whole request. Arguments over 2 MiB inside a body
 * under this cap are refused by the replica's own ingress limit, also with 413.
 */
export const MAX_REQUEST_BODY_BYTES = 3.5 * 1024 * 1024;

/**
 * Collects a body stream's chunks, stopping as soon as they exceed {@link MAX_REQUEST_BODY_BYTES}.
 *
 * @throws PayloadTooLargeError (413) once the cap is passed; the stream is cancelled.
 */
export async function readBodyCapped(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    total += chunk.value.length;
    if (total > MAX_REQUEST_BODY_BYTES) {
      await reader.cancel();
      throw bodyTooLarge();
    }
    chunks.push(chunk.value);
  }
  return concatBytes(...chunks);
}


/** The refusal of a body over {@link MAX_REQUEST_BODY_BYTES}. */
export function bodyTooLarge(): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `Request body is larger than the ${MAX_REQUEST_BODY_BYTES} bytes the replica accepts; the IC's ingress limit is 2 MiB per message.`,
  );
}
