/**
 * The readable tree the `dlms decode` command prints: one line per field, children indented by two
 * spaces, COSEM Data values with their type, OBIS codes as `A-B:C.D.E.F` with their well-known name,
 * date-times with wildcards, conformance bits and result codes by name.
 *
 * It walks the decoded objects generically (any APDU arm, any nesting), so a new APDU type prints
 * without a change here. It only formats: it never decodes bytes and never changes a value.
 */
import {
  apduName,
  conformanceToNames,
  decodeSecurityControl,
  formatCosemDate,
  formatCosemTime,
  isData,
  toHex,
  type CosemDateTime,
  type Data,
  type Apdu,
  type SecurityControl,
  type TypeDescription,
} from '@meteringlab/dlms-core';
import {
  dateTimeOfBytes,
  describeDateTime,
  describeObis,
  looksLikeDateTime,
  printableAscii,
} from './format.js';

const INDENT = '  ';

/** True when `v` has the shape of a COSEM Data value of the model in `axdr/types.ts`. */
export { isData };

function isDateTimeShape(v: object): v is CosemDateTime {
  return (
    'year' in v && 'month' in v && 'dayOfMonth' in v && 'hour' in v && 'deviation' in v && 'clockStatus' in v
  );
}

/** `invokeIdAndPriority` → `invoke-id-and-priority`, the Green Book's spelling. */
export function kebab(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

function describeOctetString(b: Uint8Array): string {
  const head = `octet-string[${b.length}] ${hexText(b)}`;
  if (b.length === 6) return `${head} = ${describeObis(b)}`;
  if (b.length === 12 && looksLikeDateTime(b)) return `${head} = ${describeDateTime(dateTimeOfBytes(b))}`;
  const ascii = b.length <= MAX_TREE_BYTES ? printableAscii(b) : undefined;
  return ascii !== undefined ? `${head} = "${ascii}"` : head;
}

function describeTypeDescription(td: TypeDescription): string {
  switch (td.type) {
    case 'array':
      return `array[${td.count}] of ${describeTypeDescription(td.element)}`;
    case 'structure':
      return `structure{${td.elements.map(describeTypeDescription).join(', ')}}`;
    default:
      return td.type;
  }
}

function bits(b: { length: number; bytes: Uint8Array }): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b.bytes[i >> 3]! >> (7 - (i & 7))) & 1 ? '1' : '0';
  return s;
}

/** The first line describing a Data value (children of arrays and structures come separately). */
function dataHead(d: Data): string {
  switch (d.type) {
    case 'null-data':
    case 'dont-care':
      return d.type;
    case 'array':
    case 'structure':
      return `${d.type} (${d.value.length} ${d.value.length === 1 ? 'element' : 'elements'})`;
    case 'compact-array':
      return `compact-array of ${describeTypeDescription(d.description)} (${d.value.length} elements)`;
    case 'boolean':
      return d.raw === undefined ? `boolean ${d.value}` : `boolean ${d.value} (raw 0x${d.raw.toString(16)})`;
    case 'bit-string':
      return `bit-string[${d.value.length}] ${bits(d.value)}`;
    case 'octet-string':
      return describeOctetString(d.value);
    case 'visible-string':
    case 'utf8-string':
      return `${d.type} ${JSON.stringify(d.value)}`;
    case 'date-time':
      return `date-time ${describeDateTime(d.value)}`;
    case 'date':
      return `date ${formatCosemDate(d.value)}`;
    case 'time':
      return `time ${formatCosemTime(d.value)}`;
    case 'bcd':
      return `bcd 0x${d.value.toString(16).toUpperCase().padStart(2, '0')}`;
    default:
      return `${d.type} ${String(d.value)}`;
  }
}

/** Lines of one Data value, the first one prefixed by `label`, children indented below. */
export function renderData(d: Data, indent = '', label = ''): string[] {
  const out: string[] = [];
  pushData(out, d, indent, label);
  return out;
}

