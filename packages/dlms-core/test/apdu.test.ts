/**
 * The top-level APDU codec: dispatch on the first byte, whole-input consumption, round-trip properties
 * over every APDU family (fixtures/src/arbitraries/apdu.ts), robustness against arbitrary bytes, and
 * the public vectors of layer 'apdu' (../shared/vectors/public-vectors.json beside the repository).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  apduName,
  decodeApdu,
  decodeDataBytes,
  encodeApdu,
  encodeDataBytes,
  fromHex,
  isDlmsError,
  toHex,
  DecodeError,
  type Apdu,
  type Data,
} from '../src/index.js';
import { arbApdu, xdlmsApduFamilies } from '../../../fixtures/src/arbitraries/apdu.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (!isDlmsError(e)) throw e;
    return e.code;
  }
  return undefined;
}

describe('decodeApdu dispatch', () => {
  it('reports an unknown first byte as UNKNOWN_TAG at offset 0', () => {
    for (const tag of [0x00, 0x02, 0x07, 0x10, 0x64, 0xc6, 0xce, 0xd6, 0xde, 0xe1, 0xff]) {
      let err: unknown;
      try {
        decodeApdu(new Uint8Array([tag, 0, 0, 0]));
      } catch (e) {
        err = e;
      }
      expect(err, `tag ${tag}`).toBeInstanceOf(DecodeError);
      expect((err as DecodeError).code).toBe('UNKNOWN_TAG');
      expect((err as DecodeError).offset).toBe(0);
    }
  });

  it('reports empty input as TRUNCATED', () => {
    expect(codeOf(() => decodeApdu(new Uint8Array(0)))).toBe('TRUNCATED');
  });

  it('reports bytes after the APDU as TRAILING_BYTES at their offset', () => {
    let err: unknown;
    try {
      decodeApdu(fromHex('C501C100 00'.replace(/ /g, '')));
    } catch (e) {
      err = e;
    }
    expect((err as DecodeError).code).toBe('TRAILING_BYTES');
    expect((err as DecodeError).offset).toBe(4);
  });

  it('dispatches the other families: initiate, confirmed-service-error, ACSE and ciphered envelopes', () => {
    expect(decodeApdu(fromHex('01000000065F1F0400007E1F04B0')).type).toBe('initiate-request');
    expect(decodeApdu(fromHex('0800065F1F040000501F01F40007')).type).toBe('initiate-response');
    const glo = decodeApdu(fromHex('C81E3001234567411312FF935A47566827C467BC7D825C3BE4A77C3FCC056B6B'));
    expect(apduName(glo)).toBe('glo-get-request');
    expect(toHex(encodeApdu(glo))).toBe('C81E3001234567411312FF935A47566827C467BC7D825C3BE4A77C3FCC056B6B');
    expect(decodeApdu(fromHex('6200')).type).toBe('rlrq');
  });

  it('names APDUs after their CHOICE arm', () => {
    expect(apduName(decodeApdu(fromHex('C002C100000001')))).toBe('get-request-next');
    expect(apduName(decodeApdu(fromHex('D80101')))).toBe('exception-response');
  });
});

describe('round-trip properties', () => {
  for (const [family, arb] of Object.entries(xdlmsApduFamilies)) {
    it(`${family}: decode(encode(x)) deep-equals x, and every prefix is TRUNCATED`, () => {
      fc.assert(
        fc.property(arb(), fc.nat(), (x, cut) => {
          const bytes = encodeApdu(x);
          expect(decodeApdu(bytes)).toEqual(x);
          const prefix = bytes.subarray(0, cut % bytes.length);
          expect(codeOf(() => decodeApdu(prefix))).toBe('TRUNCATED');
        }),
        { numRuns: 300 },
      );
    });
  }

  it('arbApdu (every family, ACSE and initiate included): decode(encode(x)) deep-equals x', () => {
    fc.assert(
      fc.property(arbApdu(), (x) => {
        const bytes = encodeApdu(x);
        const back = decodeApdu(bytes);
        expect(back).toEqual(x);
        expect(toHex(encodeApdu(back))).toBe(toHex(bytes));
      }),
      { numRuns: 500 },
    );
  });
});

describe('robustness', () => {
  const decodeOrDlmsError = (b: Uint8Array): void => {
    try {
      const v: Apdu = decodeApdu(b);
      expect(typeof v.type).toBe('string');
    } catch (e) {
      if (!isDlmsError(e)) throw e;
    }
  };

  it('arbitrary bytes decode to a value or a DlmsError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), decodeOrDlmsError), { numRuns: 3000 });
  });

  it('arbitrary bytes behind every known first byte decode to a value or a DlmsError', () => {
    const tags = [
      0x01, 0x05, 0x06, 0x08, 0x0c, 0x0d, 0x0e, 0x0f, 0x16, 0x18, 0x60, 0x61, 0x62, 0x63, 0xc0, 0xc1, 0xc2,
      0xc3, 0xc4, 0xc5, 0xc7, 0xc8, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xdf, 0xe0,
    ];
    fc.assert(
      fc.property(fc.constantFrom(...tags), fc.uint8Array({ maxLength: 120 }), (tag, rest) => {
        const b = new Uint8Array(rest.length + 1);
        b[0] = tag;
        b.set(rest, 1);
        decodeOrDlmsError(b);
      }),
      { numRuns: 5000 },
    );
  });

  it('mutated valid encodings decode to a value or a DlmsError', () => {
    fc.assert(
      fc.property(
        arbApdu(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (x, edits) => {
          const b = encodeApdu(x).slice();
          for (const [at, v] of edits) b[at % b.length] = v;
          decodeOrDlmsError(b);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a huge announced count fails fast without allocating', () => {
    expect(codeOf(() => decodeApdu(fromHex('C403C184FFFFFFFF')))).toBe('TRUNCATED');
    expect(codeOf(() => decodeApdu(fromHex('0C84FFFFFFFF')))).toBe('TRUNCATED');
    expect(codeOf(() => decodeApdu(fromHex('D9400000010084FFFFFFFF')))).toBe('TRUNCATED');
  });
});

// ------------------------------------------------------------------------------------------------
// Public vectors

interface Vector {
  readonly id: string;
  readonly layer: string;
  readonly hex: string | readonly string[];
  readonly expected?: Record<string, unknown>;
  readonly notes?: string;
}

const VECTORS_PATH = fileURLToPath(
  new URL('../../../../shared/vectors/public-vectors.json', import.meta.url),
);
const haveVectors = existsSync(VECTORS_PATH);
if (!haveVectors)
  console.warn(`public vectors not found at ${VECTORS_PATH}: the conformance suite is skipped`);
const vectors: Vector[] = haveVectors ? (JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as Vector[]) : [];
const byId = (id: string): Vector => {
  const v = vectors.find((x) => x.id === id);
  if (v === undefined) throw new Error(`vector ${id} missing`);
  return v;
};
const hexList = (v: Vector): string[] => (typeof v.hex === 'string' ? [v.hex] : [...v.hex]);

/** Decodes, re-encodes to the same bytes, and returns the APDU. */
function apduRoundTrip(hex: string): Apdu {
  const bytes = fromHex(hex);
  const apdu = decodeApdu(bytes);
  expect(toHex(encodeApdu(apdu))).toBe(toHex(bytes));
  return apdu;
}

