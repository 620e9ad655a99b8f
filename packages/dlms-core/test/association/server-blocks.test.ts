/**
 * Block-transfer helpers used by the server association (`association/blocks.ts`): splitting,
 * reassembly with sequence and size checks, and block sizing so that whole APDUs fit a PDU size.
 * Also a client that streams its GBT request blocks (streaming bit set inside its window).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BlockReassembler,
  axdrLengthSize,
  conformanceFromNames,
  encodeApdu,
  encodeLength,
  gbtOverhead,
  getDatablockOverhead,
  largestPayload,
  pblockOverhead,
  splitBlocks,
  Writer,
} from '../../src/index.js';
import { ALL_BITS, IID, LN_REGISTER, associated, exchange } from './server-helpers.js';

describe('splitBlocks', () => {
  it('cuts into views of at most `size` bytes that join back to the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 1, max: 300 }), (bytes, size) => {
        const blocks = splitBlocks(bytes, size);
        expect(blocks.length).toBe(Math.max(1, Math.ceil(bytes.length / size)));
        for (const b of blocks) expect(b.length).toBeLessThanOrEqual(size);
        expect(Uint8Array.from(blocks.flatMap((b) => [...b]))).toEqual(bytes);
      }),
    );
  });

  it('rejects a block size below 1', () => {
    expect(() => splitBlocks(new Uint8Array(3), 0)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('BlockReassembler', () => {
  it('joins consecutive blocks and refuses a block out of sequence or after the last', () => {
    const r = new BlockReassembler(100);
    expect(r.push(2, new Uint8Array([1]), false)).toBe('block-number-invalid');
    expect(r.push(1, new Uint8Array([1, 2]), false)).toBe('ok');
    expect(r.push(1, new Uint8Array([1, 2]), false)).toBe('block-number-invalid');
    expect(r.push(2, new Uint8Array([3]), true)).toBe('complete');
    expect(r.push(3, new Uint8Array([4]), true)).toBe('block-number-invalid');
    expect(r.joined()).toEqual(new Uint8Array([1, 2, 3]));
    expect(r.lastAccepted).toBe(2);
  });

  it('copies blocks, so a reused input buffer does not change what was received', () => {
    const r = new BlockReassembler(100);
    const buf = new Uint8Array([9, 9]);
    r.push(1, buf, false);
    buf.fill(0);
    r.push(2, buf, true);
    expect(r.joined()).toEqual(new Uint8Array([9, 9, 0, 0]));
  });

  it('refuses what would exceed its cap', () => {
    const r = new BlockReassembler(10, 5);
    expect(r.expected).toBe(5);
    expect(r.push(5, new Uint8Array(8), false)).toBe('ok');
    expect(r.push(6, new Uint8Array(3), true)).toBe('too-large');
    expect(r.length).toBe(8);
  });
});

describe('block sizing', () => {
  it('gives the largest payload whose APDU still fits, for every overhead', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70000 }), (budget) => {
        for (const overhead of [getDatablockOverhead, pblockOverhead, gbtOverhead]) {
          const p = largestPayload(budget, overhead);
          if (p > 0) expect(p + overhead(p)).toBeLessThanOrEqual(budget);
          expect(p + 1 + overhead(p + 1)).toBeGreaterThan(budget);
        }
      }),
    );
  });

  it('counts A-XDR length prefixes as encodeLength writes them', () => {
    for (const n of [0, 127, 128, 255, 256, 65535, 65536, 0xffffff]) {
      const w = new Writer();
      encodeLength(w, n);
      expect(axdrLengthSize(n)).toBe(w.length);
    }
  });
});

describe('GBT request streamed by the client', () => {
  it('stays silent inside a streamed window and acknowledges its last block', async () => {
    const a = await associated({}, { proposedConformance: conformanceFromNames(ALL_BITS) });
    const req = encodeApdu({
      type: 'get-request-normal',
      invokeIdAndPriority: IID,
      attribute: { classId: 3, instanceId: LN_REGISTER, attributeId: 2 },
    });
    const gbt = (n: number, streaming: boolean, last: boolean, data: Uint8Array) =>
      encodeApdu({
        type: 'general-block-transfer',
        lastBlock: last,
        streaming,
        window: 3,
        blockNumber: n,
        blockNumberAck: 0,
        blockData: data,
      });
    expect((await exchange(a, gbt(1, true, false, req.subarray(0, 4)))).none).toBe(true);
    const ack = await exchange(a, gbt(2, false, false, req.subarray(4, 8)));
    expect(ack.apdus).toEqual([
      {
        type: 'general-block-transfer',
        lastBlock: false,
        streaming: false,
        window: 1,
        blockNumber: 0,
        blockNumberAck: 2,
        blockData: new Uint8Array(0),
      },
    ]);
    // A block out of sequence is not taken: the ack still names block 2.
    const nack = await exchange(a, gbt(4, false, true, req.subarray(8)));
    expect(nack.apdus[0]).toMatchObject({ blockNumberAck: 2 });
    const r = await exchange(a, gbt(3, false, true, req.subarray(8)));
    expect(r.apdus[0]).toMatchObject({
      type: 'general-block-transfer',
      lastBlock: true,
      blockNumber: 1,
      blockNumberAck: 3,
    });
  });
});