function pushData(out: string[], d: Data, indent: string, label: string): void {
  out.push(`${indent}${label}${dataHead(d)}`);
  if (d.type === 'array' || d.type === 'structure' || d.type === 'compact-array') {
    const inner = indent + INDENT;
    for (let i = 0; i < d.value.length; i++) pushData(out, d.value[i]!, inner, `[${i}] `);
  }
}

/** Numeric fields whose meaning the key tells, printed with their meaning. */
function namedNumber(key: string): ((v: number) => string) | undefined {
  const k = key.toLowerCase();
  if (k === 'securitycontrol') return securityControlText;
  if (k === 'invocationcounter') return invocationCounterText;
  if (k.endsWith('conformance')) return conformanceText;
  if (k === 'tag') return (v) => `0x${v.toString(16).toUpperCase().padStart(2, '0')}`;
  return undefined;
}

/** `0x007E1F (get, set, ...)`: the conformance block bits by name (Green Book, xDLMS Conformance). */
function conformanceText(v: number): string {
  let names: string[];
  try {
    names = conformanceToNames(v);
  } catch {
    names = [];
  }
  return `0x${v.toString(16).toUpperCase().padStart(6, '0')} (${names.join(', ') || 'none'})`;
}

/** `19088743 (0x01234567)`: counters are usually quoted in hex. */
export function invocationCounterText(v: number): string {
  return `${v} (0x${v.toString(16).toUpperCase().padStart(8, '0')})`;
}

/** `suite 0, authenticated, encrypted, unicast key` for a decoded security control. */
export function describeSecurityControl(sc: SecurityControl): string {
  const parts = [`suite ${sc.suite}`];
  if (sc.authenticated) parts.push('authenticated');
  if (sc.encrypted) parts.push('encrypted');
  if (!sc.authenticated && !sc.encrypted) parts.push('no protection');
  parts.push(sc.broadcastKey ? 'broadcast key' : 'unicast key');
  return parts.join(', ');
}

/** `0x30 (suite 0, authenticated, encrypted, unicast key)` (Green Book 9.2.7.2.4). */
function securityControlText(v: number): string {
  const hex = `0x${v.toString(16).toUpperCase().padStart(2, '0')}`;
  try {
    return `${hex} (${describeSecurityControl(decodeSecurityControl(v))})`;
  } catch {
    return `${hex} (not a valid security control byte)`;
  }
}

/** `null (acse-service-user)`: an AARE result-source-diagnostic, named by the ACSE codec. */
function diagnosticText(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o['source'] !== 'string' || o['value'] === undefined) return undefined;
  return `${String(o['value'])} (${o['source']})`;
}

function scalar(key: string, v: unknown): string | undefined {
  switch (typeof v) {
    case 'number':
      return namedNumber(key)?.(v) ?? String(v);
    case 'bigint':
      return v.toString();
    case 'string':
      return v;
    case 'boolean':
      return String(v);
    default:
      return undefined;
  }
}

/** Byte strings longer than this are shortened in the tree (the JSON output keeps every byte). */
const MAX_TREE_BYTES = 48;

function hexText(b: Uint8Array): string {
  if (b.length === 0) return '(empty)';
  if (b.length <= MAX_TREE_BYTES) return toHex(b);
  return `${toHex(b.subarray(0, MAX_TREE_BYTES))}... (${b.length} bytes; --json shows all)`;
}

function bytesText(key: string, b: Uint8Array): string {
  const k = key.toLowerCase();
  if (b.length === 6 && /(instance|logicalname|obis|ln$)/.test(k)) return describeObis(b);
  if (b.length === 12 && /(datetime|time$)/.test(k) && looksLikeDateTime(b)) {
    return `${toHex(b)} = ${describeDateTime(dateTimeOfBytes(b))}`;
  }
  if (b.length === 3 && /conformance/.test(k)) return conformanceText((b[0]! << 16) | (b[1]! << 8) | b[2]!);
  const ascii = printableAscii(b);
  const hex = hexText(b);
  return ascii !== undefined && b.length >= 4 && /(value|password|challenge|title)/.test(k)
    ? `${hex} = "${ascii}"`
    : hex;
}

