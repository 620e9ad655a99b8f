/**
 * SET-Request / SET-Response (tags 0xC1 / 0xC5): every CHOICE arm, annotated field by field, each
 * with its origin; round trip, every prefix TRUNCATED, one extra byte TRAILING_BYTES.
 */
import { describe, expect, it } from 'vitest';
import { decodeApdu, encodeApdu, fromHex } from '../src/index.js';
import { codeOf, iid, runFixtures } from './apdu-fixtures.js';

const ATTR = { classId: 1, instanceId: fromHex('0000600100FF'), attributeId: 2 };

runFixtures('SET fixtures', [
  {
    name: 'set-request-normal',
    origin: 'public vector set-request-response-normal[0] (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: [
      'C1 01 C1', // SET-Request, normal, invoke 1 confirmed high
      '0008 0000010000FF 02', // clock 0-0:1.0.0.255 attribute 2
      '00', // no access-selection
      '090C 07E50118FF0E303950FFC400', // value: octet-string(12)
    ].join(''),
    apdu: {
      type: 'set-request-normal',
      invokeIdAndPriority: iid(1),
      attribute: { classId: 8, instanceId: fromHex('0000010000FF'), attributeId: 2 },
      value: { type: 'octet-string', value: fromHex('07E50118FF0E303950FFC400') },
    },
  },
  {
    name: 'set-request-with-first-datablock with an entry descriptor',
    origin: 'hand-built from the ASN.1 (Set-Request-With-First-Datablock, DataBlock-SA)',
    hex: [
      'C1 02 C1',
      '0001 0000600100FF 02',
      '01 02 0204 0600000001 0600000002 120001 120000', // selection 2: entries 1..2, columns 1..0
      '00 00000001 05 0102030405', // not last, block 1, raw-data 5 bytes
    ].join(''),
    apdu: {
      type: 'set-request-with-first-datablock',
      invokeIdAndPriority: iid(1),
      attribute: ATTR,
      accessSelection: {
        accessSelector: 2,
        accessParameters: {
          type: 'structure',
          value: [
            { type: 'double-long-unsigned', value: 1 },
            { type: 'double-long-unsigned', value: 2 },
            { type: 'long-unsigned', value: 1 },
            { type: 'long-unsigned', value: 0 },
          ],
        },
      },
      block: { lastBlock: false, blockNumber: 1, rawData: fromHex('0102030405') },
    },
  },
  {
    name: 'set-request-with-datablock',
    origin: 'hand-built from the ASN.1',
    hex: 'C1 03 C1 01 00000002 03 AABBCC', // last block 2, raw-data 3 bytes
    apdu: {
      type: 'set-request-with-datablock',
      invokeIdAndPriority: iid(1),
      block: { lastBlock: true, blockNumber: 2, rawData: fromHex('AABBCC') },
    },
  },
  {
    name: 'set-request-with-list',
    origin: 'hand-built from the ASN.1',
    hex: [
      'C1 04 C1',
      '02 0001 0000600100FF 02 00 0003 0000600200FF 02 00', // two descriptors, no selection
      '02 1200FF 0F05', // two values: long-unsigned 255, integer 5
    ].join(''),
    apdu: {
      type: 'set-request-with-list',
      invokeIdAndPriority: iid(1),
      attributes: [
        { attribute: ATTR },
        { attribute: { classId: 3, instanceId: fromHex('0000600200FF'), attributeId: 2 } },
      ],
      values: [
        { type: 'long-unsigned', value: 255 },
        { type: 'integer', value: 5 },
      ],
    },
  },
  {
    name: 'set-request-with-list-and-first-datablock',
    origin: 'hand-built from the ASN.1',
    hex: 'C1 05 C1 01 0001 0000600100FF 02 00 00 00000001 02 0910',
    apdu: {
      type: 'set-request-with-list-and-first-datablock',
      invokeIdAndPriority: iid(1),
      attributes: [{ attribute: ATTR }],
      block: { lastBlock: false, blockNumber: 1, rawData: fromHex('0910') },
    },
  },
  {
    name: 'set-response-normal',
    origin: 'public vector set-request-response-normal[1] (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: 'C5 01 C1 00', // normal, invoke 1, success
    apdu: { type: 'set-response-normal', invokeIdAndPriority: iid(1), result: 'success' },
  },
  {
    name: 'set-response-datablock',
    origin: 'hand-built from the ASN.1',
    hex: 'C5 02 C1 00000001',
    apdu: { type: 'set-response-datablock', invokeIdAndPriority: iid(1), blockNumber: 1 },
  },
  {
    name: 'set-response-last-datablock',
    origin: 'hand-built from the ASN.1 (result before block-number)',
    hex: 'C5 03 C1 03 00000002', // read-write-denied, block 2
    apdu: {
      type: 'set-response-last-datablock',
      invokeIdAndPriority: iid(1),
      result: 'read-write-denied',
      blockNumber: 2,
    },
  },
  {
    name: 'set-response-last-datablock-with-list',
    origin: 'hand-built from the ASN.1',
    hex: 'C5 04 C1 02 00 13 00000003', // [success, data-block-number-invalid], block 3
    apdu: {
      type: 'set-response-last-datablock-with-list',
      invokeIdAndPriority: iid(1),
      results: ['success', 'data-block-number-invalid'],
      blockNumber: 3,
    },
  },
  {
    name: 'set-response-with-list',
    origin: 'hand-built from the ASN.1',
    hex: 'C5 05 C1 03 00 0C FA', // success, type-unmatched, other-reason
    apdu: {
      type: 'set-response-with-list',
      invokeIdAndPriority: iid(1),
      results: ['success', 'type-unmatched', 'other-reason'],
    },
  },
]);

describe('SET errors', () => {
  it('rejects unknown choices', () => {
    expect(codeOf(() => decodeApdu(fromHex('C106C1')))).toBe('UNKNOWN_TAG');
    expect(codeOf(() => decodeApdu(fromHex('C500C100')))).toBe('UNKNOWN_TAG');
  });
  it('refuses to encode an unknown Data-Access-Result name', () => {
    expect(
      codeOf(() =>
        encodeApdu({
          type: 'set-response-normal',
          invokeIdAndPriority: iid(1),
          result: 'nope' as unknown as 'success',
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });
});
