import fc from 'fast-check';
import type { RpcTransactionReceipt } from 'viem';
import { describe, expect, it } from 'vitest';
import { compareBytes } from '../sharding/index.ts';
import { logsBloom } from './bloom.ts';
import { chainCollections, keys, positionOf, receiptValue } from './schema.ts';

const address = '0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0';
const position = fc.record({ block: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), logIndex: fc.integer({ min: 0, max: 2 ** 32 - 1 }) });

describe('keys', () => {
  it('sort postings in chain order, byte by byte: block, then log index', () => {
    fc.assert(
      fc.property(position, position, (a, b) => {
        const numeric = a.block === b.block ? Math.sign(a.logIndex - b.logIndex) : a.block < b.block ? -1 : 1;
        expect(Math.sign(compareBytes(keys.posting(address, a.block, a.logIndex).sort, keys.posting(address, b.block, b.logIndex).sort))).toBe(numeric);
      }),
    );
  });

  it('read a posting\'s position back from its sort key', () => {
    fc.assert(
      fc.property(position, (p) => {
        expect(positionOf(keys.posting(address, p.block, p.logIndex).sort)).toEqual({ blockNumber: p.block, logIndex: p.logIndex });
      }),
    );
  });

  it('file a transfer to oneself twice under the holder, out before in', () => {
    const out = keys.holderPosting(address, 7, 3, 'out');
    const into = keys.holderPosting(address, 7, 3, 'in');
    expect(compareBytes(out.sort, into.sort)).toBe(-1);
    expect(compareBytes(into.sort, keys.holderPosting(address, 7, 4, 'out').sort)).toBe(-1);
  });

  it('name every collection after its chain, so two chains share no key', () => {
    const one = Object.values(chainCollections(1));
    const other = Object.values(chainCollections(31337));
    expect(one.filter((name) => other.includes(name))).toEqual([]);
    expect(one).toContain('eth:1:logs:address');
  });
});

describe('receiptValue', () => {
  const log = {
    address,
    topics: ['0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'],
    data: '0x',
    blockHash: `0x${'11'.repeat(32)}`,
    blockNumber: '0x5',
    transactionHash: `0x${'22'.repeat(32)}`,
    transactionIndex: '0x2',
    logIndex: '0x0',
    removed: false,
  } as const;
  const receipt = {
    type: '0x2',
    status: '0x1',
    cumulativeGasUsed: '0x5208',
    gasUsed: '0x5208',
    effectiveGasPrice: '0x1',
    from: address,
    to: address,
    contractAddress: null,
    logs: [log],
    // The import test checks logsBloom against the node's blooms; here it only has to be the logs' bloom.
    logsBloom: logsBloom([log]),
    blockHash: log.blockHash,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
    transactionIndex: log.transactionIndex,
  } as unknown as RpcTransactionReceipt;

  it('leaves out what the key, the receipt and the logs give back, and reads the receipt back whole', () => {
    const bytes = receiptValue.encode(receipt);
    expect(bytes[0]).toBe(0b11); // log context and bloom left out
    expect(bytes.length).toBeLessThan(200);
    expect(receiptValue.decode(bytes, 5n, 2)).toStrictEqual(receipt);
  });

  it('keeps a bloom that is not the bloom of the logs, and logs that differ from their receipt', () => {
    const odd = { ...receipt, logsBloom: `0x${'ff'.repeat(256)}`, logs: [{ ...log, transactionHash: `0x${'33'.repeat(32)}` }] } as unknown as RpcTransactionReceipt;
    const bytes = receiptValue.encode(odd);
    expect(bytes[0]).toBe(0);
    expect(receiptValue.decode(bytes, 5n, 2)).toStrictEqual(odd);
  });
});
