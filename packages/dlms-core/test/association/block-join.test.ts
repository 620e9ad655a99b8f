import { describe, expect, it } from 'vitest';
import {
  type DlmsError,
  type GeneralBlockTransfer,
  type GetResponseWithDatablock,
  encodeApdu,
  encodeDataBytes,
  joinGeneralBlockTransfer,
  joinGetDatablocks,
  splitBlocks,
  toHex,
} from '../../src/index.js';

const ii = { invokeId: 1, confirmed: true, highPriority: true } as const;

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as DlmsError).code;
  }
  return undefined;
}

function gbt(n: number, data: Uint8Array, last: boolean): GeneralBlockTransfer {
  return {
    type: 'general-block-transfer',
    lastBlock: last,
    streaming: false,
    window: 1,
    blockNumber: n,
    blockNumberAck: 0,
    blockData: data,
  };
}

function getBlock(n: number, data: Uint8Array, last: boolean): GetResponseWithDatablock {
  return {
    type: 'get-response-with-datablock',
    invokeIdAndPriority: ii,
    block: { lastBlock: last, blockNumber: n, result: { type: 'raw-data', rawData: data } },
  };
}

// A GET-Response-Normal for a register value, cut into 4-byte GBT blocks (built by our encoders).
const inner = encodeApdu({
  type: 'get-response-normal',
  invokeIdAndPriority: ii,
  result: { type: 'data', data: { type: 'double-long-unsigned', value: 123456 } },
});
const value = encodeDataBytes({
  type: 'array',
  value: Array.from({ length: 40 }, (_, i) => ({ type: 'long-unsigned' as const, value: i * 1000 })),
});

describe('joinGeneralBlockTransfer', () => {
  it('joins a complete run into the APDU it carries', () => {
    const parts = splitBlocks(inner, 4);
    const run = parts.map((p, i) => gbt(i + 1, p, i === parts.length - 1));
    expect(toHex(joinGeneralBlockTransfer(run))).toBe(toHex(inner));
  });

  it('refuses a gap, a repeat, a block after the last, a missing last block and an empty run', () => {
    const p = splitBlocks(inner, 4);
    expect(codeOf(() => joinGeneralBlockTransfer([gbt(1, p[0]!, false), gbt(3, p[1]!, true)]))).toBe(
      'BLOCK_SEQUENCE',
    );
    expect(codeOf(() => joinGeneralBlockTransfer([gbt(1, p[0]!, false), gbt(1, p[0]!, true)]))).toBe(
      'BLOCK_SEQUENCE',
    );
    expect(codeOf(() => joinGeneralBlockTransfer([gbt(1, p[0]!, true), gbt(2, p[1]!, true)]))).toBe(
      'BLOCK_SEQUENCE',
    );
    expect(codeOf(() => joinGeneralBlockTransfer([gbt(1, p[0]!, false), gbt(2, p[1]!, false)]))).toBe(
      'BLOCK_SEQUENCE',
    );
    expect(codeOf(() => joinGeneralBlockTransfer([]))).toBe('BLOCK_SEQUENCE');
  });

  it('caps what a peer can make it hold', () => {
    const p = splitBlocks(inner, 4);
    expect(
      codeOf(() =>
        joinGeneralBlockTransfer(
          p.map((x, i) => gbt(i + 1, x, i === p.length - 1)),
          8,
        ),
      ),
    ).toBe('LIMIT_EXCEEDED');
  });
});

describe('joinGetDatablocks', () => {
  it('joins raw-data blocks into the GET-Response-Normal they stand for', () => {
    const parts = splitBlocks(value, 16);
    const res = joinGetDatablocks(parts.map((p, i) => getBlock(i + 1, p, i === parts.length - 1)));
    expect(res.type).toBe('get-response-normal');
    expect(res.result.type === 'data' && toHex(encodeDataBytes(res.result.data))).toBe(toHex(value));
  });

  it('ends with the data-access-result a block carries', () => {
    const parts = splitBlocks(value, 16);
    const failed: GetResponseWithDatablock = {
      type: 'get-response-with-datablock',
      invokeIdAndPriority: ii,
      block: {
        lastBlock: true,
        blockNumber: 2,
        result: { type: 'data-access-result', result: 'temporary-failure' },
      },
    };
    const res = joinGetDatablocks([getBlock(1, parts[0]!, false), failed]);
    expect(res.result).toEqual({ type: 'data-access-result', result: 'temporary-failure' });
  });

  it('refuses out-of-order blocks and Data that does not decode', () => {
    const parts = splitBlocks(value, 16);
    expect(
      codeOf(() => joinGetDatablocks([getBlock(2, parts[0]!, false), getBlock(1, parts[1]!, true)])),
    ).toBe('BLOCK_SEQUENCE');
    expect(
      codeOf(() => joinGetDatablocks([getBlock(1, parts[0]!, false), getBlock(2, parts[1]!, true)])),
    ).toBe('TRUNCATED');
  });
});
