/**
 * Selective access: the typed range_descriptor (selector 1) and entry_descriptor (selector 2) helpers
 * over the generic descriptor, and their bytes inside a GET-Request.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeApdu,
  encodeApdu,
  entryDescriptor,
  fromHex,
  parseEntryDescriptor,
  parseRangeDescriptor,
  rangeDescriptor,
  toHex,
  type RangeDescriptor,
} from '../src/index.js';

const CLOCK_LN = fromHex('0000010000FF');

describe('range_descriptor', () => {
  const range: RangeDescriptor = {
    restrictingObject: { classId: 8, logicalName: CLOCK_LN, attributeIndex: 2, dataIndex: 0 },
    fromValue: { type: 'octet-string', value: fromHex('07E10A010700000000FFC480') },
    toValue: { type: 'octet-string', value: fromHex('07E10A010701000000FFC480') },
    selectedValues: [],
  };

  it('builds the bytes of the public vector get-request-range-descriptor (u9n/dlms-cosem tests, MIT at 0747b15)', () => {
    const bytes = encodeApdu({
      type: 'get-request-normal',
      invokeIdAndPriority: { invokeId: 1, confirmed: true, highPriority: true },
      attribute: { classId: 7, instanceId: fromHex('0100630100FF'), attributeId: 2 },
      accessSelection: rangeDescriptor(range),
    });
    expect(toHex(bytes)).toBe(
      'C001C100070100630100FF0201010204020412000809060000010000FF0F02120000090C07E10A010700000000FFC480090C07E10A010701000000FFC4800100',
    );
  });

  it('reads back what it built, selected columns included', () => {
    const withColumns: RangeDescriptor = {
      ...range,
      selectedValues: [
        { classId: 8, logicalName: CLOCK_LN, attributeIndex: 2, dataIndex: 0 },
        { classId: 3, logicalName: fromHex('0100010800FF'), attributeIndex: 2, dataIndex: 0 },
      ],
    };
    expect(parseRangeDescriptor(rangeDescriptor(withColumns))).toEqual(withColumns);
  });

  it('gives undefined for another selector or shape', () => {
    expect(
      parseRangeDescriptor({ accessSelector: 2, accessParameters: { type: 'null-data' } }),
    ).toBeUndefined();
    expect(
      parseRangeDescriptor({ accessSelector: 1, accessParameters: { type: 'structure', value: [] } }),
    ).toBeUndefined();
    const bad = rangeDescriptor(range);
    const params = bad.accessParameters;
    if (params.type !== 'structure') throw new Error('shape');
    expect(
      parseRangeDescriptor({
        accessSelector: 1,
        accessParameters: {
          type: 'structure',
          value: [params.value[0]!, params.value[1]!, params.value[2]!, { type: 'null-data' }],
        },
      }),
    ).toBeUndefined();
  });
});

describe('entry_descriptor', () => {
  it('builds and reads selector 2 (hand-built bytes from the Blue Book layout)', () => {
    const sad = entryDescriptor({ fromEntry: 1, toEntry: 0, fromSelectedValue: 1, toSelectedValue: 0 });
    const bytes = encodeApdu({
      type: 'get-request-normal',
      invokeIdAndPriority: { invokeId: 2, confirmed: true, highPriority: true },
      attribute: { classId: 7, instanceId: fromHex('0100630100FF'), attributeId: 2 },
      accessSelection: sad,
    });
    expect(toHex(bytes)).toBe(
      [
        'C001C2 00070100630100FF02', // GET normal, invoke 2, profile 1-0:99.1.0.255 attr 2
        '01 02', // selection present, selector 2
        '0204 0600000001 0600000000 120001 120000', // from_entry 1, to_entry 0 (last), columns 1..0 (all)
      ]
        .join('')
        .replace(/ /g, ''),
    );
    const back = decodeApdu(bytes);
    if (back.type !== 'get-request-normal' || back.accessSelection === undefined) throw new Error('shape');
    expect(parseEntryDescriptor(back.accessSelection)).toEqual({
      fromEntry: 1,
      toEntry: 0,
      fromSelectedValue: 1,
      toSelectedValue: 0,
    });
  });

  it('gives undefined for another selector or shape', () => {
    expect(
      parseEntryDescriptor({ accessSelector: 1, accessParameters: { type: 'structure', value: [] } }),
    ).toBeUndefined();
    expect(
      parseEntryDescriptor({
        accessSelector: 2,
        accessParameters: {
          type: 'structure',
          value: [
            { type: 'unsigned', value: 1 },
            { type: 'null-data' },
            { type: 'null-data' },
            { type: 'null-data' },
          ],
        },
      }),
    ).toBeUndefined();
  });
});
