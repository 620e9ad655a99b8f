/**
 * Reassembly (M-Bus DLMS transport, HDLC segments, General-Block-Transfer) and the push decoder, on
 * fixtures built here: Data-Notifications from `fixtures.ts`, protected with dlms-core's protectApdu,
 * split into telegrams by this package's segmenter and encoder, and HDLC frames from
 * transport-hdlc-serial's encoder.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Writer, encodeGeneralBlockTransfer, protectApdu, isDlmsError } from '@meteringlab/dlms-core';
import { clientAddress, encodeHdlcFrame, serverAddress } from '@meteringlab/transport-hdlc-serial';
import {
  createMbusReassembler,
  createPushDecoder,
  decodeMbusDlmsSegment,
  encodeMbusFrame,
  segmentMbusApdu,
  type MbusDlmsSegment,
  type PushEvent,
  type PushReadingEvent,
} from '../src/index.js';
import { AUTH_KEY, KEY, SYSTEM_TITLE, plainPush } from './fixtures.js';

const readings = (e: PushEvent[]): PushReadingEvent[] =>
  e.filter((x): x is PushReadingEvent => x.type === 'reading');
const codes = (e: PushEvent[]): string[] =>
  e.flatMap((x) => (x.type === 'warning' ? [x.code] : x.type === 'error' ? [x.error.code] : []));
const energy = (r: PushReadingEvent): unknown => r.readings.find((x) => x.obis === '1.0.1.8.0.255')?.value;

function seg(sequence: number, last: boolean, bytes: number[], stsap = 1, dtsap = 0x67): MbusDlmsSegment {
  return { sequence, last, stsap, dtsap, data: Uint8Array.from(bytes) };
}

/** The telegrams of one authenticated, encrypted push (IC = energy, so every push differs). */
function telegrams(energyWh: number, maxChunk = 60): Uint8Array[] {
  const apdu = protectApdu(plainPush(energyWh), {
    key: KEY,
    authKey: AUTH_KEY,
    systemTitle: SYSTEM_TITLE,
    invocationCounter: energyWh,
  });
  return segmentMbusApdu(apdu, { maxChunk }).map(encodeMbusFrame);
}

describe('M-Bus DLMS transport reassembly', () => {
  it('joins sequences 0..n and emits at the last telegram', () => {
    const r = createMbusReassembler();
    expect(r.add(seg(0, false, [1, 2]))).toEqual([]);
    expect(r.inProgress).toBe(true);
    expect(r.add(seg(1, false, [3]))).toEqual([]);
    const [out] = r.add(seg(2, true, [4, 5]));
    expect(out).toMatchObject({ type: 'apdu', segments: 3, stsap: 1, dtsap: 0x67 });
    expect(out!.type === 'apdu' && Array.from(out.apdu)).toEqual([1, 2, 3, 4, 5]);
    expect(r.add(seg(0, true, [9]))).toMatchObject([{ type: 'apdu', segments: 1 }]);
  });

  it('drops a reader that started mid-sequence, then reads the next APDU', () => {
    const r = createMbusReassembler();
    expect(r.add(seg(1, false, [3]))).toMatchObject([{ type: 'warning', code: 'MID_SEQUENCE' }]);
    expect(r.add(seg(2, true, [4]))).toEqual([]); // the rest of the same APDU: silently skipped
    expect(r.add(seg(0, false, [1]))).toEqual([]);
    expect(r.add(seg(1, true, [2]))).toMatchObject([{ type: 'apdu', segments: 2 }]);
  });

  it('drops the partial APDU on a gap, a restart, an access point change and the size cap', () => {
    const r = createMbusReassembler({ maxApduLength: 4 });
    r.add(seg(0, false, [1]));
    expect(r.add(seg(2, true, [3]))).toMatchObject([{ type: 'warning', code: 'GAP', dropped: 1 }]);
    r.add(seg(0, false, [1]));
    const restart = r.add(seg(0, true, [7]));
    expect(restart).toMatchObject([{ type: 'warning', code: 'RESTART' }, { type: 'apdu' }]);
    r.add(seg(0, false, [1]));
    expect(r.add(seg(1, true, [2], 2))).toMatchObject([{ type: 'warning', code: 'ACCESS_POINT_CHANGED' }]);
    r.add(seg(0, false, [1, 2, 3]));
    expect(r.add(seg(1, false, [4, 5]))).toMatchObject([{ type: 'warning', code: 'LIMIT_EXCEEDED' }]);
    expect(r.add(seg(2, true, [6]))).toEqual([]);
    expect(r.add(seg(0, true, [1, 2, 3, 4, 5]))).toMatchObject([{ type: 'warning', code: 'LIMIT_EXCEEDED' }]);
    expect(r.inProgress).toBe(false);
  });

  it('rejects non-DLMS CI fields and telegrams without access points', () => {
    expect(() => decodeMbusDlmsSegment({ c: 8, a: 1, ci: 0x72, data: new Uint8Array(4) })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TAG' }),
    );
    expect(() => decodeMbusDlmsSegment({ c: 8, a: 1, ci: 0x10, data: new Uint8Array(1) })).toThrow(
      expect.objectContaining({ code: 'TRUNCATED' }),
    );
  });
});

