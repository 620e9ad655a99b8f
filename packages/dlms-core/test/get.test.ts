/**
 * GET-Request / GET-Response (tags 0xC0 / 0xC4). Fixtures are annotated field by field; each says where
 * it comes from. Every fixture is decoded through `decodeApdu`, re-encoded, cut at every prefix
 * (TRUNCATED) and given one extra byte (TRAILING_BYTES).
 */
import { describe, expect, it } from 'vitest';
import { decodeApdu, encodeApdu, fromHex, toHex } from '../src/index.js';
import { codeOf, checkFixture, iid, type Fixture } from './apdu-fixtures.js';

const CLOCK = fromHex('0000010000FF');

const fixtures: Fixture[] = [
  {
    name: 'get-request-normal, no selection',
    origin: 'public vector get-request-normal (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: [
      'C0', // GET-Request
      '01', // get-request-normal
      'C1', // invoke-id 1, confirmed, high priority
      '0001', // class-id 1 (Data)
      '00002B0100FF', // instance-id 0-0:43.1.0.255
      '02', // attribute-id 2
      '00', // access-selection absent
    ].join(''),
    apdu: {
      type: 'get-request-normal',
      invokeIdAndPriority: iid(1),
      attribute: { classId: 1, instanceId: fromHex('00002B0100FF'), attributeId: 2 },
    },
  },
  {
    name: 'get-request-normal with a range descriptor',
    origin: 'public vector get-request-range-descriptor (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: [
      'C0 01 C1',
      '0007 0100630100FF 02', // profile generic 1-0:99.1.0.255 buffer
      '01', // access-selection present
      '01', // access-selector 1 (range_descriptor)
      '0204', // structure of 4
      '0204 120008 0906 0000010000FF 0F02 120000', // restricting object: clock attr 2, data-index 0
      '090C 07E10A0107000000 00FFC480', // from (octet-string date-time)
      '090C 07E10A0107010000 00FFC480', // to
      '0100', // selected values: empty array
    ].join(''),
    apdu: {
      type: 'get-request-normal',
      invokeIdAndPriority: iid(1),
      attribute: { classId: 7, instanceId: fromHex('0100630100FF'), attributeId: 2 },
      accessSelection: {
        accessSelector: 1,
        accessParameters: {
          type: 'structure',
          value: [
            {
              type: 'structure',
              value: [
                { type: 'long-unsigned', value: 8 },
                { type: 'octet-string', value: CLOCK },
                { type: 'integer', value: 2 },
                { type: 'long-unsigned', value: 0 },
              ],
            },
            { type: 'octet-string', value: fromHex('07E10A010700000000FFC480') },
            { type: 'octet-string', value: fromHex('07E10A010701000000FFC480') },
            { type: 'array', value: [] },
          ],
        },
      },
    },
  },
  {
    name: 'get-request-next',
    origin: 'public vector get-request-next (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: 'C0 02 C1 00000001', // next, invoke 1, block-number 1
    apdu: { type: 'get-request-next', invokeIdAndPriority: iid(1), blockNumber: 1 },
  },
  {
    name: 'get-request-with-list',
    origin: 'public vector get-request-with-list (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: [
      'C0 03 C1', // with-list, invoke 1
      '02', // two descriptors
      '0001 00002A0000FF 02 00', // class 1, 0-0:42.0.0.255, attr 2, no selection
      '0008 0000010000FF 02 00', // class 8 clock, attr 2, no selection
    ].join(''),
    apdu: {
      type: 'get-request-with-list',
      invokeIdAndPriority: iid(1),
      attributes: [
        { attribute: { classId: 1, instanceId: fromHex('00002A0000FF'), attributeId: 2 } },
        { attribute: { classId: 8, instanceId: CLOCK, attributeId: 2 } },
      ],
    },
  },
  {
    name: 'get-request-normal, normal priority, unconfirmed, manufacturer attribute -1 (hand-built from the ASN.1)',
    origin:
      'hand-built: Invoke-Id-And-Priority 0x05 = invoke 5, unconfirmed, normal; attribute-id is Integer8',
    hex: 'C0 01 05 0001 0000600100FF FF 00',
    apdu: {
      type: 'get-request-normal',
      invokeIdAndPriority: iid(5, false, false),
      attribute: { classId: 1, instanceId: fromHex('0000600100FF'), attributeId: -1 },
    },
  },
  {
    name: 'get-response-normal with data',
    origin: 'public vector get-response-normal (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: 'C4 01 C1 00 06 00001391', // normal, invoke 1, choice data, double-long-unsigned 5009
    apdu: {
      type: 'get-response-normal',
      invokeIdAndPriority: iid(1),
      result: { type: 'data', data: { type: 'double-long-unsigned', value: 5009 } },
    },
  },
  {
    name: 'get-response-normal with data-access-result',
    origin: 'public vector get-response-normal-error (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: 'C4 01 C1 01 01', // choice data-access-result, hardware-fault
    apdu: {
      type: 'get-response-normal',
      invokeIdAndPriority: iid(1),
      result: { type: 'data-access-result', result: 'hardware-fault' },
    },
  },
  {
    name: 'get-response-normal with an unlisted data-access-result kept as a number (hand-built)',
    origin: 'hand-built: 0x05 is not in Data-Access-Result',
    hex: 'C4 01 81 01 05',
    apdu: {
      type: 'get-response-normal',
      invokeIdAndPriority: iid(1, false, true),
      result: { type: 'data-access-result', result: 5 },
    },
  },
  {
    name: 'get-response-with-list',
    origin: 'public vector get-response-with-list (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: [
      'C4 03 C1 02', // with-list, invoke 1, two results
      '00 0910 49534B31303330373737373634333636', // data: octet-string 16 "ISK1030777764366"
      '00 090C 07E50603040E091700FFC400', // data: octet-string 12 (Iskra clock)
    ].join(''),
    apdu: {
      type: 'get-response-with-list',
      invokeIdAndPriority: iid(1),
      results: [
        { type: 'data', data: { type: 'octet-string', value: new TextEncoder().encode('ISK1030777764366') } },
        { type: 'data', data: { type: 'octet-string', value: fromHex('07E50603040E091700FFC400') } },
      ],
    },
  },
  {
    name: 'get-response-with-datablock, last block, data-access-result',
    origin: 'public vector get-response-last-block-error (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: 'C4 02 C1 01 00000013 01 01', // last-block true, block 19, choice dar, hardware-fault
    apdu: {
      type: 'get-response-with-datablock',
      invokeIdAndPriority: iid(1),
      block: {
        lastBlock: true,
        blockNumber: 19,
        result: { type: 'data-access-result', result: 'hardware-fault' },
      },
    },
  },
  {
    name: 'get-response-with-datablock, raw-data (hand-built)',
    origin: 'hand-built from DataBlock-G: raw-data is an A-XDR octet string',
    hex: 'C4 02 C2 00 00000002 00 04 06000006', // not last, block 2, choice raw-data, 4 bytes
    apdu: {
      type: 'get-response-with-datablock',
      invokeIdAndPriority: iid(2),
      block: { lastBlock: false, blockNumber: 2, result: { type: 'raw-data', rawData: fromHex('06000006') } },
    },
  },
];

