/**
 * IEC 62056-21 mode E messages (pure). Message layouts from IEC 62056-21 (request, identification with
 * the enhanced identification character `\2`, acknowledgement/option select `ACK V Z Y CR LF`).
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '@meteringlab/dlms-core';
import {
  LineReader,
  baudCharOf,
  baudRateOf,
  buildAck,
  buildSignOn,
  parseAck,
  parseIdentification,
} from '@meteringlab/transport-hdlc-serial';

describe('mode E messages', () => {
  it('builds the request, with and without device address', () => {
    expect(toHex(buildSignOn())).toBe('2F3F210D0A'); // / ? ! CR LF
    expect(new TextDecoder().decode(buildSignOn('12345678'))).toBe('/?12345678!\r\n');
    expect(() => buildSignOn('a/b')).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error,
    );
  });

  it('builds the acknowledgement ACK 2 Z 2 CR LF', () => {
    expect(toHex(buildAck('5'))).toBe('063235320D0A'); // ACK '2' '5' '2' CR LF: HDLC, 9600 baud, binary mode
    expect(parseAck(buildAck('6'))).toEqual({ protocolControl: '2', baudChar: '6', modeControl: '2' });
    expect(() => parseAck(Uint8Array.of(6, 0x32))).toThrowError(
      expect.objectContaining({ code: 'UNEXPECTED_APDU' }) as Error,
    );
  });

  it('maps baud characters both ways', () => {
    expect(['0', '1', '2', '3', '4', '5', '6'].map(baudRateOf)).toEqual([
      300, 600, 1200, 2400, 4800, 9600, 19200,
    ]);
    expect(['A', 'B', 'C', 'D', 'E', 'F'].map(baudRateOf)).toEqual([600, 1200, 2400, 4800, 9600, 19200]);
    expect(baudRateOf('7')).toBeUndefined();
    expect(baudRateOf('G')).toBeUndefined();
    expect(baudCharOf(9600)).toBe('5');
    expect(() => baudCharOf(115200)).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error,
    );
  });

  it('parses identifications', () => {
    expect(parseIdentification('/LGZ5\\2ZMD3104107.B32\r\n')).toEqual({
      manufacturer: 'LGZ',
      fastReaction: false,
      baudChar: '5',
      baudRate: 9600,
      enhanced: '2',
      identification: 'ZMD3104107.B32',
    });
    const fast = parseIdentification(new TextEncoder().encode('/ISk6\\2MT382-1004\r\n'));
    expect(fast).toMatchObject({ manufacturer: 'ISk', fastReaction: true, baudRate: 19200, enhanced: '2' });
    // Parity bit set (7E1 read as 8N1): ignored.
    const withParity = Array.from(new TextEncoder().encode('/ABC4METER\r\n'), (b) => b | 0x80);
    expect(parseIdentification(Uint8Array.from(withParity))).toMatchObject({
      manufacturer: 'ABC',
      baudRate: 4800,
      enhanced: undefined,
      identification: 'METER',
    });
    for (const bad of [
      '/AB5X\r\n',
      'LGZ5\\2X\r\n',
      '/LGZ5\\2\r\n',
      '/LGZ5\\2ZMD3104107.B32',
      '/LGZJ\\2X\r\n',
      '/LGZ5' + 'X'.repeat(17) + '\r\n',
    ]) {
      expect(() => parseIdentification(bad), bad).toThrowError(
        expect.objectContaining({ code: 'UNEXPECTED_APDU' }) as Error,
      );
    }
  });

  it('reads a line split anywhere, skipping noise before it', () => {
    const msg = new TextEncoder().encode('\x00\x7f/LGZ5\\2ZMD\r\nrest');
    for (let cut = 0; cut <= msg.length; cut++) {
      const r = new LineReader();
      const got = r.push(msg.subarray(0, cut)) ?? r.push(msg.subarray(cut));
      expect(got && new TextDecoder().decode(got.line)).toBe('/LGZ5\\2ZMD\r\n');
    }
    const r = new LineReader(10);
    expect(() => r.push(new TextEncoder().encode('/' + 'x'.repeat(20)))).toThrowError(
      expect.objectContaining({ code: 'UNEXPECTED_APDU' }) as Error,
    );
  });
});