describe('createPushDecoder (mbus)', () => {
  it('reads authenticated pushes of 2, 3 and 5 telegrams; the tag is checked', () => {
    const d = createPushDecoder({ format: 'mbus', key: KEY, authKey: AUTH_KEY });
    for (const chunk of [250, 100, 30]) {
      const rs = readings(telegrams(1000 + chunk, chunk).flatMap((t) => d.push(t)));
      expect(rs).toHaveLength(1);
      expect(energy(rs[0]!)).toBe(1000 + chunk);
      expect(rs[0]!.security).toMatchObject({
        protected: true,
        verified: true,
        securityControl: 0x30,
        invocationCounter: 1000 + chunk,
      });
      expect(rs[0]!.systemTitle).toBe('4B464D1020304050');
    }
  });

  it('survives a lost telegram, a restart and a mid-sequence start, never decoding a partial APDU', () => {
    const [a0, a1, a2] = telegrams(1, 40);
    const [b0, b1, b2] = telegrams(2, 40);
    const [c0, c1, c2] = telegrams(3, 40);
    expect(c2).toBeDefined();
    const d = createPushDecoder({ format: 'mbus', key: KEY, authKey: AUTH_KEY });
    const events = [a1, a2, b0, b2, c0, b0, b1, b2, c0, c1, c2].flatMap((t) => d.push(t!));
    expect(readings(events).map(energy)).toEqual([2, 3]);
    expect(codes(events)).toEqual(['MID_SEQUENCE', 'GAP', 'RESTART']);
    expect(events.some((e) => e.type === 'error')).toBe(false);
    void a0;
  });

  it('a tampered telegram: the checksum catches it; a tampered tag with a good checksum is an error event', () => {
    const t = telegrams(5, 250);
    const broken = t[0]!.slice();
    broken[20]! ^= 1;
    const d = createPushDecoder({ format: 'mbus', key: KEY, authKey: AUTH_KEY });
    const e1 = [broken, ...t.slice(1)].flatMap((x) => d.push(x));
    expect(readings(e1)).toHaveLength(0);
    expect(codes(e1)).toContain('BAD_CHECKSUM');

    const apdu = protectApdu(plainPush(5), {
      key: KEY,
      authKey: AUTH_KEY,
      systemTitle: SYSTEM_TITLE,
      invocationCounter: 5,
    });
    apdu[apdu.length - 1]! ^= 0x80;
    const e2 = segmentMbusApdu(apdu)
      .map(encodeMbusFrame)
      .flatMap((x) => d.push(x));
    expect(readings(e2)).toHaveLength(0);
    expect(e2).toContainEqual(
      expect.objectContaining({
        type: 'error',
        layer: 'security',
        error: expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
      }),
    );
    expect(readings(telegrams(6).flatMap((x) => d.push(x)))).toHaveLength(1);
  });

  it('encryption-only pushes (SC 0x20) read with the key alone; with an authentication key they are refused', () => {
    const apdu = protectApdu(plainPush(7), {
      key: KEY,
      systemTitle: SYSTEM_TITLE,
      invocationCounter: 7,
      authenticated: false,
    });
    const frames = segmentMbusApdu(apdu).map(encodeMbusFrame);
    const [r] = readings(frames.flatMap((f) => createPushDecoder({ format: 'mbus', key: KEY }).push(f)));
    expect(r!.security).toMatchObject({ verified: false, securityControl: 0x20 });
    const strict = frames.flatMap((f) =>
      createPushDecoder({ format: 'mbus', key: KEY, authKey: AUTH_KEY }).push(f),
    );
    expect(codes(strict)).toContain('AUTHENTICATION_FAILED');
  });

  it('general-ded-ciphering and plain Data-Notifications', () => {
    const ded = protectApdu(plainPush(8), {
      form: 'general-ded',
      key: KEY,
      authKey: AUTH_KEY,
      systemTitle: SYSTEM_TITLE,
      invocationCounter: 8,
    });
    const d = createPushDecoder({ format: 'apdu', key: KEY, authKey: AUTH_KEY });
    expect(readings(d.push(ded)).map(energy)).toEqual([8]);
    const plain = createPushDecoder({ format: 'mbus' });
    const [p] = readings(
      segmentMbusApdu(plainPush(9))
        .map(encodeMbusFrame)
        .flatMap((f) => plain.push(f)),
    );
    expect(p!.security.protected).toBe(false);
    expect(energy(p!)).toBe(9);
  });

  it('ignores telegrams with other CI fields with a warning', () => {
    const d = createPushDecoder({ format: 'mbus' });
    expect(codes(d.push(encodeMbusFrame({ c: 8, a: 1, ci: 0x72, data: new Uint8Array(12) })))).toEqual([
      'UNKNOWN_TAG',
    ]);
  });
});