function dataRoundTrip(hex: string): Data {
  const bytes = fromHex(hex);
  const d = decodeDataBytes(bytes);
  expect(toHex(encodeDataBytes(d))).toBe(toHex(bytes));
  return d;
}

const ln = (hex: string) => fromHex(hex);
const octets = (d: Data | undefined): string =>
  d?.type === 'octet-string' ? toHex(d.value) : `not octets: ${d?.type}`;

/** Every 'apdu'-layer vector must be claimed by one of these checks. */
const CHECKS: Record<string, (v: Vector) => void> = {
  'xdlms-initiate-request-response': (v) => {
    const [a, b, c, d] = hexList(v).map(apduRoundTrip);
    expect(a).toMatchObject({
      type: 'initiate-request',
      proposedDlmsVersionNumber: 6,
      proposedConformance: 0x007e1f,
      clientMaxReceivePduSize: 1200,
    });
    expect(b).toMatchObject({
      type: 'initiate-request',
      dedicatedKey: fromHex('00112233445566778899AABBCCDDEEFF'),
    });
    expect(c).toMatchObject({
      type: 'initiate-response',
      negotiatedConformance: 0x00501f,
      serverMaxReceivePduSize: 500,
    });
    expect(d).toMatchObject({ type: 'initiate-response', negotiatedQualityOfService: 0 });
  },
  'get-request-normal': (v) => {
    expect(apduRoundTrip(hexList(v)[0]!)).toEqual({
      type: 'get-request-normal',
      invokeIdAndPriority: { invokeId: 1, confirmed: true, highPriority: true },
      attribute: { classId: 1, instanceId: ln('00002B0100FF'), attributeId: 2 },
    });
  },
  'get-request-next': (v) => {
    expect(apduRoundTrip(hexList(v)[0]!)).toMatchObject({
      type: 'get-request-next',
      blockNumber: 1,
      invokeIdAndPriority: { invokeId: 1 },
    });
    // "also: block_number 3 encodes as C002C100000003"
    expect(
      toHex(
        encodeApdu({
          type: 'get-request-next',
          invokeIdAndPriority: { invokeId: 1, confirmed: true, highPriority: true },
          blockNumber: 3,
        }),
      ),
    ).toBe('C002C100000003');
  },
  'get-request-with-list': (v) => {
    const a = apduRoundTrip(hexList(v)[0]!);
    expect(a).toMatchObject({
      type: 'get-request-with-list',
      attributes: [
        { attribute: { classId: 1, instanceId: ln('00002A0000FF'), attributeId: 2 } },
        { attribute: { classId: 8, instanceId: ln('0000010000FF'), attributeId: 2 } },
      ],
    });
  },
  'get-response-normal': (v) => {
    expect(apduRoundTrip(hexList(v)[0]!)).toMatchObject({
      type: 'get-response-normal',
      result: { type: 'data', data: { type: 'double-long-unsigned', value: 5009 } },
    });
  },
  'get-response-normal-error': (v) => {
    expect(apduRoundTrip(hexList(v)[0]!)).toMatchObject({
      result: { type: 'data-access-result', result: 'hardware-fault' },
    });
  },
  'get-response-with-list': (v) => {
    const a = apduRoundTrip(hexList(v)[0]!);
    if (a.type !== 'get-response-with-list') throw new Error(a.type);
    expect(a.results).toHaveLength(2);
    const [r0, r1] = a.results;
    expect(r0?.type === 'data' && octets(r0.data)).toBe(toHex(new TextEncoder().encode('ISK1030777764366')));
    expect(r1?.type === 'data' && octets(r1.data)).toBe('07E50603040E091700FFC400');
  },
  'get-response-with-list-compound': (v) => {
    const a = apduRoundTrip(hexList(v)[0]!);
    if (a.type !== 'get-response-with-list') throw new Error(a.type);
    const plain = (d: Data): unknown =>
      d.type === 'structure' ? d.value.map(plain) : 'value' in d ? d.value : null;
    expect(a.results.map((r) => (r.type === 'data' ? plain(r.data) : r.result))).toEqual(
      v.expected?.['result'],
    );
  },
  'get-response-with-block-first': (v) => {
    const a = apduRoundTrip(hexList(v)[0]!);
    if (a.type !== 'get-response-with-datablock' || a.block.result.type !== 'raw-data')
      throw new Error(a.type);
    expect(a.block.lastBlock).toBe(false);
    expect(a.block.blockNumber).toBe(1);
    const raw = a.block.result.rawData;
    expect(raw.length).toBe(1182);
    expect(toHex(raw.subarray(0, 6))).toBe('018205A00204');
    // Reassembly: this is only the first block of a 1440-entry array, so its raw-data alone is an
    // incomplete Data value; the remaining blocks are not in the vector set.
    expect(codeOf(() => decodeDataBytes(raw))).toBe('TRUNCATED');
  },
  'get-response-last-block': (v) => {
    const a = apduRoundTrip(hexList(v)[0]!);
    if (a.type !== 'get-response-with-datablock' || a.block.result.type !== 'raw-data')
      throw new Error(a.type);
    expect(a.block.lastBlock).toBe(true);
    expect(a.block.blockNumber).toBe(19);
    expect(a.block.result.rawData.length).toBe(380);
  },
  'get-response-last-block-error': (v) => {
    expect(apduRoundTrip(hexList(v)[0]!)).toMatchObject({
      block: {
        lastBlock: true,
        blockNumber: 19,
        result: { type: 'data-access-result', result: 'hardware-fault' },
      },
    });
  },
  'set-request-response-normal': (v) => {
    const [req, res] = hexList(v).map(apduRoundTrip);
    expect(req).toMatchObject({
      type: 'set-request-normal',
      attribute: { classId: 8, instanceId: ln('0000010000FF'), attributeId: 2 },
      value: { type: 'octet-string', value: fromHex('07E50118FF0E303950FFC400') },
    });
    expect(res).toMatchObject({ type: 'set-response-normal', result: 'success' });
  },
  'action-request-reply-to-hls': (v) => {
    const [a, b, c, d, e] = hexList(v).map(apduRoundTrip);
    const method = { classId: 15, instanceId: ln('0000280000FF'), methodId: 1 };
    expect(a).toMatchObject({ type: 'action-request-normal', method, parameters: { type: 'octet-string' } });
    expect(b).toEqual({
      type: 'action-request-normal',
      invokeIdAndPriority: { invokeId: 0, confirmed: true, highPriority: true },
      method,
    });
    expect(c).toMatchObject({
      response: { result: 'success', returnParameters: { type: 'data', data: { type: 'octet-string' } } },
    });
    expect(d).toMatchObject({ response: { result: 'success' } });
    expect(d).not.toHaveProperty('response.returnParameters');
    // The vector says "other-reason (250)": on the wire that is the Get-Data-Result of the optional
    // return-parameters (01 01 FA), the Action-Result byte itself being success (00).
    expect(e).toMatchObject({
      response: {
        result: 'success',
        returnParameters: { type: 'data-access-result', result: 'other-reason' },
      },
    });
  },
  'get-request-range-descriptor': (v) => {
    const a = apduRoundTrip(hexList(v)[0]!);
    if (a.type !== 'get-request-normal' || a.accessSelection === undefined) throw new Error(a.type);
    expect(a.attribute).toEqual({ classId: 7, instanceId: ln('0100630100FF'), attributeId: 2 });
    expect(a.accessSelection.accessSelector).toBe(1);
  },
  'data-notification-no-datetime': (v) => {
    const a = apduRoundTrip(hexList(v)[0]!);
    if (a.type !== 'data-notification') throw new Error(a.type);
    expect(a.dateTime).toBeUndefined();
    expect(a.longInvokeIdAndPriority.invokeId).toBe(0x1db);
    expect(toHex(encodeDataBytes(a.body))).toBe(String(v.expected?.['body']).toUpperCase());
  },
  // Bare A-XDR Data bodies (no APDU tag): decoded as Data.
  'axdr-kamstrup-han-body': (v) => {
    const d = dataRoundTrip(hexList(v)[0]!);
    if (d.type !== 'structure') throw new Error(d.type);
    expect(d.value).toHaveLength(25);
    const strings = d.value
      .filter((x) => x.type === 'visible-string')
      .map((x) => (x.type === 'visible-string' ? x.value : ''));
    expect(strings).toEqual(v.expected?.['visible_strings']);
  },
  'axdr-load-profile-24h': (v) => {
    const hex = hexList(v)[0]!;
    const d = dataRoundTrip(hex);
    if (d.type !== 'array') throw new Error(d.type);
    expect(d.value).toHaveLength(24);
    expect(d.value.every((e) => e.type === 'structure' && e.value.length === 3)).toBe(true);
    // The source also decodes it behind a 00 (Get-Data-Result data): the same value in a GET response.
    const res = apduRoundTrip(`C401C100${hex}`);
    expect(res).toMatchObject({ type: 'get-response-normal', result: { type: 'data', data: d } });
  },
  'axdr-profile-generic-buffer-null-compression': (v) => {
    const d = dataRoundTrip(hexList(v)[0]!);
    if (d.type !== 'array') throw new Error(d.type);
    expect(d.value).toHaveLength(4);
    expect(d.value.map((row) => (row.type === 'structure' ? row.value[0]?.type : '?'))).toEqual([
      'octet-string',
      'null-data',
      'null-data',
      'null-data',
    ]);
  },
  'axdr-lte-monitoring-quality-of-service': (v) => {
    const d = dataRoundTrip(hexList(v)[0]!);
    expect(d.type === 'structure' && d.value.length).toBe(5);
  },
  'axdr-gsm-diagnistics-cell-info': (v) => {
    const d = dataRoundTrip(hexList(v)[0]!);
    expect(d.type === 'structure' && d.value.length).toBe(7);
  },
  // An LLC PDU (E6 E7 00) in front of the APDU.
  'llc-kaifa-ma304h4-se-list-obis': (v) => {
    const hex = hexList(v)[0]!;
    expect(hex.slice(0, 6).toUpperCase()).toBe('E6E700');
    const a = apduRoundTrip(hex.slice(6));
    if (a.type !== 'data-notification' || a.body.type !== 'structure') throw new Error(a.type);
    expect(a.longInvokeIdAndPriority).toEqual({
      invokeId: 0,
      selfDescriptive: false,
      breakOnError: false,
      confirmed: true,
      highPriority: false,
    });
    expect(a.dateTime).toBeUndefined();
    expect(a.body.value).toHaveLength(36);
    const pairs = new Map<string, Data>();
    for (let i = 0; i + 1 < a.body.value.length; i += 2)
      pairs.set(octets(a.body.value[i]), a.body.value[i + 1]!);
    expect(pairs.size).toBe(18);
    expect(pairs.get('0100010700FF')).toEqual({ type: 'double-long-unsigned', value: 2816 });
    expect(pairs.get('0100010800FF')).toEqual({ type: 'double-long-unsigned', value: 4786979 });
    expect(octets(pairs.get('0000010000FF'))).toBe('07E509160311231EFFFFC400');
  },
};

