/**
 * What `dlms get` prints for one attribute: the object by OBIS code and well-known name, the attribute
 * by its class-definition name, and the value made readable — a register value scaled with its unit,
 * a date-time attribute as ISO 8601 (wildcards as `*`), a printable octet string as text, a
 * scaler_unit as scaler and unit — always followed by the raw value it came from. The `--json` form
 * keeps the typed value (`dataToJson`) and adds `scaled` and `text` beside it.
 *
 * Which attributes carry a scaler_unit or a date-time is taken from the Blue Book classes (Register,
 * Extended register, Demand register, Clock, Activity calendar). It formats only: it never reads from
 * the meter and never changes a value; scaling is `registerValue` of cosem-objects.
 */
import {
  attributeName,
  formatAttributeTarget,
  logicalNameBytes,
  registerValue,
  scalerUnitFromData,
  unitSymbol,
  type AttributeResult,
  type AttributeTarget,
  type RegisterValue,
  type ScalerUnit,
} from '@meteringlab/cosem-objects';
import {
  cosemDateTimeToIso,
  dataToJson,
  formatCosemDateTime,
  toHex,
  type CosemDateTime,
  type Data,
  type DataAccessResult,
} from '@meteringlab/dlms-core';
import { dateTimeOfBytes, describeObis, printableAscii } from '../format.js';
import { renderData } from '../render.js';

/**
 * The scaler_unit attribute that scales `classId`/`attribute` (Blue Book 4.3.2–4.3.4): attribute 3 for
 * the value (2) of a Register (3) or Extended register (4); attribute 4 for current_average_value (2)
 * and last_average_value (3) of a Demand register (5). `undefined` for any other attribute.
 */
export function scalerUnitAttributeOf(classId: number, attribute: number): number | undefined {
  if ((classId === 3 || classId === 4) && attribute === 2) return 3;
  if (classId === 5 && (attribute === 2 || attribute === 3)) return 4;
  return undefined;
}

/** True for the scaler_unit attribute itself (class 3/4 attribute 3, class 5 attribute 4). */
function isScalerUnitAttribute(classId: number, attribute: number): boolean {
  return ((classId === 3 || classId === 4) && attribute === 3) || (classId === 5 && attribute === 4);
}

/**
 * Attributes the Blue Book types as octet-string formatted as date-time: Extended register
 * capture_time, Demand register capture_time and start_time_current, Clock time and
 * daylight_savings_begin/end, Activity calendar activate_passive_calendar_time.
 */
const DATE_TIME_ATTRIBUTES: ReadonlySet<string> = new Set([
  '4/5',
  '5/6',
  '5/7',
  '8/2',
  '8/5',
  '8/6',
  '20/10',
]);

/** True when `classId`/`attribute` holds a date-time. */
export function isDateTimeAttribute(classId: number, attribute: number): boolean {
  return DATE_TIME_ATTRIBUTES.has(`${classId}/${attribute}`);
}

/**
 * A date-time for people: ISO 8601 with the offset the deviation gives (and the clock status flags
 * when any is set), or — when fields are wildcards and no instant is meant — dlms-core's readable form
 * with `*` for each unspecified field.
 */
export function dateTimeText(dt: CosemDateTime): string {
  const full = formatCosemDateTime(dt);
  const iso = cosemDateTimeToIso(dt);
  if (iso === undefined) return full;
  const flags = / \[[^\]]+\]$/.exec(full);
  return flags === null ? iso : iso + flags[0];
}

/** A unit for a sentence: `Wh`, `count` for 255, `code 200` for a code the table does not know. */
function unitWords(code: number): string {
  const s = unitSymbol(code);
  if (s === undefined) return `code ${code}`;
  return s === '' ? 'count' : s;
}

/** The `scaled` member of the JSON form. */
export interface ScaledJson {
  readonly value: number;
  /** The unit symbol (`'Wh'`), `''` for a count, `'code N'` for an unknown unit code. */
  readonly unit: string;
  readonly unitCode: number;
  readonly scaler: number;
}

/** One element of the `--json` array. */
export interface GetJson {
  readonly target: string;
  readonly attributeName?: string;
  readonly value?: unknown;
  readonly scaled?: ScaledJson;
  readonly text?: string;
  readonly error?: DataAccessResult;
}

/** What is printed for one attribute: its lines and its JSON element. */
export interface AttributeView {
  readonly lines: readonly string[];
  readonly json: GetJson;
}