function pushNode(out: string[], key: string, v: unknown, indent: string): void {
  if (v === undefined) return;
  const label = `${indent}${kebab(key)}: `;
  if (v === null) {
    out.push(`${label}absent`);
    return;
  }
  const s = scalar(key, v);
  if (s !== undefined) {
    out.push(label + s);
    return;
  }
  if (v instanceof Uint8Array) {
    out.push(label + bytesText(key, v));
    return;
  }
  if (isData(v)) {
    pushData(out, v, indent, label.slice(indent.length));
    return;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push(`${label}(none)`);
      return;
    }
    out.push(`${label}(${v.length} ${v.length === 1 ? 'item' : 'items'})`);
    const inner = indent + INDENT;
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      const itemScalar = scalar(key, item);
      if (itemScalar !== undefined) out.push(`${inner}[${i}] ${itemScalar}`);
      else if (item instanceof Uint8Array) out.push(`${inner}[${i}] ${bytesText(key, item)}`);
      else if (isData(item)) pushData(out, item, inner, `[${i}] `);
      else pushObject(out, `${inner}[${i}] `, item as object, inner + INDENT);
    }
    return;
  }
  if (typeof v === 'object') {
    if (isDateTimeShape(v)) {
      out.push(label + describeDateTime(v));
      return;
    }
    if (/diagnostic/i.test(key)) {
      const d = diagnosticText(v);
      if (d !== undefined) {
        out.push(label + d);
        return;
      }
    }
    const inline = inlineText(v);
    if (inline !== undefined) {
      out.push(label + inline);
      return;
    }
    pushObject(out, label, v, indent + INDENT);
  }
}

/**
 * Small flat objects on one line (`invoke-id 1, confirmed true, high-priority true`): objects without
 * a `type`, with at most five fields, each a number, boolean, short string or short byte string.
 */
function inlineText(o: object): string | undefined {
  const rec = o as Record<string, unknown>;
  if ('type' in rec) return undefined;
  const entries = Object.entries(rec).filter(([, v]) => v !== undefined);
  if (entries.length === 0 || entries.length > 5) return undefined;
  const parts: string[] = [];
  for (const [k, v] of entries) {
    if (v instanceof Uint8Array) {
      if (v.length > 12) return undefined;
      parts.push(`${kebab(k)} ${bytesText(k, v)}`);
      continue;
    }
    if (typeof v === 'string' && v.length > 40) return undefined;
    const s = scalar(k, v);
    if (s === undefined || s.length > 60) return undefined;
    parts.push(`${kebab(k)} ${s}`);
  }
  return parts.join(', ');
}

function pushObject(out: string[], head: string, o: object, inner: string): void {
  const rec = o as Record<string, unknown>;
  const type = typeof rec['type'] === 'string' ? (rec['type'] as string) : undefined;
  out.push(type !== undefined ? head + type : head.trimEnd());
  for (const [k, val] of Object.entries(rec)) {
    if (k === 'type' && type !== undefined) continue;
    pushNode(out, k, val, inner);
  }
}

/** Lines of any decoded object (APDU, envelope, …): its fields one per line, nested ones indented. */
export function renderFields(o: object, indent = ''): string[] {
  const out: string[] = [];
  const rec = o as Record<string, unknown>;
  const type = typeof rec['type'] === 'string' ? (rec['type'] as string) : undefined;
  for (const [k, val] of Object.entries(rec)) {
    if (k === 'type' && type !== undefined) continue;
    pushNode(out, k, val, indent);
  }
  return out;
}

/** The readable tree of an APDU: its name on the first line, then its fields indented. */
export function renderTree(apdu: Apdu): string {
  return [apduName(apdu), ...renderFields(apdu, INDENT)].join('\n');
}