describe('createPushDecoder (hdlc, gbt, auto)', () => {
  const hdlc = (information: Uint8Array, segmented: boolean): Uint8Array =>
    encodeHdlcFrame({
      destination: clientAddress(0x41),
      source: serverAddress(0x01, 0x11),
      control: { type: 'ui', pf: false },
      segmented,
      information,
    });

  function hdlcPush(apdu: Uint8Array, maxInfo: number): Uint8Array[] {
    const whole = Uint8Array.of(0xe6, 0xe7, 0x00, ...apdu);
    const out: Uint8Array[] = [];
    for (let at = 0; at < whole.length; at += maxInfo)
      out.push(hdlc(whole.subarray(at, at + maxInfo), at + maxInfo < whole.length));
    return out;
  }

  it('reads a segmented, ciphered HDLC push (E450/AM550 style), and drops a mid-sequence start', () => {
    const apdu = protectApdu(plainPush(11), {
      key: KEY,
      authKey: AUTH_KEY,
      systemTitle: SYSTEM_TITLE,
      invocationCounter: 11,
    });
    const frames = hdlcPush(apdu, 50);
    expect(frames.length).toBeGreaterThan(2);
    const d = createPushDecoder({ format: 'hdlc', key: KEY, authKey: AUTH_KEY });
    const events = [...frames.slice(1), ...frames, frames[0]!, ...frames].flatMap((f) => d.push(f));
    expect(readings(events).map(energy)).toEqual([11, 11]);
    expect(codes(events)).toEqual(['MID_SEQUENCE', 'RESTART']);
  });

  it('I-frame pushes: a skipped N(S) drops the partial APDU', () => {
    const apdu = protectApdu(plainPush(16), {
      key: KEY,
      authKey: AUTH_KEY,
      systemTitle: SYSTEM_TITLE,
      invocationCounter: 16,
    });
    const whole = Uint8Array.of(0xe6, 0xe7, 0x00, ...apdu);
    const iFrames = (start: number): Uint8Array[] => {
      const out: Uint8Array[] = [];
      for (let at = 0, ns = start; at < whole.length; at += 40, ns = (ns + 1) & 7) {
        out.push(
          encodeHdlcFrame({
            destination: clientAddress(0x41),
            source: serverAddress(0x01, 0x11),
            control: { type: 'i', ns, nr: 0, pf: false },
            segmented: at + 40 < whole.length,
            information: whole.subarray(at, at + 40),
          }),
        );
      }
      return out;
    };
    const [f0, f1, f2] = iFrames(6);
    expect(f2).toBeDefined();
    const d = createPushDecoder({ format: 'hdlc', key: KEY, authKey: AUTH_KEY });
    const events = [f0!, f2!, ...iFrames(3)].flatMap((f) => d.push(f));
    expect(readings(events).map(energy)).toEqual([16]);
    expect(codes(events)).toEqual(['GAP']);
    void f1;
  });

  it('reassembles General-Block-Transfer around a ciphered push, and ciphered GBT blocks', () => {
    const prot = protectApdu(plainPush(12), {
      key: KEY,
      authKey: AUTH_KEY,
      systemTitle: SYSTEM_TITLE,
      invocationCounter: 12,
    });
    const gbt = (n: number, last: boolean, data: Uint8Array): Uint8Array => {
      const w = new Writer(64);
      encodeGeneralBlockTransfer(w, {
        type: 'general-block-transfer',
        lastBlock: last,
        streaming: true,
        window: 1,
        blockNumber: n,
        blockNumberAck: 0,
        blockData: data,
      });
      return w.toBytes();
    };
    const blocks = [
      gbt(1, false, prot.subarray(0, 40)),
      gbt(2, false, prot.subarray(40, 80)),
      gbt(3, true, prot.subarray(80)),
    ];
    const d = createPushDecoder({ format: 'apdu', key: KEY, authKey: AUTH_KEY });
    const events = [blocks[1]!, blocks[2]!, ...blocks].flatMap((b) => d.push(b));
    expect(readings(events).map(energy)).toEqual([12]);
    expect(codes(events)).toEqual(['MID_SEQUENCE']);
    // Each block itself ciphered (GBT inside general-glo-ciphering).
    const ciphered = blocks.map((b, i) =>
      protectApdu(b, { key: KEY, authKey: AUTH_KEY, systemTitle: SYSTEM_TITLE, invocationCounter: 100 + i }),
    );
    expect(readings(ciphered.flatMap((b) => d.push(b))).map(energy)).toEqual([12]);
  });

  it('auto locks onto M-Bus, HDLC or APDU', () => {
    const m = createPushDecoder({ key: KEY, authKey: AUTH_KEY });
    expect(
      readings([Uint8Array.of(0x00, 0x16), ...telegrams(13)].flatMap((t) => m.push(t))).map(energy),
    ).toEqual([13]);
    expect(m.format).toBe('mbus');
    const h = createPushDecoder({});
    expect(readings(hdlcPush(plainPush(14), 40).flatMap((f) => h.push(f))).map(energy)).toEqual([14]);
    expect(h.format).toBe('hdlc');
    const a = createPushDecoder({ key: KEY, authKey: AUTH_KEY });
    expect(
      readings(
        a.push(
          protectApdu(plainPush(15), {
            key: KEY,
            authKey: AUTH_KEY,
            systemTitle: SYSTEM_TITLE,
            invocationCounter: 15,
          }),
        ),
      ).map(energy),
    ).toEqual([15]);
    expect(a.format).toBe('apdu');
  });

  it('positional layouts are read with the Push setup capture objects', () => {
    const w = new Writer(64);
    const d = createPushDecoder({
      format: 'apdu',
      captureObjects: [
        { classId: 3, logicalName: '1.0.1.8.0.255', attributeIndex: 2, scalerUnit: { scaler: 1, unit: 30 } },
        {
          classId: 3,
          logicalName: '1.0.32.7.0.255',
          attributeIndex: 2,
          scalerUnit: { scaler: -1, unit: 35 },
        },
      ],
    });
    void w;
    // 0F, invoke id, no date-time, structure { 1234, 2301 }
    const apdu = Uint8Array.of(0x0f, 0, 0, 0, 1, 0, 0x02, 0x02, 0x06, 0, 0, 0x04, 0xd2, 0x12, 0x08, 0xfd);
    const [r] = readings(d.push(apdu));
    expect(r!.readings).toMatchObject([
      { obis: '1.0.1.8.0.255', value: 12340, unit: 'Wh' },
      { obis: '1.0.32.7.0.255', value: 230.1, unit: 'V' },
    ]);
  });

  it('property: arbitrary bytes in any format never throw, and errors are DlmsErrors', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('mbus', 'hdlc', 'apdu', 'auto') as fc.Arbitrary<'mbus' | 'hdlc' | 'apdu' | 'auto'>,
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        (format, chunks) => {
          const d = createPushDecoder({ format, key: KEY, authKey: AUTH_KEY });
          for (const c of chunks)
            for (const e of d.push(c)) if (e.type === 'error') expect(isDlmsError(e.error)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: telegram streams cut anywhere give the same readings', () => {
    const stream = Uint8Array.from(
      [...telegrams(21), ...telegrams(22, 100), ...telegrams(23, 250)].flatMap((t) => [...t]),
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 10 }), (sizes) => {
        const d = createPushDecoder({ format: 'mbus', key: KEY, authKey: AUTH_KEY });
        const out: PushEvent[] = [];
        for (let at = 0, i = 0; at < stream.length; i++) {
          const n = sizes[i % sizes.length]!;
          out.push(...d.push(stream.subarray(at, at + n)));
          at += n;
        }
        expect(readings(out).map(energy)).toEqual([21, 22, 23]);
      }),
      { numRuns: 50 },
    );
  });
});
