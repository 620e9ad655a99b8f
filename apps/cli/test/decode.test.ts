/**
 * `dlms decode` in-process: the tree and JSON printers, frame formats, reassembly, deciphering, and
 * the error lines and exit codes. Frames are built with the stack's own encoders (and the Green Book
 * security example for ciphering), never with the CLI under test.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeApdu,
  encodeApdu,
  encodeDataBytes,
  fromHex,
  protectApdu,
  toHex,
  type Apdu,
  type Data,
} from '@meteringlab/dlms-core';
import { encodeWrapperFrame } from '@meteringlab/transport-tcp';
import {
  LLC_COMMAND,
  LLC_RESPONSE,
  clientAddress,
  encodeHdlcFrame,
  segmentApdu,
  serverAddress,
} from '@meteringlab/transport-hdlc-serial';
import { loadCorpus } from '@meteringlab/fixtures';
import { detectFormat, renderTree, toJson } from '../src/main.js';
import { run } from './helpers.js';

const iid = { invokeId: 1, confirmed: true, highPriority: true } as const;
const CLOCK = Uint8Array.of(0, 0, 1, 0, 0, 255);
const ENERGY = Uint8Array.of(1, 0, 1, 8, 0, 255);

const getClock: Apdu = {
  type: 'get-request-normal',
  invokeIdAndPriority: iid,
  attribute: { classId: 8, instanceId: CLOCK, attributeId: 2 },
};
const GET_CLOCK = toHex(encodeApdu(getClock));

const register: Data = {
  type: 'structure',
  value: [
    { type: 'octet-string', value: ENERGY },
    { type: 'double-long-unsigned', value: 5009 },
    { type: 'long64', value: -(2n ** 60n) },
    {
      type: 'date-time',
      value: {
        year: 2024,
        month: 1,
        dayOfMonth: 15,
        dayOfWeek: 1,
        hour: 10,
        minute: 30,
        second: 0,
        hundredths: 0xff,
        deviation: -60,
        clockStatus: 0x80,
      },
    },
    { type: 'date', value: { year: 0xffff, month: 0xff, dayOfMonth: 1, dayOfWeek: 0xff } },
  ],
};
const getResponse: Apdu = {
  type: 'get-response-normal',
  invokeIdAndPriority: iid,
  result: { type: 'data', data: register },
};
const GET_RESPONSE = toHex(encodeApdu(getResponse));

/** Green Book security example (suite 0): EK 000102..0F, AK D0D1..DF, system title 4D4D4D0000BC614E. */
const EK = '000102030405060708090A0B0C0D0E0F';
const AK = 'D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF';
const ST = '4D4D4D0000BC614E';
const CIPHERED = toHex(
  protectApdu(encodeApdu(getClock), {
    form: 'glo',
    key: fromHex(EK),
    authKey: fromHex(AK),
    systemTitle: fromHex(ST),
    invocationCounter: 0x01234567,
  }),
);

