/**
 * ACTION-Request / ACTION-Response (tags 0xC3 / 0xC7): every CHOICE arm, annotated field by field,
 * each with its origin; round trip, every prefix TRUNCATED, one extra byte TRAILING_BYTES.
 */
import { describe, expect, it } from 'vitest';
import { decodeApdu, fromHex } from '../src/index.js';
import { codeOf, iid, runFixtures } from './apdu-fixtures.js';

const ASSOC_LN = { classId: 15, instanceId: fromHex('0000280000FF'), methodId: 1 };
const GMAC = fromHex('1000001A90E6D2221FA2FD85EED61ACC22');

runFixtures('ACTION fixtures', [
  {
    name: 'action-request-normal with parameters (reply_to_HLS_authentication)',
    origin: 'public vector action-request-reply-to-hls[0] (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: [
      'C3 01 C0', // ACTION-Request, normal, invoke 0 confirmed high
      '000F 0000280000FF 01', // Association LN 0-0:40.0.0.255 method 1
      '01', // method-invocation-parameters present
      '0911 1000001A90E6D2221FA2FD85EED61ACC22', // octet-string(17): SC, IC, GMAC tag
    ].join(''),
    apdu: {
      type: 'action-request-normal',
      invokeIdAndPriority: iid(0),
      method: ASSOC_LN,
      parameters: { type: 'octet-string', value: GMAC },
    },
  },
  {
    name: 'action-request-normal without parameters',
    origin: 'public vector action-request-reply-to-hls[1] (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: 'C3 01 C0 000F 0000280000FF 01 00', // parameters absent
    apdu: { type: 'action-request-normal', invokeIdAndPriority: iid(0), method: ASSOC_LN },
  },
  {
    name: 'action-request-next-pblock',
    origin: 'hand-built from the ASN.1',
    hex: 'C3 02 C1 00000004',
    apdu: { type: 'action-request-next-pblock', invokeIdAndPriority: iid(1), blockNumber: 4 },
  },
  {
    name: 'action-request-with-list',
    origin: 'hand-built from the ASN.1 (null-data for a method without parameter)',
    hex: 'C3 03 C1 02 0046 0000600300FF 01 0046 0000600300FF 02 02 0F00 00',
    apdu: {
      type: 'action-request-with-list',
      invokeIdAndPriority: iid(1),
      methods: [
        { classId: 70, instanceId: fromHex('0000600300FF'), methodId: 1 },
        { classId: 70, instanceId: fromHex('0000600300FF'), methodId: 2 },
      ],
      parameters: [{ type: 'integer', value: 0 }, { type: 'null-data' }],
    },
  },
  {
    name: 'action-request-with-first-pblock',
    origin: 'hand-built from the ASN.1',
    hex: 'C3 04 C1 0012 00002C0000FF 02 00 00000001 03 010203', // image transfer method 2, first block
    apdu: {
      type: 'action-request-with-first-pblock',
      invokeIdAndPriority: iid(1),
      method: { classId: 18, instanceId: fromHex('00002C0000FF'), methodId: 2 },
      block: { lastBlock: false, blockNumber: 1, rawData: fromHex('010203') },
    },
  },
  {
    name: 'action-request-with-list-and-first-pblock',
    origin: 'hand-built from the ASN.1',
    hex: 'C3 05 C1 01 000F 0000280000FF 01 00 00000001 01 09',
    apdu: {
      type: 'action-request-with-list-and-first-pblock',
      invokeIdAndPriority: iid(1),
      methods: [ASSOC_LN],
      block: { lastBlock: false, blockNumber: 1, rawData: fromHex('09') },
    },
  },
  {
    name: 'action-request-with-pblock',
    origin: 'hand-built from the ASN.1',
    hex: 'C3 06 C1 01 00000002 00', // last block 2, empty raw-data
    apdu: {
      type: 'action-request-with-pblock',
      invokeIdAndPriority: iid(1),
      block: { lastBlock: true, blockNumber: 2, rawData: new Uint8Array(0) },
    },
  },
  {
    name: 'action-response-normal with return data',
    origin: 'public vector action-request-reply-to-hls[2] (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: [
      'C7 01 C0', // ACTION-Response, normal, invoke 0
      '00', // result success
      '01', // return-parameters present
      '00', // Get-Data-Result: data
      '0911 1000001AFDE8857B728A3499106AA665D1', // octet-string(17)
    ].join(''),
    apdu: {
      type: 'action-response-normal',
      invokeIdAndPriority: iid(0),
      response: {
        result: 'success',
        returnParameters: {
          type: 'data',
          data: { type: 'octet-string', value: fromHex('1000001AFDE8857B728A3499106AA665D1') },
        },
      },
    },
  },
  {
    name: 'action-response-normal without return data',
    origin: 'public vector action-request-reply-to-hls[3] (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: 'C7 01 C0 00 00', // success, no return-parameters
    apdu: { type: 'action-response-normal', invokeIdAndPriority: iid(0), response: { result: 'success' } },
  },
  {
    name: 'action-response-normal, success with a data-access-result as return-parameters',
    origin:
      'public vector action-request-reply-to-hls[4] (u9n/dlms-cosem tests, MIT at 0747b15); the vector calls it "other-reason", which is the Get-Data-Result, the Action-Result byte being 00',
    hex: 'C7 01 C0 00 01 01 FA', // result success, present, Get-Data-Result dar, other-reason
    apdu: {
      type: 'action-response-normal',
      invokeIdAndPriority: iid(0),
      response: {
        result: 'success',
        returnParameters: { type: 'data-access-result', result: 'other-reason' },
      },
    },
  },
  {
    name: 'action-response-with-pblock',
    origin: 'hand-built from the ASN.1',
    hex: 'C7 02 C1 00 00000001 02 0102',
    apdu: {
      type: 'action-response-with-pblock',
      invokeIdAndPriority: iid(1),
      block: { lastBlock: false, blockNumber: 1, rawData: fromHex('0102') },
    },
  },
  {
    name: 'action-response-with-list',
    origin: 'hand-built from the ASN.1',
    hex: 'C7 03 C1 02 00 00 0F 01 00 1101', // [success no data, long-action-aborted with data unsigned 1]
    apdu: {
      type: 'action-response-with-list',
      invokeIdAndPriority: iid(1),
      responses: [
        { result: 'success' },
        {
          result: 'long-action-aborted',
          returnParameters: { type: 'data', data: { type: 'unsigned', value: 1 } },
        },
      ],
    },
  },
  {
    name: 'action-response-next-pblock',
    origin: 'hand-built from the ASN.1',
    hex: 'C7 04 C1 00000005',
    apdu: { type: 'action-response-next-pblock', invokeIdAndPriority: iid(1), blockNumber: 5 },
  },
]);

describe('ACTION errors', () => {
  it('rejects unknown choices', () => {
    expect(codeOf(() => decodeApdu(fromHex('C307C1')))).toBe('UNKNOWN_TAG');
    expect(codeOf(() => decodeApdu(fromHex('C705C1')))).toBe('UNKNOWN_TAG');
  });
  it('keeps an unlisted Action-Result as its number', () => {
    const v = decodeApdu(fromHex('C701C00500'));
    expect(v).toEqual({
      type: 'action-response-normal',
      invokeIdAndPriority: iid(0),
      response: { result: 5 },
    });
  });
});
