/**
 * Short-name services: ReadRequest (0x05), ReadResponse (0x0C), WriteRequest (0x06), WriteResponse
 * (0x0D), UnconfirmedWriteRequest (0x16), InformationReportRequest (0x18), with every
 * Variable-Access-Specification arm. Hand-built from the Green Book ASN.1.
 */
import { describe, expect, it } from 'vitest';
import { decodeApdu, encodeApdu, fromHex } from '../src/index.js';
import { codeOf, runFixtures } from './apdu-fixtures.js';

runFixtures('SN fixtures', [
  {
    name: 'ReadRequest with variable-name, parameterized-access, block-number-access, read-data-block-access',
    origin: 'hand-built from the ASN.1',
    hex: [
      '05', // readRequest
      '04', // four Variable-Access-Specifications
      '02 FA08', // variable-name 0xFA08
      '04 6108 02 0204 0600000001 0600000002 120001 120000', // parameterized-access: name, selector 2, entry descriptor
      '05 0002', // block-number-access 2
      '06 00 0001 02 ABCD', // read-data-block-access: not last, block 1, raw-data 2 bytes
    ].join(''),
    apdu: {
      type: 'read-request',
      variables: [
        { type: 'variable-name', variableName: 0xfa08 },
        {
          type: 'parameterized-access',
          variableName: 0x6108,
          selector: 2,
          parameter: {
            type: 'structure',
            value: [
              { type: 'double-long-unsigned', value: 1 },
              { type: 'double-long-unsigned', value: 2 },
              { type: 'long-unsigned', value: 1 },
              { type: 'long-unsigned', value: 0 },
            ],
          },
        },
        { type: 'block-number-access', blockNumber: 2 },
        { type: 'read-data-block-access', lastBlock: false, blockNumber: 1, rawData: fromHex('ABCD') },
      ],
    },
  },
  {
    name: 'ReadResponse with every result arm',
    origin: 'hand-built from the ASN.1',
    hex: [
      '0C 04', // readResponse, four results
      '00 1200FF', // data: long-unsigned 255
      '01 04', // data-access-error: object-undefined
      '02 01 0003 03 010203', // data-block-result: last, block 3, raw-data 3 bytes
      '03 0002', // block-number 2
    ].join(''),
    apdu: {
      type: 'read-response',
      results: [
        { type: 'data', data: { type: 'long-unsigned', value: 255 } },
        { type: 'data-access-error', result: 'object-undefined' },
        { type: 'data-block-result', lastBlock: true, blockNumber: 3, rawData: fromHex('010203') },
        { type: 'block-number', blockNumber: 2 },
      ],
    },
  },
  {
    name: 'WriteRequest with variable-name and write-data-block-access',
    origin: 'hand-built from the ASN.1',
    hex: '06 02 02FA08 07 01 0003 02 1100 0902AABB', // two specs; two values: unsigned 0, octet-string AABB
    apdu: {
      type: 'write-request',
      variables: [
        { type: 'variable-name', variableName: 0xfa08 },
        { type: 'write-data-block-access', lastBlock: true, blockNumber: 3 },
      ],
      values: [
        { type: 'unsigned', value: 0 },
        { type: 'octet-string', value: fromHex('AABB') },
      ],
    },
  },
  {
    name: 'WriteResponse with every result arm',
    origin: 'hand-built from the ASN.1',
    hex: '0D 03 00 01 03 02 0004', // success, read-write-denied, block-number 4
    apdu: {
      type: 'write-response',
      results: [
        { type: 'success' },
        { type: 'data-access-error', result: 'read-write-denied' },
        { type: 'block-number', blockNumber: 4 },
      ],
    },
  },
  {
    name: 'UnconfirmedWriteRequest',
    origin: 'hand-built from the ASN.1',
    hex: '16 01 02FA08 01 1101',
    apdu: {
      type: 'unconfirmed-write-request',
      variables: [{ type: 'variable-name', variableName: 0xfa08 }],
      values: [{ type: 'unsigned', value: 1 }],
    },
  },
  {
    name: 'InformationReportRequest without current-time',
    origin: 'hand-built from the ASN.1',
    hex: '18 00 01 02FA08 01 1101',
    apdu: {
      type: 'information-report-request',
      variables: [{ type: 'variable-name', variableName: 0xfa08 }],
      values: [{ type: 'unsigned', value: 1 }],
    },
  },
  {
    name: 'InformationReportRequest with current-time',
    origin: 'hand-built: OPTIONAL flag, then a length-prefixed time string',
    hex: '18 01 0C 07EA0B150608000000FF8800 01 02FA08 01 1101',
    apdu: {
      type: 'information-report-request',
      currentTime: fromHex('07EA0B150608000000FF8800'),
      variables: [{ type: 'variable-name', variableName: 0xfa08 }],
      values: [{ type: 'unsigned', value: 1 }],
    },
  },
]);

describe('SN errors', () => {
  it('rejects detailed-access [3] and unknown arms', () => {
    expect(codeOf(() => decodeApdu(fromHex('0501030000')))).toBe('UNKNOWN_TAG');
    expect(codeOf(() => decodeApdu(fromHex('0C010400')))).toBe('UNKNOWN_TAG');
    expect(codeOf(() => decodeApdu(fromHex('0D0103')))).toBe('UNKNOWN_TAG');
  });
  it('refuses an ObjectName outside 16 bits', () => {
    expect(
      codeOf(() =>
        encodeApdu({ type: 'read-request', variables: [{ type: 'variable-name', variableName: 0x10000 }] }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });
  it('checks counts against the bytes left', () => {
    expect(codeOf(() => decodeApdu(fromHex('058203E8')))).toBe('TRUNCATED');
  });
});
