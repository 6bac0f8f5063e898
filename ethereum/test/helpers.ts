/** Helpers shared by the Ethereum test files. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BigMap } from '../../client/index.ts';
import type { ChainCollections } from '../schema.ts';
import { ChainStore } from '../store.ts';

/** A collection's items as hex key → hex value, to compare what two imports stored. */
export async function storedContents(bigmap: BigMap, chainId: number, name: keyof ChainCollections): Promise<Map<string, string>> {
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  const out = new Map<string, string>();
  for await (const [key, value] of new ChainStore(bigmap, chainId).collection(name).entries()) {
    out.set(key instanceof Uint8Array ? hex(key) : `${hex(key.partition)}/${hex(key.sort)}`, hex(value));
  }
  return out;
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