function oneLineError(r: { code: number; stdout: string; stderr: string }, code = 1): string {
  expect(r.code).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n');
  expect(lines.length).toBe(2);
  expect(lines[1]).toBe('');
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

describe('dlms decode: tree', () => {
  it('prints a GET request with names, OBIS code and well-known name', async () => {
    const r = await run(['decode', GET_CLOCK]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('get-request-normal');
    expect(r.stdout).toContain('invoke-id-and-priority: invoke-id 1, confirmed true, high-priority true');
    expect(r.stdout).toContain('attribute: class-id 8, instance-id 0-0:1.0.0.255 (Clock), attribute-id 2');
  });

  it('prints Data values with their types, OBIS codes and date-times with wildcards', async () => {
    const r = await run(['decode', GET_RESPONSE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('result: data');
    expect(r.stdout).toContain('data: structure (5 elements)');
    expect(r.stdout).toMatch(/\[0\] octet-string\[6\] 0100010800FF = 1-0:1\.8\.0\.255/);
    expect(r.stdout).toContain('[1] double-long-unsigned 5009');
    expect(r.stdout).toContain(`[2] long64 ${-(2n ** 60n)}`);
    expect(r.stdout).toMatch(/\[3\] date-time 2024-01-15 Mon 10:30:00\.\*\* .*deviation -60.*dst/);
    expect(r.stdout).toMatch(/\[4\] date \*\*\*\*-\*\*-01 \*/);
  });

  it('accepts hex with spaces, colons and dashes, and bytes pasted as separate arguments', async () => {
    const spaced = GET_CLOCK.replace(/(..)/g, '$1 ').trim();
    const expected = (await run(['decode', GET_CLOCK])).stdout;
    expect((await run(['decode', spaced])).stdout).toBe(expected);
    expect((await run(['decode', GET_CLOCK.replace(/(..)(?=.)/g, '$1:')])).stdout).toBe(expected);
    expect((await run(['decode', GET_CLOCK.replace(/(..)(?=.)/g, '$1-')])).stdout).toBe(expected);
    expect((await run(['decode', ...spaced.split(' ')])).stdout).toBe(expected);
  });

  it('prints conformance bits by name and AARE diagnostics by name', async () => {
    const aare = loadCorpus().find((e) => e.id === 'acse/aare-rejected-application-context')!;
    const r = await run(['decode', aare.hex]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('result: rejected-permanent');
    expect(r.stdout).toContain(
      'result-source-diagnostic: application-context-name-not-supported (acse-service-user)',
    );
    expect(r.stdout).toMatch(
      /negotiated-conformance: 0x00501F \(priority-mgmt-supported, block-transfer-with-get-or-read, get, set, selective-access, event-notification, action\)/,
    );
  });

  it('prints a DataNotification date-time given as an octet string', async () => {
    const dn = loadCorpus().find((e) => e.id === 'apdu/data-notification')!;
    const r = await run(['decode', dn.hex]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/date-time: 07E8010F010A1E0000FFC400 = 2024-01-15 Mon 10:30:00\.00/);
  });

  it('renderTree is the pure printer main() uses', async () => {
    const tree = renderTree(decodeApdu(fromHex(GET_CLOCK)));
    expect((await run(['decode', GET_CLOCK])).stdout).toBe(tree + '\n');
  });

  it('decodes every APDU of the corpus (exit 0, the APDU name first)', async () => {
    for (const e of loadCorpus().filter((x) => x.layer !== 'data')) {
      const r = await run(['decode', e.hex]);
      expect(r.code, e.id).toBe(0);
      const name = (e.expected as { type?: string }).type;
      if (e.layer !== 'cipher' && name && !['glo-ciphered', 'ded-ciphered'].includes(name)) {
        expect(r.stdout.split('\n')[0], e.id).toBe(name);
      }
    }
  });

  it('decodes a bare Data value with --format data', async () => {
    const r = await run(['decode', '--format', 'data', toHex(encodeDataBytes(register))]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('structure (5 elements)');
  });
});

describe('dlms decode --json', () => {
  it('prints the APDU with Data in the typed form, bytes as hex, bigints as strings', async () => {
    const r = await run(['decode', '--json', GET_RESPONSE]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { format: string; apdu: Record<string, unknown> };
    expect(out.format).toBe('apdu');
    expect(out.apdu['name']).toBe('get-response-normal');
    const data = (out.apdu['result'] as { data: { type: string; value: { type: string; value: unknown }[] } })
      .data;
    expect(data.type).toBe('structure');
    expect(data.value[0]).toEqual({ type: 'octet-string', value: '0100010800FF' });
    expect(data.value[1]).toEqual({ type: 'double-long-unsigned', value: 5009 });
    expect(data.value[2]).toEqual({ type: 'long64', value: (-(2n ** 60n)).toString() });
  });

  it('the apdu of the JSON output is toJson() of the decoded APDU, and equals the corpus entries', async () => {
    for (const e of loadCorpus().filter(
      (x) => x.layer === 'apdu' || x.layer === 'aarq' || x.layer === 'aare',
    )) {
      const r = await run(['decode', '--json', e.hex]);
      const apdu = (JSON.parse(r.stdout) as { apdu: Record<string, unknown> }).apdu;
      expect(apdu, e.id).toEqual(JSON.parse(JSON.stringify(toJson(decodeApdu(fromHex(e.hex))))));
      const { name: _name, ...fields } = apdu;
      expect(fields, e.id).toEqual(e.expected);
    }
  });
});

describe('dlms decode: frame formats', () => {
  it('detectFormat tells HDLC, wrapper and bare APDUs apart', () => {
    const apdu = fromHex(GET_CLOCK);
    const hdlc = encodeHdlcFrame({
      destination: serverAddress(1, 17),
      source: clientAddress(16),
      control: { type: 'i', ns: 0, nr: 0, pf: true },
      segmented: false,
      information: Uint8Array.of(...LLC_COMMAND, ...apdu),
    });
    expect(detectFormat(hdlc)).toBe('hdlc');
    expect(detectFormat(encodeWrapperFrame({ source: 16, destination: 1, apdu }))).toBe('wrapper');
    expect(detectFormat(apdu)).toBe('apdu');
    expect(detectFormat(Uint8Array.of(0x7e, 0xa0, 0x07, 0x7e))).toBe('apdu');
  });

  it('reads a wrapper frame and shows its ports', async () => {
    const frame = toHex(encodeWrapperFrame({ source: 16, destination: 1, apdu: fromHex(GET_CLOCK) }));
    const r = await run(['decode', frame]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wrapper frame: source 16, destination 1');
    expect(r.stdout).toContain('get-request-normal');
  });

  it('joins segmented HDLC frames into one APDU', async () => {
    const apdu = fromHex(GET_RESPONSE);
    const segments = segmentApdu(apdu, LLC_RESPONSE, 16);
    expect(segments.length).toBeGreaterThan(2);
    const frames = segments.map((s, i) =>
      toHex(
        encodeHdlcFrame({
          destination: clientAddress(16),
          source: serverAddress(1, 17),
          control: { type: 'i', ns: i, nr: 0, pf: !s.segmented },
          segmented: s.segmented,
          information: s.information,
        }),
      ),
    );
    const r = await run(['decode', ...frames]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`reassembled from ${segments.length} HDLC segments`);
    expect(r.stdout).toContain('LLC header E6 E7 00 removed');
    expect(r.stdout).toContain('[1] double-long-unsigned 5009');
    const json = JSON.parse((await run(['decode', '--json', ...frames])).stdout) as {
      frames: number[];
      apdu: unknown;
    };
    expect(json.frames).toEqual(segments.map((_, i) => i + 1));
  });

  it('joins general-block-transfer blocks into the APDU they carry', async () => {
    const whole = fromHex(GET_RESPONSE);
    const half = Math.ceil(whole.length / 2);
    const blocks = [whole.subarray(0, half), whole.subarray(half)].map((blockData, i) =>
      toHex(
        encodeApdu({
          type: 'general-block-transfer',
          lastBlock: i === 1,
          streaming: false,
          window: 1,
          blockNumber: i + 1,
          blockNumberAck: 0,
          blockData,
        }),
      ),
    );
    const r = await run(['decode', ...blocks]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('reassembled from 2 general-block-transfer blocks');
    expect(r.stdout).toContain('get-response-normal');
    expect(r.stdout).toContain('[1] double-long-unsigned 5009');
  });

  it('joins GET-Response-With-Datablock blocks into one GET-Response-Normal', async () => {
    const raw = encodeDataBytes({
      type: 'array',
      value: Array.from({ length: 10 }, (_, i): Data => ({ type: 'long-unsigned', value: i * 100 })),
    });
    const cut = [0, 7, 19, raw.length];
    const blocks = [0, 1, 2].map((i) =>
      toHex(
        encodeApdu({
          type: 'get-response-with-datablock',
          invokeIdAndPriority: iid,
          block: {
            lastBlock: i === 2,
            blockNumber: i + 1,
            result: { type: 'raw-data', rawData: raw.subarray(cut[i], cut[i + 1]) },
          },
        }),
      ),
    );
    const r = await run(['decode', ...blocks]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('reassembled from 3 GET data blocks (1-3)');
    expect(r.stdout.split('\n')).toContain('get-response-normal');
    expect(r.stdout).toContain('data: array (10 elements)');
    expect(r.stdout).toContain('[9] long-unsigned 900');
  });

  it('reports a missing GET block', async () => {
    const mk = (n: number, last: boolean): string =>
      toHex(
        encodeApdu({
          type: 'get-response-with-datablock',
          invokeIdAndPriority: iid,
          block: {
            lastBlock: last,
            blockNumber: n,
            result: { type: 'raw-data', rawData: Uint8Array.of(0x12) },
          },
        }),
      );
    const line = oneLineError(await run(['decode', mk(1, false), mk(3, true)]));
    expect(line).toMatch(
      /^dlms: cannot reassemble frames 1, 2: BLOCK_SEQUENCE: GET data block 3 follows block 1: a block is missing/,
    );
  });

  it('reads frames from standard input, one per line, # comments ignored', async () => {
    const r = await run(['decode', '-'], `# two APDUs\n${GET_CLOCK}\n\n${GET_RESPONSE}  # a response\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# message 1: frame 1 (apdu)');
    expect(r.stdout).toContain('# message 2: frame 2 (apdu)');
  });
});

describe('dlms decode: ciphered APDUs', () => {
  const keys = ['--key', EK, '--auth-key', AK, '--system-title', ST];

  it('prints the envelope, then the deciphered APDU, and never a key', async () => {
    const r = await run(['decode', ...keys, CIPHERED]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('security: glo-get-request');
    expect(r.stdout).toContain('security-control: suite 0, authenticated, encrypted, unicast key');
    expect(r.stdout).toContain(`system-title: ${ST}`);
    expect(r.stdout).toContain('invocation-counter: 19088743 (0x01234567)');
    expect(r.stdout).toContain('verified: yes');
    expect(r.stdout).toContain('get-request-normal');
    for (const secret of [EK, AK]) {
      expect(r.stdout.toUpperCase()).not.toContain(secret);
      expect(r.stderr.toUpperCase()).not.toContain(secret);
    }
    const json = await run(['decode', '--json', ...keys, CIPHERED]);
    expect(json.stdout.toUpperCase()).not.toContain(EK);
    expect(json.stdout.toUpperCase()).not.toContain(AK);
    const out = JSON.parse(json.stdout) as {
      security: { verified: boolean; invocationCounter: number };
      apdu: { name: string };
    };
    expect(out.security.verified).toBe(true);
    expect(out.security.invocationCounter).toBe(0x01234567);
    expect(out.apdu.name).toBe('get-request-normal');
  });

  it('a tag mismatch is a clear error, exit 1', async () => {
    const tampered = CIPHERED.slice(0, -2) + (CIPHERED.endsWith('00') ? '01' : '00');
    const line = oneLineError(await run(['decode', ...keys, tampered]));
    expect(line).toMatch(/^dlms: cannot decipher: AUTHENTICATION_FAILED: /);
  });

  it('a tag without --auth-key says so; --no-verify deciphers without checking', async () => {
    const line = oneLineError(await run(['decode', '--key', EK, '--system-title', ST, CIPHERED]));
    expect(line).toMatch(/^dlms: cannot decipher: MISSING_KEY: .*--auth-key/);
    const r = await run(['decode', '--key', EK, '--system-title', ST, '--no-verify', CIPHERED]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('verified: NO');
    expect(r.stdout).toContain('get-request-normal');
  });

  it('a glo- form without --system-title says which option is missing', async () => {
    const line = oneLineError(await run(['decode', '--key', EK, '--auth-key', AK, CIPHERED]));
    expect(line).toMatch(/^dlms: cannot decipher: INVALID_SYSTEM_TITLE: .*--system-title/);
  });

  it('without keys, the envelope is printed with a hint', async () => {
    const r = await run(['decode', CIPHERED]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('glo-get-request');
    expect(r.stdout).toContain('# ciphered: pass --key');
  });
});

describe('dlms decode: errors and exit codes', () => {
  it('a truncated APDU: one line naming the problem and the offset, exit 1', async () => {
    const line = oneLineError(await run(['decode', GET_RESPONSE.slice(0, 24)]));
    expect(line).toMatch(/^dlms: cannot decode: TRUNCATED at offset \d+: /);
  });

  it('an unknown tag, trailing bytes, and offsets inside a wrapper frame are frame offsets', async () => {
    expect(oneLineError(await run(['decode', '7F00']))).toMatch(
      /^dlms: cannot decode: UNKNOWN_TAG at offset 0: /,
    );
    expect(oneLineError(await run(['decode', GET_CLOCK + '00']))).toMatch(
      /^dlms: cannot decode: TRAILING_BYTES at offset 13: /,
    );
    const frame = toHex(encodeWrapperFrame({ source: 16, destination: 1, apdu: fromHex('C0010000') }));
    expect(oneLineError(await run(['decode', frame]))).toMatch(
      /^dlms: cannot decode: TRUNCATED at offset 11: /,
    ); // APDU offset 3 + 8-byte header
  });

  it('a frame that starts like an HDLC frame but is not one gets a hint', async () => {
    expect(oneLineError(await run(['decode', '7EA0087E']))).toMatch(
      /^dlms: cannot decode: UNKNOWN_TAG at offset 0: .*try --format hdlc\)$/,
    );
  });

  it('names the frame when several are given', async () => {
    const line = oneLineError(await run(['decode', GET_CLOCK, 'C001']));
    expect(line).toMatch(/^dlms: cannot decode frame 2: TRUNCATED at offset 2: /);
  });

  it('an HDLC frame with a bad checksum', async () => {
    const frame = encodeHdlcFrame({
      destination: serverAddress(1, 17),
      source: clientAddress(16),
      control: { type: 'i', ns: 0, nr: 0, pf: true },
      segmented: false,
      information: Uint8Array.of(...LLC_COMMAND, ...fromHex(GET_CLOCK)),
    });
    frame[frame.length - 2] ^= 0xff;
    expect(oneLineError(await run(['decode', toHex(frame)]))).toMatch(
      /^dlms: cannot decode: BAD_CHECKSUM at offset \d+: /,
    );
  });

  it('hex that is not hex, or has an odd number of digits, exit 1', async () => {
    expect(oneLineError(await run(['decode', 'C0 01 XY']))).toMatch(/^dlms: bad input: .*not hex: 'X'/);
    expect(oneLineError(await run(['decode', 'C01']))).toMatch(
      /^dlms: bad input: .*odd number of hex digits/,
    );
  });

  it('usage errors exit 2 with one line', async () => {
    expect(oneLineError(await run(['decode', '--bogus', GET_CLOCK]), 2)).toMatch(
      /^dlms: unknown option '--bogus'/,
    );
    expect(oneLineError(await run(['decode']), 2)).toMatch(/^dlms: missing required argument 'hex'/);
    expect(oneLineError(await run(['decode', '--format', 'xml', GET_CLOCK]), 2)).toMatch(
      /^dlms: option .*--format.* argument 'xml' is invalid/,
    );
    expect(oneLineError(await run(['decode', '--key', '0011', CIPHERED]), 2)).toMatch(
      /^dlms: --key must be 16 or 32 bytes/,
    );
    expect(oneLineError(await run(['frobnicate']), 2)).toMatch(/^dlms: unknown command 'frobnicate'/);
    expect((await run([])).code).toBe(2);
  });

  it('--help explains the command with examples, exit 0', async () => {
    const r = await run(['decode', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: dlms decode [options] <hex...>');
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--no-verify');
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('decode');
  });
});
