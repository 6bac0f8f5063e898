import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, type RpcRecord } from './record-codec.ts';
import { RECEIPT_SCHEMA, TRANSACTION_SCHEMA } from './rpc-schemas.ts';

/** A receipt as anvil answers `eth_getBlockReceipts` (an ERC-20 transfer with one log). */
const receipt: RpcRecord = {
  type: '0x2',
  status: '0x1',
  cumulativeGasUsed: '0x17c25',
  logs: [
    {
      address: '0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0',
      topics: [
        '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef',
        '0x00000000000000000000000023618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f',
        '0x0000000000000000000000009965507d1a55bcc2695c58ba16fb37d819b0a4dc',
      ],
      data: '0x0000000000000000000000000000000000000000000000020f5b1eaad8d80000',
      blockHash: '0xa3915e5f1a1117bd55c30e6e2781b501b81ec358f92bc39b1eb7ea1405487d2a',
      blockNumber: '0x5',
      blockTimestamp: '0x6b0140a4',
      transactionHash: '0x2401dd1ae93873f5b59616e072e338e6be0627a99795cb086561601903b8f486',
      transactionIndex: '0x2',
      logIndex: '0x0',
      removed: false,
    },
  ],
  logsBloom: `0x${'00'.repeat(255)}01`,
  transactionHash: '0x2401dd1ae93873f5b59616e072e338e6be0627a99795cb086561601903b8f486',
  transactionIndex: '0x2',
  blockHash: '0xa3915e5f1a1117bd55c30e6e2781b501b81ec358f92bc39b1eb7ea1405487d2a',
  blockNumber: '0x5',
  gasUsed: '0xc8d9',
  effectiveGasPrice: '0x60e73bb5',
  blobGasPrice: '0x1',
  from: '0xfabb0ac9d68b0b445fb7357272ff202c5651694a',
  to: '0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0',
  contractAddress: null,
  blockTimestamp: 1795244196,
};

describe('encodeRecord', () => {
  it('stores a receipt in under 40% of its JSON size and reads every field back', () => {
    const bytes = encodeRecord(receipt, RECEIPT_SCHEMA);
    expect(decodeRecord(bytes, RECEIPT_SCHEMA)).toEqual(receipt);
    expect(bytes.length).toBeLessThan(JSON.stringify(receipt).length * 0.4);
  });

  it('tells a null field from an absent one', () => {
    const creation = { ...receipt, to: null, contractAddress: '0x5fbdb2315678afecb367f032d93f642f64180aa3' };
    const { contractAddress: _, ...noContract } = receipt;
    for (const record of [creation, noContract]) expect(decodeRecord(encodeRecord(record, RECEIPT_SCHEMA), RECEIPT_SCHEMA)).toStrictEqual(record);
  });

  it('stores a field under the first of its kinds that fits: blockTimestamp as hex or as a JSON number', () => {
    for (const blockTimestamp of ['0x6b0140a4', 1795244196, '0x0', 0]) {
      const record = { ...receipt, blockTimestamp };
      expect(decodeRecord(encodeRecord(record, RECEIPT_SCHEMA), RECEIPT_SCHEMA)).toStrictEqual(record);
    }
  });

  it('keeps fields the schema does not know, and values that fit no kind exactly, by name', () => {
    const odd = { ...receipt, l1Fee: '0x10', extra: { nested: [1, 'two', null] }, gasUsed: '0x0c8d9', from: '0xFABB0AC9D68B0B445FB7357272FF202C5651694A' };
    const bytes = encodeRecord(odd, RECEIPT_SCHEMA);
    expect(decodeRecord(bytes, RECEIPT_SCHEMA)).toStrictEqual(odd);
    expect(new TextDecoder().decode(bytes)).toContain('l1Fee');
  });

  it('writes the same bytes for the same record, whatever its field order', () => {
    const reordered = Object.fromEntries(Object.entries(receipt).reverse());
    expect(encodeRecord(reordered, RECEIPT_SCHEMA)).toEqual(encodeRecord(receipt, RECEIPT_SCHEMA));
  });

  it('refuses bytes that are not an encoded record', () => {
    expect(() => decodeRecord(Uint8Array.of(0x83, 0x01, 0x02, 0x03), TRANSACTION_SCHEMA)).toThrow(TypeError);
    expect(() => decodeRecord(Uint8Array.of(0x05), TRANSACTION_SCHEMA)).toThrow(/Not an encoded record/);
  });
});
