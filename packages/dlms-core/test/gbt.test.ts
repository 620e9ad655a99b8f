/**
 * General-Block-Transfer (0xE0): block-control bits (last-block 7, streaming 6, window 0-5),
 * block-number, block-number-ack, block-data as an A-XDR octet string. Hand-built from the Green
 * Book ASN.1.
 */
import { describe, expect, it } from 'vitest';
import { decodeApdu, encodeApdu, fromHex, toHex, type GeneralBlockTransfer } from '../src/index.js';
import { codeOf, runFixtures } from './apdu-fixtures.js';

runFixtures('General-Block-Transfer fixtures', [
  {
    name: 'first block, window 1, carrying a ciphered APDU',
    origin: 'hand-built from the ASN.1',
    hex: [
      'E0', // general-block-transfer
      '01', // block-control: not last, no streaming, window 1
      '0001', // block-number 1
      '0000', // block-number-ack 0
      '05 C401C10000', // block-data: octet string of 5
    ].join(''),
    apdu: {
      type: 'general-block-transfer',
      lastBlock: false,
      streaming: false,
      window: 1,
      blockNumber: 1,
      blockNumberAck: 0,
      blockData: fromHex('C401C10000'),
    },
  },
  {
    name: 'last block, streaming, window 63, long data length form',
    origin: 'hand-built from the ASN.1',
    hex: 'E0 FF 0102 0101 8180 ' + 'AB'.repeat(128), // 0x80 | 0x40 | 63; 128 bytes (length 81 80)
    apdu: {
      type: 'general-block-transfer',
      lastBlock: true,
      streaming: true,
      window: 63,
      blockNumber: 0x0102,
      blockNumberAck: 0x0101,
      blockData: new Uint8Array(128).fill(0xab),
    },
  },
  {
    name: 'acknowledgement without data',
    origin: 'hand-built from the ASN.1',
    hex: 'E0 81 0000 0002 00', // last-block bit, window 1, ack 2, empty data
    apdu: {
      type: 'general-block-transfer',
      lastBlock: true,
      streaming: false,
      window: 1,
      blockNumber: 0,
      blockNumberAck: 2,
      blockData: new Uint8Array(0),
    },
  },
]);

describe('General-Block-Transfer rules', () => {
  it('refuses a window above 63', () => {
    const v: GeneralBlockTransfer = {
      type: 'general-block-transfer',
      lastBlock: false,
      streaming: false,
      window: 64,
      blockNumber: 1,
      blockNumberAck: 0,
      blockData: new Uint8Array(0),
    };
    expect(codeOf(() => encodeApdu(v))).toBe('INVALID_ARGUMENT');
  });
  it('reassembles the block-data of a GBT sequence into one APDU', () => {
    const parts = ['E0 01 0001 0000 03 C401C1', 'E0 81 0002 0000 03 000600'].map((h) =>
      decodeApdu(fromHex(h)),
    );
    const data = parts.map((p) => (p.type === 'general-block-transfer' ? toHex(p.blockData) : '')).join('');
    expect(data).toBe('C401C1000600');
    expect(codeOf(() => decodeApdu(fromHex(data)))).toBe('TRUNCATED');
    expect(decodeApdu(fromHex(data + '001391'))).toMatchObject({ type: 'get-response-normal' });
  });
});
