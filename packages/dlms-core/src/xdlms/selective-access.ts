/**
 * Selective-Access-Descriptor (Green Book: SEQUENCE { access-selector Unsigned8, access-parameters
 * Data }) and typed views of the two selectors defined for the profile generic buffer (IEC 62056-6-2,
 * class 7 attribute 2): 1 = range_descriptor, 2 = entry_descriptor.
 *
 * The codec carries only the generic form (selector + Data), because the meaning of the parameters
 * belongs to the interface class. The typed helpers build and read that Data; they never touch bytes.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { decodeData, encodeData, type DataLimits } from '../axdr/data.js';
import type { Data } from '../axdr/types.js';
import { ArgumentError } from '../errors.js';
import { decodePresence } from './common.js';

/** Selective-Access-Descriptor: the selector and its parameters as Data. */
export interface SelectiveAccessDescriptor {
  readonly accessSelector: number;
  readonly accessParameters: Data;
}

/** Reads a Selective-Access-Descriptor (without the OPTIONAL flag). */
export function decodeSelectiveAccessDescriptor(r: Reader, limits?: DataLimits): SelectiveAccessDescriptor {
  const accessSelector = r.u8();
  return { accessSelector, accessParameters: decodeData(r, limits) };
}

/** Writes a Selective-Access-Descriptor (without the OPTIONAL flag). */
export function encodeSelectiveAccessDescriptor(w: Writer, v: SelectiveAccessDescriptor): void {
  w.u8(v.accessSelector);
  encodeData(w, v.accessParameters);
}

/** Reads `access-selection Selective-Access-Descriptor OPTIONAL` (flag 0x00 / 0x01, then the value). */
export function decodeOptionalSelectiveAccess(
  r: Reader,
  limits?: DataLimits,
): SelectiveAccessDescriptor | undefined {
  return decodePresence(r) ? decodeSelectiveAccessDescriptor(r, limits) : undefined;
}

/** Writes `access-selection Selective-Access-Descriptor OPTIONAL`. */
export function encodeOptionalSelectiveAccess(w: Writer, v: SelectiveAccessDescriptor | undefined): void {
  if (v === undefined) {
    w.u8(0);
  } else {
    w.u8(1);
    encodeSelectiveAccessDescriptor(w, v);
  }
}

/** capture_object_definition: structure { class_id long-unsigned, logical_name octet-string, attribute_index integer, data_index long-unsigned }. */
export interface CaptureObjectDefinition {
  readonly classId: number;
  readonly logicalName: Uint8Array;
  readonly attributeIndex: number;
  readonly dataIndex: number;
}

/** range_descriptor (access selector 1): restricting object, from and to values, selected columns. */
export interface RangeDescriptor {
  readonly restrictingObject: CaptureObjectDefinition;
  readonly fromValue: Data;
  readonly toValue: Data;
  /** An empty list selects every captured column. */
  readonly selectedValues: readonly CaptureObjectDefinition[];
}

/** entry_descriptor (access selector 2): entries and columns, 1-based; 0 in `to*` means "to the last". */
export interface EntryDescriptor {
  readonly fromEntry: number;
  readonly toEntry: number;
  readonly fromSelectedValue: number;
  readonly toSelectedValue: number;
}

/** Access selector of the range descriptor. */
export const RANGE_DESCRIPTOR_SELECTOR = 1;
/** Access selector of the entry descriptor. */
export const ENTRY_DESCRIPTOR_SELECTOR = 2;

function captureObjectToData(c: CaptureObjectDefinition): Data {
  if (c.logicalName.length !== 6) throw new ArgumentError('logical_name must be 6 bytes');
  return {
    type: 'structure',
    value: [
      { type: 'long-unsigned', value: c.classId },
      { type: 'octet-string', value: c.logicalName },
      { type: 'integer', value: c.attributeIndex },
      { type: 'long-unsigned', value: c.dataIndex },
    ],
  };
}

function captureObjectFromData(d: Data): CaptureObjectDefinition | undefined {
  if (d.type !== 'structure' || d.value.length !== 4) return undefined;
  const [c, ln, a, i] = d.value as [Data, Data, Data, Data];
  if (
    c.type !== 'long-unsigned' ||
    ln.type !== 'octet-string' ||
    a.type !== 'integer' ||
    i.type !== 'long-unsigned'
  ) {
    return undefined;
  }
  return { classId: c.value, logicalName: ln.value, attributeIndex: a.value, dataIndex: i.value };
}

/** Builds the generic descriptor of a range_descriptor (selector 1). */
export function rangeDescriptor(v: RangeDescriptor): SelectiveAccessDescriptor {
  return {
    accessSelector: RANGE_DESCRIPTOR_SELECTOR,
    accessParameters: {
      type: 'structure',
      value: [
        captureObjectToData(v.restrictingObject),
        v.fromValue,
        v.toValue,
        { type: 'array', value: v.selectedValues.map(captureObjectToData) },
      ],
    },
  };
}

/** Reads a range_descriptor out of a generic descriptor; `undefined` when the selector or shape differ. */
export function parseRangeDescriptor(sad: SelectiveAccessDescriptor): RangeDescriptor | undefined {
  const p = sad.accessParameters;
  if (sad.accessSelector !== RANGE_DESCRIPTOR_SELECTOR || p.type !== 'structure' || p.value.length !== 4)
    return undefined;
  const [restricting, fromValue, toValue, selected] = p.value as [Data, Data, Data, Data];
  const restrictingObject = captureObjectFromData(restricting);
  if (restrictingObject === undefined || selected.type !== 'array') return undefined;
  const selectedValues: CaptureObjectDefinition[] = [];
  for (const s of selected.value) {
    const c = captureObjectFromData(s);
    if (c === undefined) return undefined;
    selectedValues.push(c);
  }
  return { restrictingObject, fromValue, toValue, selectedValues };
}

/** Builds the generic descriptor of an entry_descriptor (selector 2). */
export function entryDescriptor(v: EntryDescriptor): SelectiveAccessDescriptor {
  return {
    accessSelector: ENTRY_DESCRIPTOR_SELECTOR,
    accessParameters: {
      type: 'structure',
      value: [
        { type: 'double-long-unsigned', value: v.fromEntry },
        { type: 'double-long-unsigned', value: v.toEntry },
        { type: 'long-unsigned', value: v.fromSelectedValue },
        { type: 'long-unsigned', value: v.toSelectedValue },
      ],
    },
  };
}

/** Reads an entry_descriptor out of a generic descriptor; `undefined` when the selector or shape differ. */
export function parseEntryDescriptor(sad: SelectiveAccessDescriptor): EntryDescriptor | undefined {
  const p = sad.accessParameters;
  if (sad.accessSelector !== ENTRY_DESCRIPTOR_SELECTOR || p.type !== 'structure' || p.value.length !== 4)
    return undefined;
  const [a, b, c, d] = p.value as [Data, Data, Data, Data];
  if (
    a.type !== 'double-long-unsigned' ||
    b.type !== 'double-long-unsigned' ||
    c.type !== 'long-unsigned' ||
    d.type !== 'long-unsigned'
  ) {
    return undefined;
  }
  return { fromEntry: a.value, toEntry: b.value, fromSelectedValue: c.value, toSelectedValue: d.value };
}
