/**
 * ACCESS request/response (tags 0xD9 / 0xDA): long invoke-id, date-time octet string, specifications
 * and list of data. Hand-built from the Green Book ASN.1 (Access-Request-Body: specifications first,
 * then list of data; Access-Response-Body: OPTIONAL echoed specifications, list of data, response
 * specifications).
 */
import { describe, expect, it } from 'vitest';
import { decodeApdu, fromHex } from '../src/index.js';
import { codeOf, runFixtures } from './apdu-fixtures.js';

const LIIP = {
  invokeId: 0x000001,
  selfDescriptive: false,
  breakOnError: false,
  confirmed: true,
  highPriority: false,
};
const CLOCK = { classId: 8, instanceId: fromHex('0000010000FF'), attributeId: 2 };
const DISCONNECT = { classId: 70, instanceId: fromHex('0000600300FF'), methodId: 1 };

runFixtures('ACCESS fixtures', [
  {
    name: 'access-request with get, set-with-selection and action',
    origin: 'hand-built from the ASN.1',
    hex: [
      'D9', // Access-Request
      '40000001', // long-invoke-id 1, confirmed
      '00', // date-time: empty octet string
      '03', // three specifications
      '01 0008 0000010000FF 02', // access-request-get clock attr 2
      '05 0008 0000010000FF 02 02 0204 0600000001 0600000000 120001 120000', // set-with-selection, entry descriptor
      '03 0046 0000600300FF 01', // access-request-action disconnect control method 1
      '03 00 1200FF 0F00', // list of data: null-data (get), long-unsigned 255 (set), integer 0 (action)
    ].join(''),
    apdu: {
      type: 'access-request',
      longInvokeIdAndPriority: LIIP,
      specifications: [
        { type: 'access-request-get', attribute: CLOCK },
        {
          type: 'access-request-set-with-selection',
          attribute: CLOCK,
          accessSelection: {
            accessSelector: 2,
            accessParameters: {
              type: 'structure',
              value: [
                { type: 'double-long-unsigned', value: 1 },
                { type: 'double-long-unsigned', value: 0 },
                { type: 'long-unsigned', value: 1 },
                { type: 'long-unsigned', value: 0 },
              ],
            },
          },
        },
        { type: 'access-request-action', method: DISCONNECT },
      ],
      data: [{ type: 'null-data' }, { type: 'long-unsigned', value: 255 }, { type: 'integer', value: 0 }],
    },
  },
  {
    name: 'access-request with a date-time, set and get-with-selection',
    origin: 'hand-built from the ASN.1',
    hex: [
      'D9 C0000002', // long-invoke-id 2, confirmed, high priority
      '0C 07EA0B1506080000 00FF8800', // date-time octet string (12)
      '02 02 0008 0000010000FF 02', // set clock
      '04 0007 0100630100FF 02 01 0200', // get-with-selection, selector 1, empty structure
      '02 00 00', // two null-data
    ].join(''),
    apdu: {
      type: 'access-request',
      longInvokeIdAndPriority: { ...LIIP, invokeId: 2, highPriority: true },
      dateTime: fromHex('07EA0B150608000000FF8800'),
      specifications: [
        { type: 'access-request-set', attribute: CLOCK },
        {
          type: 'access-request-get-with-selection',
          attribute: { classId: 7, instanceId: fromHex('0100630100FF'), attributeId: 2 },
          accessSelection: { accessSelector: 1, accessParameters: { type: 'structure', value: [] } },
        },
      ],
      data: [{ type: 'null-data' }, { type: 'null-data' }],
    },
  },
  {
    name: 'access-response without echoed specifications',
    origin: 'hand-built from the ASN.1',
    hex: [
      'DA 40000001 00', // long-invoke-id 1, no date-time
      '00', // access-request-specification absent
      '03 090C07EA0B150608000000FF8800 00 00', // list of data: clock value, null, null
      '03 01 00 02 03 03 00', // get success, set read-write-denied, action success
    ].join(''),
    apdu: {
      type: 'access-response',
      longInvokeIdAndPriority: LIIP,
      data: [
        { type: 'octet-string', value: fromHex('07EA0B150608000000FF8800') },
        { type: 'null-data' },
        { type: 'null-data' },
      ],
      responses: [
        { type: 'access-response-get', result: 'success' },
        { type: 'access-response-set', result: 'read-write-denied' },
        { type: 'access-response-action', result: 'success' },
      ],
    },
  },
  {
    name: 'access-response with echoed specifications',
    origin: 'hand-built from the ASN.1',
    hex: 'DA 40000003 00 01 01 01 0008 0000010000FF 02 01 00 01 01 04', // echo [get clock], data [null], [get object-undefined]
    apdu: {
      type: 'access-response',
      longInvokeIdAndPriority: { ...LIIP, invokeId: 3 },
      requestSpecifications: [{ type: 'access-request-get', attribute: CLOCK }],
      data: [{ type: 'null-data' }],
      responses: [{ type: 'access-response-get', result: 'object-undefined' }],
    },
  },
]);

describe('ACCESS errors', () => {
  it('rejects an unknown request specification choice', () => {
    expect(codeOf(() => decodeApdu(fromHex('D9400000010001060008000001 0000FF0200'.replace(/ /g, ''))))).toBe(
      'UNKNOWN_TAG',
    );
  });
  it('rejects an unknown response specification choice', () => {
    expect(codeOf(() => decodeApdu(fromHex('DA4000000100000001 0400'.replace(/ /g, ''))))).toBe(
      'UNKNOWN_TAG',
    );
  });
});