describe.skipIf(!haveVectors)('public vectors, layer apdu', () => {
  it('every apdu-layer vector has a check', () => {
    const ids = vectors.filter((v) => v.layer === 'apdu').map((v) => v.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.filter((id) => !(id in CHECKS))).toEqual([]);
  });
  for (const id of Object.keys(CHECKS)) {
    it(id, () => {
      const v = byId(id);
      expect(v.layer).toBe('apdu');
      CHECKS[id]!(v);
    });
  }
});

describe.skipIf(!haveVectors)('public vectors: plain APDUs carried by other layers', () => {
  it('mbus-evn-doc-example-kaifa: the decrypted Data-Notification with its 12-byte date-time', () => {
    const v = byId('mbus-evn-doc-example-kaifa');
    const a = apduRoundTrip(String(v.expected?.['decrypted_apdu']));
    if (a.type !== 'data-notification' || a.body.type !== 'structure') throw new Error(a.type);
    expect(toHex(a.dateTime ?? new Uint8Array(0))).toBe('07E5091B01092F0F00FF8880');
    expect(a.longInvokeIdAndPriority.invokeId).toBe(0x06870e);
    expect(a.body.value).toHaveLength(0x23);
    expect(a.body.value[2]).toEqual({ type: 'double-long-unsigned', value: 12937 });
    expect(a.body.value[14]).toEqual({ type: 'long-unsigned', value: 2337 });
  });

  it('han-aidon-se-list-tekniska-verken: the Data-Notification inside the HDLC UI frame', () => {
    const v = byId('han-aidon-se-list-tekniska-verken');
    const frame = fromHex(hexList(v)[0]!);
    // 7E, format A243, dest 41, src 0883, control 13, HCS 85EB, LLC E6E700, APDU, FCS (2), 7E
    const at = 1 + 2 + 1 + 2 + 1 + 2 + 3;
    expect(toHex(frame.subarray(at - 3, at))).toBe('E6E700');
    const a = apduRoundTrip(toHex(frame.subarray(at, frame.length - 3)));
    if (a.type !== 'data-notification' || a.body.type !== 'array') throw new Error(a.type);
    expect(a.body.value).toHaveLength(27);
    const first = a.body.value[1];
    expect(first).toEqual({
      type: 'structure',
      value: [
        { type: 'octet-string', value: ln('0100010700FF') },
        { type: 'double-long-unsigned', value: 1122 },
        {
          type: 'structure',
          value: [
            { type: 'integer', value: 0 },
            { type: 'enum', value: 27 },
          ],
        },
      ],
    });
  });

  it('wrapper-udp-gen-glo-data-notification: the general-glo-ciphering envelopes decode and re-encode', () => {
    const v = byId('wrapper-udp-gen-glo-data-notification');
    for (const hex of hexList(v)) {
      const a = apduRoundTrip(hex.slice(16)); // after the 8-byte wrapper header
      expect(a.type).toBe('general-glo-ciphering');
    }
  });
});