/** The readable value (without the raw part) and the raw part, for simple cases; `undefined` otherwise. */
interface Readable {
  readonly text: string;
  readonly raw: string;
  readonly scaled?: ScaledJson;
}

function octetHex(b: Uint8Array): string {
  return `octet-string[${b.length}] ${b.length === 0 ? '(empty)' : toHex(b)}`;
}

function scaledOf(rv: RegisterValue): ScaledJson {
  const s = unitSymbol(rv.unit);
  return { value: rv.value, unit: s ?? `code ${rv.unit}`, unitCode: rv.unit, scaler: rv.scaler };
}

function readable(
  target: AttributeTarget,
  d: Data,
  scalerUnit: ScalerUnit | DataAccessResult | undefined,
): Readable | undefined {
  const { classId, attribute } = target;
  if (scalerUnitAttributeOf(classId, attribute) !== undefined && typeof scalerUnit === 'object') {
    const rv = registerValue(d, scalerUnit);
    if (rv !== undefined) {
      const sym = unitSymbol(rv.unit);
      return {
        text: `${rv.value}${sym ? ` ${sym}` : ''}`,
        raw: `raw ${String(rv.raw)}, scaler ${rv.scaler}, unit ${unitWords(rv.unit)}`,
        scaled: scaledOf(rv),
      };
    }
  }
  if (isScalerUnitAttribute(classId, attribute)) {
    const su = scalerUnitFromData(d);
    if (su !== undefined) {
      const parts = (d as Data & { type: 'structure' }).value.map(
        (x) => `${x.type} ${String((x as { value: unknown }).value)}`,
      );
      return {
        text: `scaler ${su.scaler}, unit ${unitWords(su.unit)}`,
        raw: `structure {${parts.join(', ')}}`,
      };
    }
  }
  if (d.type === 'date-time')
    return { text: dateTimeText(d.value), raw: `date-time ${formatCosemDateTime(d.value)}` };
  if (d.type === 'octet-string') {
    const b = d.value;
    if (b.length === 12 && isDateTimeAttribute(classId, attribute))
      return { text: dateTimeText(dateTimeOfBytes(b)), raw: octetHex(b) };
    if (attribute === 1 && b.length === 6) return { text: describeObis(b), raw: octetHex(b) };
    const ascii = printableAscii(b);
    if (ascii !== undefined) return { text: JSON.stringify(ascii), raw: octetHex(b) };
    return undefined;
  }
  if (d.type === 'visible-string' || d.type === 'utf8-string')
    return { text: JSON.stringify(d.value), raw: d.type };
  return undefined;
}

/**
 * The view of one GET result. `scalerUnit` is the scaler_unit read beside a register value (its
 * decoded form, or the Data-Access-Result that refused it), `undefined` when none was read.
 */
export function attributeView(r: AttributeResult, scalerUnit?: ScalerUnit | DataAccessResult): AttributeView {
  const t = r.target;
  const name = attributeName(t.classId, t.attribute);
  const head = `${describeObis(logicalNameBytes(t.logicalName))} attr ${t.attribute}${name === undefined ? '' : ` ${name}`}: `;
  const target = formatAttributeTarget(t);
  const named = name === undefined ? {} : { attributeName: name };
  if (r.type === 'data-access-result') {
    return { lines: [`${head}refused: ${String(r.result)}`], json: { target, ...named, error: r.result } };
  }
  const d = r.data;
  const value = dataToJson(d);
  const rd = readable(t, d, scalerUnit);
  if (rd !== undefined) {
    const note =
      typeof scalerUnit === 'string' && scalerUnitAttributeOf(t.classId, t.attribute) !== undefined
        ? `; scaler_unit refused: ${scalerUnit}`
        : '';
    return {
      lines: [`${head}${rd.text}  (${rd.raw}${note})`],
      json: {
        target,
        ...named,
        value,
        ...(rd.scaled === undefined ? { text: rd.text } : { scaled: rd.scaled }),
      },
    };
  }
  const lines = renderData(d, '', head);
  if (typeof scalerUnit === 'string' && scalerUnitAttributeOf(t.classId, t.attribute) !== undefined) {
    lines[0] = `${lines[0]!}  (scaler_unit refused: ${scalerUnit})`;
  }
  return { lines, json: { target, ...named, value } };
}