describe('GET fixtures', () => {
  for (const f of fixtures) {
    it(`${f.name} (${f.origin})`, () => checkFixture(f.hex, f.apdu));
  }
});

describe('GET errors', () => {
  it('rejects an unknown GET-Request choice at its offset', () => {
    expect(codeOf(() => decodeApdu(fromHex('C004C1')))).toBe('UNKNOWN_TAG');
  });
  it('rejects an unknown GET-Response choice', () => {
    expect(codeOf(() => decodeApdu(fromHex('C400C10000')))).toBe('UNKNOWN_TAG');
  });
  it('rejects an unknown Get-Data-Result choice', () => {
    expect(codeOf(() => decodeApdu(fromHex('C401C10200')))).toBe('UNKNOWN_TAG');
  });
  it('rejects an OPTIONAL flag other than 0 or 1', () => {
    expect(codeOf(() => decodeApdu(fromHex('C001C1000100002B0100FF0202')))).toBe('INVALID_VALUE');
  });
  it('checks a list count against the bytes left before allocating', () => {
    expect(codeOf(() => decodeApdu(fromHex('C003C184FFFFFFFF')))).toBe('TRUNCATED');
  });
  it('refuses to encode an instance-id that is not 6 bytes', () => {
    expect(
      codeOf(() =>
        encodeApdu({
          type: 'get-request-normal',
          invokeIdAndPriority: iid(1),
          attribute: { classId: 1, instanceId: new Uint8Array(5), attributeId: 2 },
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });
  it('refuses an invoke-id above 15', () => {
    expect(
      codeOf(() => encodeApdu({ type: 'get-request-next', invokeIdAndPriority: iid(16), blockNumber: 1 })),
    ).toBe('INVALID_ARGUMENT');
  });
  it('keeps reserved bits 4-5 of Invoke-Id-And-Priority', () => {
    const v = decodeApdu(fromHex('C002F100000003'));
    expect(v).toEqual({
      type: 'get-request-next',
      invokeIdAndPriority: { invokeId: 1, confirmed: true, highPriority: true, reserved: 3 },
      blockNumber: 3,
    });
    expect(toHex(encodeApdu(v))).toBe('C002F100000003');
  });
});
