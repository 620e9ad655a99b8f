/**
 * The typed value model of COSEM `Data` (IEC 62056-6-2, 4.1.5; the Green Book's Data CHOICE).
 *
 * Every value keeps its wire type, so decode → encode reproduces the input byte for byte: integers
 * keep their width and signedness, 64-bit integers are `bigint`, octet strings are bytes, date and time
 * values keep their raw fields (wildcards included), compact arrays keep their type description.
 * Visible strings map bytes 1:1 to code points 0–255 (latin1), so any byte survives the round trip.
 * The two values JavaScript cannot hold exactly keep their wire bytes beside the value: a boolean byte
 * other than 0 or 1 (`raw`) and a float NaN whose bits are not the canonical quiet NaN (`raw`).
 * The only normalisation left is the A-XDR length form: a length sent in a longer form than needed
 * decodes (unless `canonical` is asked for) and re-encodes in its shortest form.
 *
 * Tag numbers: the Data CHOICE of IEC 62056-6-2 / Blue Book 4.1.5 "Common data types" (also in the
 * Green Book's xDLMS ASN.1); tags 7, 8, 11 and 14 are unused, 34–254 are reserved.
 */
import type { CosemDate, CosemDateTime, CosemTime } from '../datetime.js';

/** Wire tags of the Data CHOICE. */
export const DataTag = {
  'null-data': 0,
  array: 1,
  structure: 2,
  boolean: 3,
  'bit-string': 4,
  'double-long': 5,
  'double-long-unsigned': 6,
  'octet-string': 9,
  'visible-string': 10,
  'utf8-string': 12,
  bcd: 13,
  integer: 15,
  long: 16,
  unsigned: 17,
  'long-unsigned': 18,
  'compact-array': 19,
  long64: 20,
  'long64-unsigned': 21,
  enum: 22,
  float32: 23,
  float64: 24,
  'date-time': 25,
  date: 26,
  time: 27,
  'delta-integer': 28,
  'delta-long': 29,
  'delta-double-long': 30,
  'delta-unsigned': 31,
  'delta-long-unsigned': 32,
  'delta-double-long-unsigned': 33,
  'dont-care': 255,
} as const;

/** Name of a Data type, e.g. `'long-unsigned'`. */
export type DataType = keyof typeof DataTag;

/** Data type names by wire tag. */
export const DataTypeByTag: ReadonlyMap<number, DataType> = new Map(
  (Object.entries(DataTag) as [DataType, number][]).map(([k, v]) => [v, k]),
);

/** A bit string: `length` bits, most significant bit of `bytes[0]` first; unused trailing bits kept. */
export interface BitString {
  readonly length: number;
  readonly bytes: Uint8Array;
}

/** Integer types carried as JavaScript numbers, with their ranges. */
export type NumberDataType =
  | 'double-long'
  | 'double-long-unsigned'
  | 'integer'
  | 'long'
  | 'unsigned'
  | 'long-unsigned'
  | 'enum'
  | 'bcd'
  | 'delta-integer'
  | 'delta-long'
  | 'delta-double-long'
  | 'delta-unsigned'
  | 'delta-long-unsigned'
  | 'delta-double-long-unsigned';

/** Simple (non-container) Data type names: what a type description may name besides array and structure. */
export type SimpleDataType = Exclude<DataType, 'array' | 'structure' | 'compact-array'>;

export interface NullData {
  readonly type: 'null-data';
}
export interface DontCare {
  readonly type: 'dont-care';
}
export interface ArrayData {
  readonly type: 'array';
  readonly value: readonly Data[];
}
export interface StructureData {
  readonly type: 'structure';
  readonly value: readonly Data[];
}
export interface BooleanData {
  readonly type: 'boolean';
  /** `false` is encoded as 0, `true` as 1; a received non-zero byte other than 1 is kept in `raw`. */
  readonly value: boolean;
  readonly raw?: number;
}
export interface BitStringData {
  readonly type: 'bit-string';
  readonly value: BitString;
}
export interface NumberData<T extends NumberDataType = NumberDataType> {
  readonly type: T;
  readonly value: number;
}
export interface BigIntData {
  readonly type: 'long64' | 'long64-unsigned';
  readonly value: bigint;
}
export interface FloatData {
  readonly type: 'float32' | 'float64';
  readonly value: number;
  /**
   * The 4 or 8 wire bytes of a NaN whose bits differ from the canonical quiet NaN (`7FC00000`,
   * `7FF8000000000000`), so that its sign and payload survive decode → encode. Absent otherwise: a plain
   * `NaN` value encodes as the canonical quiet NaN. When present, `value` is `NaN`.
   */
  readonly raw?: Uint8Array;
}
export interface OctetStringData {
  readonly type: 'octet-string';
  readonly value: Uint8Array;
}
export interface VisibleStringData {
  readonly type: 'visible-string';
  readonly value: string;
}
export interface Utf8StringData {
  readonly type: 'utf8-string';
  readonly value: string;
}
export interface DateTimeData {
  readonly type: 'date-time';
  readonly value: CosemDateTime;
}
export interface DateData {
  readonly type: 'date';
  readonly value: CosemDate;
}
export interface TimeData {
  readonly type: 'time';
  readonly value: CosemTime;
}
export interface CompactArrayData {
  readonly type: 'compact-array';
  readonly description: TypeDescription;
  /** The elements, each a Data value of the described type. */
  readonly value: readonly Data[];
}

/**
 * One COSEM Data value: a readonly plain object discriminated on `type` (the Green Book name of the
 * CHOICE arm); `value` holds the content.
 */
export type Data =
  | NullData
  | DontCare
  | ArrayData
  | StructureData
  | BooleanData
  | BitStringData
  | NumberData
  | BigIntData
  | FloatData
  | OctetStringData
  | VisibleStringData
  | Utf8StringData
  | DateTimeData
  | DateData
  | TimeData
  | CompactArrayData;

/**
 * The type description of a compact array (the Green Book's TypeDescription CHOICE, IEC 62056-6-2
 * 4.1.5): `array` carries its element count as an Unsigned16 and one element description, `structure`
 * a SEQUENCE OF descriptions; every simple type is its tag alone. Compact arrays do not nest.
 */
export type TypeDescription =
  | { readonly type: 'array'; readonly count: number; readonly element: TypeDescription }
  | { readonly type: 'structure'; readonly elements: readonly TypeDescription[] }
  | { readonly type: SimpleDataType };
