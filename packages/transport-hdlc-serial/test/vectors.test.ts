/**
 * Conformance against the public HDLC vectors of `../shared/vectors/public-vectors.json` (beside the
 * repository; sources and licences are recorded in the file itself). Each frame is decoded, checked
 * against what the vector's `expected` states, fed through the framer, and re-encoded byte for byte.
 * Skipped, with a visible message, when the file is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '@meteringlab/dlms-core';
import {
  clientAddress,
  createHdlcFramer,
  crc16x25,
  decodeHdlcFrame,
  decodeHdlcParameters,
  encodeHdlcFrame,
  serverAddress,
} from '@meteringlab/transport-hdlc-serial';

const file = fileURLToPath(new URL('../../../../shared/vectors/public-vectors.json', import.meta.url));
const present = existsSync(file);
if (!present) console.warn(`public vectors not found at ${file}: HDLC conformance vectors skipped`);

interface Vector {
  id: string;
  layer: string;
  hex: string | string[];
  expected?: Record<string, unknown>;
}

const vectors: Vector[] = present
  ? (JSON.parse(readFileSync(file, 'utf8')) as Vector[]).filter((v) => v.layer === 'hdlc')
  : [];
const byId = (id: string): Vector => {
  const v = vectors.find((x) => x.id === id);
  if (!v) throw new Error(`vector ${id} missing`);
  return v;
};

function roundTrip(hex: string): ReturnType<typeof decodeHdlcFrame> {
  const bytes = fromHex(hex);
  const f = decodeHdlcFrame(bytes);
  expect(toHex(encodeHdlcFrame(f))).toBe(toHex(bytes));
  const items = createHdlcFramer().push(bytes);
  expect(items.map((i) => i.type)).toEqual(['frame']);
  return f;
}

describe.skipIf(!present)('public HDLC vectors', () => {
  it('has the HDLC vectors', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(8);
  });

  it('hdlc-snrm-client16-server1-phys17', () => {
    const v = byId('hdlc-snrm-client16-server1-phys17');
    const f = roundTrip(v.hex as string);
    expect(f.segmented).toBe(false);
    expect(f.destination).toEqual(serverAddress(1, 17));
    expect(f.source).toEqual(clientAddress(16));
    expect(f.control).toEqual({ type: 'snrm', pf: true });
    expect(f.information.length).toBe(0);
    const b = fromHex(v.hex as string);
    expect(toHex(b.subarray(b.length - 3, b.length - 1))).toBe('BD64'); // fcs_bytes_on_wire
  });

  it('hdlc-ua-with-negotiation', () => {
    const v = byId('hdlc-ua-with-negotiation');
    const f = roundTrip(v.hex as string);
    expect(f.destination).toEqual(clientAddress(16));
    expect(f.source).toEqual(serverAddress(1, 17));
    expect(f.control).toEqual({ type: 'ua', pf: true });
    expect(toHex(f.information)).toBe((v.expected!['information'] as string).replace(/ /g, ''));
    // Derived (not authoritative) meaning, checked for consistency with our parameter decoder.
    expect(decodeHdlcParameters(f.information)).toEqual({
      maxInfoTx: 154,
      maxInfoRx: 154,
      windowTx: 1,
      windowRx: 1,
    });
  });

  it('hdlc-i-frame-aarq', () => {
    const f = roundTrip(byId('hdlc-i-frame-aarq').hex as string);
    expect(f.destination).toEqual(serverAddress(1, 17));
    expect(f.source).toEqual(clientAddress(16));
    expect(f.control).toEqual({ type: 'i', ns: 0, nr: 0, pf: true });
    expect(toHex(f.information.subarray(0, 3))).toBe('E6E600');
    expect(toHex(f.information.subarray(3, 7))).toBe('601DA109');
  });

  it('hdlc-i-frame-aare', () => {
    const f = roundTrip(byId('hdlc-i-frame-aare').hex as string);
    expect(f.destination).toEqual(clientAddress(16));
    expect(f.source).toEqual(serverAddress(1, 17));
    expect(f.control).toEqual({ type: 'i', ns: 0, nr: 1, pf: true });
    expect(toHex(f.information.subarray(0, 3))).toBe('E6E700');
    expect(toHex(f.information.subarray(3, 5))).toBe('6129');
  });

  it('hdlc-segmented-i-frame-address (length byte 0x7E)', () => {
    const v = byId('hdlc-segmented-i-frame-address');
    const f = roundTrip(v.hex as string);
    expect(f.segmented).toBe(true);
    expect(fromHex(v.hex as string).length - 2).toBe(v.expected!['length']);
    expect(f.destination).toEqual({ upper: 16, length: 1 });
    expect(f.source).toEqual({ upper: 1, length: 1 });
    expect(f.control).toEqual({ type: 'i', ns: 3, nr: 4, pf: true });
  });

  it('hdlc-hcs-crc-and-format-field', () => {
    const v = byId('hdlc-hcs-crc-and-format-field');
    const [crcInput, a01d, a81d] = v.hex as string[];
    const crc = crc16x25(fromHex(crcInput!));
    expect(toHex(Uint8Array.of(crc & 0xff, crc >>> 8))).toBe('5BEC');
    expect(parseInt(a01d!, 16) & 0x7ff).toBe(29);
    expect(parseInt(a01d!, 16) & 0x0800).toBe(0);
    expect(parseInt(a81d!, 16) & 0x0800).toBe(0x0800);
  });

  it('han-aidon-se-list-tekniska-verken (UI, 579 bytes)', () => {
    const f = roundTrip(byId('han-aidon-se-list-tekniska-verken').hex as string);
    expect(fromHex(byId('han-aidon-se-list-tekniska-verken').hex as string).length - 2).toBe(579);
    expect(f.destination).toEqual({ upper: 0x20, length: 1 }); // 0x41
    expect(f.source).toEqual({ upper: 4, lower: 0x41, length: 2 }); // 08 83
    expect(f.control).toEqual({ type: 'ui', pf: true }); // 0x13
    expect(toHex(f.information.subarray(0, 7))).toBe('E6E7000F400000'); // LLC + long-invoke-id 40000000
  });

  it('hdlc-edge-cases-flag-and-escape-in-payload', () => {
    const frames = byId('hdlc-edge-cases-flag-and-escape-in-payload').hex as string[];
    // 0: 0x7D inside; 1: 0x7E inside the information field: delimited by the length field.
    for (const i of [0, 1]) {
      const b = fromHex(frames[i]!);
      const f = roundTrip(frames[i]!);
      // The source's payload = frame[8:-2] over the bytes between the flags.
      const inner = b.subarray(1, b.length - 1);
      expect(toHex(f.information)).toBe(toHex(inner.subarray(8, inner.length - 2)));
    }
    // 2: empty information field, no HCS.
    expect(roundTrip(frames[2]!).information.length).toBe(0);
    // 3: short information field 02 01.
    expect(toHex(roundTrip(frames[3]!).information)).toBe('0201');
    // 4: byte-stuffed: DLMS HDLC does not stuff, so the length field does not match: rejected, typed.
    expect(() => decodeHdlcFrame(fromHex(frames[4]!))).toThrowError(
      expect.objectContaining({ code: 'BAD_FRAME' }) as Error,
    );
    // All five back to back (sharing no flags), one byte at a time: four frames and typed errors.
    const all = fromHex(frames.join(''));
    const framer = createHdlcFramer();
    const items = [];
    for (let i = 0; i < all.length; i++) items.push(...framer.push(all.subarray(i, i + 1)));
    expect(items.filter((x) => x.type === 'frame')).toHaveLength(4);
    expect(
      items
        .filter((x) => x.type === 'error')
        .every((x) => x.type === 'error' && x.error.code === 'BAD_FRAME'),
    ).toBe(true);
  });
});
