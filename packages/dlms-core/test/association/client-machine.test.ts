/**
 * The sans-I/O client association driven with server APDUs built by hand from the dlms-core encoders:
 * association (accepted, rejected with the diagnostic by name, quirks), GET/SET/ACTION normal and
 * with-list, block transfer both ways, GBT, invoke-id matching, time-outs, exceptions, release.
 */
import { describe, expect, it } from 'vitest';
import {
  ClientAssociation,
  DataAccessResultCode,
  ProtocolError,
  Reader,
  conformanceFromNames,
  decodeApdu,
  decodeData,
  encodeApdu,
  encodeDataBytes,
  isDlmsError,
  parseRangeDescriptor,
  type Aare,
  type Apdu,
  type ClientStep,
  type ConformanceBit,
  type Data,
  type InvokeIdAndPriority,
} from '../../src/index.js';

const LN_REGISTER = Uint8Array.of(1, 0, 1, 8, 0, 255);
const LN_PROFILE = Uint8Array.of(1, 0, 99, 1, 0, 255);
const LN_CLOCK = Uint8Array.of(0, 0, 1, 0, 0, 255);

const BITS: ConformanceBit[] = [
  'general-block-transfer',
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'block-transfer-with-action',
  'multiple-references',
  'get',
  'set',
  'selective-access',
  'action',
];

function aare(over: Partial<Aare> = {}, serverMax = 1024): Uint8Array {
  return encodeApdu({
    type: 'aare',
    applicationContextName: 'logical-name-referencing-no-ciphering',
    result: 'accepted',
    resultSourceDiagnostic: { source: 'acse-service-user', value: 'null' },
    userInformation: {
      apdu: {
        type: 'initiate-response',
        negotiatedDlmsVersionNumber: 6,
        negotiatedConformance: conformanceFromNames(BITS),
        serverMaxReceivePduSize: serverMax,
        vaaName: 0x0007,
      },
    },
    ...over,
  });
}

function sent(step: ClientStep): Apdu {
  if (step.kind !== 'send') throw new Error(`expected a send step, got ${step.kind}`);
  return decodeApdu(step.apdu);
}

function iidOf(a: Apdu): InvokeIdAndPriority {
  if (!('invokeIdAndPriority' in a)) throw new Error(`${a.type} has no invoke-id`);
  return a.invokeIdAndPriority;
}

function associated(
  serverMax = 1024,
  options: ConstructorParameters<typeof ClientAssociation>[0] = {},
): ClientAssociation {
  const c = new ClientAssociation(options);
  c.associate(0);
  const s = c.receive(aare({}, serverMax), 1);
  expect(s.kind).toBe('associated');
  return c;
}

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const u32 = (value: number): Data => ({ type: 'double-long-unsigned', value });

describe('ClientAssociation: association establishment', () => {
  it('builds an LN AARQ without security: context, no mechanism, proposed conformance and PDU size', () => {
    const c = new ClientAssociation({ maxReceivePduSize: 512 });
    const a = sent(c.associate(0));
    expect(a.type).toBe('aarq');
    if (a.type !== 'aarq') return;
    expect(a.applicationContextName).toBe('logical-name-referencing-no-ciphering');
    expect(a.mechanismName).toBeUndefined();
    expect(a.callingApTitle).toBeUndefined();
    const ui = a.userInformation!.apdu;
    expect(ui.type).toBe('initiate-request');
    if (ui.type !== 'initiate-request') return;
    expect(ui.clientMaxReceivePduSize).toBe(512);
    expect(ui.proposedDlmsVersionNumber).toBe(6);
    expect(ui.proposedConformance & conformanceFromNames(['get', 'set', 'action'])).toBe(
      conformanceFromNames(['get', 'set', 'action']),
    );
    expect(c.state).toBe('awaiting-aare');
  });

  it('exposes the negotiated parameters of the AARE', () => {
    const c = associated(300);
    const n = c.negotiated!;
    expect(n.serverMaxReceivePduSize).toBe(300);
    expect(n.dlmsVersion).toBe(6);
    expect(n.vaaName).toBe(0x0007);
    expect(n.conformanceNames).toContain('block-transfer-with-get-or-read');
    expect(n.mechanism).toBe('none');
    expect(c.state).toBe('associated');
  });

  it('puts the LLS password and the mechanism name in the AARQ', () => {
    const password = new TextEncoder().encode('12345678');
    const c = new ClientAssociation({ authentication: { mechanism: 1, password } });
    const a = sent(c.associate(0));
    if (a.type !== 'aarq') throw new Error('not an AARQ');
    expect(a.mechanismName).toBe('lls');
    expect(a.senderAcseRequirements).toEqual({ authentication: true });
    expect(a.callingAuthenticationValue).toEqual({ type: 'charstring', value: password });
  });

  it('builds an SN AARQ', () => {
    const c = new ClientAssociation({ referencing: 'sn' });
    const a = sent(c.associate(0));
    if (a.type !== 'aarq') throw new Error('not an AARQ');
    expect(a.applicationContextName).toBe('short-name-referencing-no-ciphering');
  });

  it('surfaces a rejection as ASSOCIATION_REJECTED with the diagnostic by name and the AARE as cause', () => {
    const c = new ClientAssociation();
    c.associate(0);
    const e = caught(() =>
      c.receive(
        aare({
          result: 'rejected-permanent',
          resultSourceDiagnostic: { source: 'acse-service-user', value: 'authentication-failure' },
        }),
        1,
      ),
    );
    expect(isDlmsError(e, 'ASSOCIATION_REJECTED')).toBe(true);
    expect((e as Error).message).toContain('authentication-failure');
    expect(((e as ProtocolError).cause as Aare).resultSourceDiagnostic.value).toBe('authentication-failure');
    expect(c.state).toBe('idle');
  });

  it('names the initiate error carried by a rejecting AARE', () => {
    const c = new ClientAssociation();
    c.associate(0);
    const bytes = encodeApdu({
      type: 'aare',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      result: 'rejected-permanent',
      resultSourceDiagnostic: { source: 'acse-service-user', value: 'no-reason-given' },
      userInformation: {
        apdu: {
          type: 'confirmed-service-error',
          service: 'initiate-error',
          error: { kind: 'initiate', value: 'pdu-size-too-short' },
        },
      },
    });
    const e = caught(() => c.receive(bytes, 1));
    expect(isDlmsError(e, 'ASSOCIATION_REJECTED')).toBe(true);
    expect((e as Error).message).toContain('pdu-size-too-short');
  });

  it('refuses an AARE without user-information unless the profile tolerates it', () => {
    const strict = new ClientAssociation();
    strict.associate(0);
    const bare = aare({ userInformation: undefined });
    expect(
      isDlmsError(
        caught(() => strict.receive(bare, 1)),
        'UNEXPECTED_APDU',
      ),
    ).toBe(true);
    expect(strict.state).toBe('idle');

    const lenient = new ClientAssociation({
      profile: { name: 'no-ui', aareWithoutUserInformation: true, assumedServerMaxPdu: 256 },
    });
    lenient.associate(0);
    const s = lenient.receive(bare, 1);
    expect(s.kind).toBe('associated');
    expect(lenient.negotiated?.assumed).toBe(true);
    expect(lenient.negotiated?.serverMaxReceivePduSize).toBe(256);
  });

  it('refuses services before association (INVALID_STATE), and an APDU nobody waits for', () => {
    const c = new ClientAssociation();
    const e = caught(() =>
      c.get([{ attribute: { classId: 3, instanceId: LN_REGISTER, attributeId: 2 } }], 0),
    );
    expect(isDlmsError(e, 'INVALID_STATE')).toBe(true);
    expect(
      isDlmsError(
        caught(() => c.receive(aare(), 0)),
        'UNEXPECTED_APDU',
      ),
    ).toBe(true);
  });

  it('times out waiting for the AARE', () => {
    const c = new ClientAssociation({ responseTimeoutMs: 100 });
    c.associate(1000);
    c.tick(1099);
    expect(
      isDlmsError(
        caught(() => c.tick(1100)),
        'TIMEOUT',
      ),
    ).toBe(true);
    expect(c.state).toBe('idle');
  });
});

describe('ClientAssociation: GET', () => {
  const reg = { classId: 3, instanceId: LN_REGISTER, attributeId: 2 };

  it('sends GET-Request-Normal and completes with the value', () => {
    const c = associated();
    const req = sent(c.get([{ attribute: reg }], 10));
    expect(req.type).toBe('get-request-normal');
    const iid = iidOf(req);
    expect(iid.confirmed).toBe(true);
    const s = c.receive(
      encodeApdu({
        type: 'get-response-normal',
        invokeIdAndPriority: iid,
        result: { type: 'data', data: u32(1234) },
      }),
      11,
    );
    expect(s).toEqual({
      kind: 'completed',
      outcome: { service: 'get', results: [{ type: 'data', data: u32(1234) }] },
    });
    expect(c.state).toBe('associated');
  });

  it('a wrong invoke-id fails the request with INVOKE_ID_MISMATCH; the association stays usable', () => {
    const c = associated();
    const iid = iidOf(sent(c.get([{ attribute: reg }], 0)));
    const wrong = { ...iid, invokeId: (iid.invokeId + 1) & 15 };
    const e = caught(() =>
      c.receive(
        encodeApdu({
          type: 'get-response-normal',
          invokeIdAndPriority: wrong,
          result: { type: 'data', data: u32(1) },
        }),
        1,
      ),
    );
    expect(isDlmsError(e, 'INVOKE_ID_MISMATCH')).toBe(true);
    expect(c.state).toBe('associated');
    const iid2 = iidOf(sent(c.get([{ attribute: reg }], 2)));
    expect(iid2.invokeId).not.toBe(iid.invokeId);
    const s = c.receive(
      encodeApdu({
        type: 'get-response-normal',
        invokeIdAndPriority: iid2,
        result: { type: 'data', data: u32(2) },
      }),
      3,
    );
    expect(s.kind).toBe('completed');
  });

  it('invoke-ids cycle through 0..15 and carry the priority asked for', () => {
    const c = associated(1024, { highPriority: true });
    const seen: number[] = [];
    for (let i = 0; i < 17; i++) {
      const iid = iidOf(sent(c.get([{ attribute: reg }], i)));
      expect(iid.highPriority).toBe(true);
      seen.push(iid.invokeId);
      c.receive(
        encodeApdu({
          type: 'get-response-normal',
          invokeIdAndPriority: iid,
          result: { type: 'data', data: u32(i) },
        }),
        i,
      );
    }
    expect(new Set(seen).size).toBe(16);
  });

  it('GET-with-list: a data-access error for one item comes back as a value', () => {
    const c = associated();
    const req = sent(
      c.get(
        [
          { attribute: reg },
          { attribute: { classId: 3, instanceId: Uint8Array.of(1, 0, 2, 8, 0, 255), attributeId: 2 } },
        ],
        0,
      ),
    );
    expect(req.type).toBe('get-request-with-list');
    const s = c.receive(
      encodeApdu({
        type: 'get-response-with-list',
        invokeIdAndPriority: iidOf(req),
        results: [
          { type: 'data', data: u32(5) },
          { type: 'data-access-result', result: 'object-undefined' },
        ],
      }),
      1,
    );
    expect(s.kind === 'completed' && s.outcome).toEqual({
      service: 'get',
      results: [
        { type: 'data', data: u32(5) },
        { type: 'data-access-result', result: 'object-undefined' },
      ],
    });
  });

  it('sends selective access (range by capture time) in the request', async () => {
    const { captureTimeRange } = await import('../../src/index.js');
    const c = associated();
    const access = captureTimeRange(new Date(Date.UTC(2024, 0, 1)), new Date(Date.UTC(2024, 0, 2)));
    const req = sent(
      c.get([{ attribute: { classId: 7, instanceId: LN_PROFILE, attributeId: 2 }, access }], 0),
    );
    if (req.type !== 'get-request-normal') throw new Error('not normal');
    const range = parseRangeDescriptor(req.accessSelection!);
    expect(range?.restrictingObject).toEqual({
      classId: 8,
      logicalName: LN_CLOCK,
      attributeIndex: 2,
      dataIndex: 0,
    });
    expect(range?.fromValue.type).toBe('octet-string');
  });

  it('joins GET data blocks, asking for each next block, and reports progress', () => {
    const c = associated();
    const value: Data = { type: 'octet-string', value: new Uint8Array(700).map((_, i) => i & 0xff) };
    const raw = encodeDataBytes(value);
    const parts = [raw.subarray(0, 300), raw.subarray(300, 600), raw.subarray(600)];
    const iid = iidOf(sent(c.get([{ attribute: reg }], 0)));
    let step: ClientStep = { kind: 'waiting' };
    for (let i = 0; i < parts.length; i++) {
      step = c.receive(
        encodeApdu({
          type: 'get-response-with-datablock',
          invokeIdAndPriority: iid,
          block: {
            lastBlock: i === parts.length - 1,
            blockNumber: i + 1,
            result: { type: 'raw-data', rawData: parts[i]! },
          },
        }),
        i + 1,
      );
      if (i < parts.length - 1) {
        const next = sent(step);
        expect(next).toEqual({ type: 'get-request-next', invokeIdAndPriority: iid, blockNumber: i + 1 });
        expect(step.kind === 'send' && step.progress).toEqual({
          direction: 'receiving',
          blockNumber: i + 1,
          bytes: 300 * (i + 1),
        });
      }
    }
    expect(step.kind === 'completed' && step.outcome).toEqual({
      service: 'get',
      results: [{ type: 'data', data: value }],
    });
  });

  it('joins a long with-list response (SEQUENCE OF Get-Data-Result in the blocks)', () => {
    const c = associated();
    const iid = iidOf(sent(c.get([{ attribute: reg }, { attribute: reg }], 0)));
    const raw = Uint8Array.of(2, 0, ...encodeDataBytes(u32(7)), 1, DataAccessResultCode['read-write-denied']);
    c.receive(
      encodeApdu({
        type: 'get-response-with-datablock',
        invokeIdAndPriority: iid,
        block: {
          lastBlock: false,
          blockNumber: 1,
          result: { type: 'raw-data', rawData: raw.subarray(0, 4) },
        },
      }),
      1,
    );
    const s = c.receive(
      encodeApdu({
        type: 'get-response-with-datablock',
        invokeIdAndPriority: iid,
        block: { lastBlock: true, blockNumber: 2, result: { type: 'raw-data', rawData: raw.subarray(4) } },
      }),
      2,
    );
    expect(s.kind === 'completed' && s.outcome).toEqual({
      service: 'get',
      results: [
        { type: 'data', data: u32(7) },
        { type: 'data-access-result', result: 'read-write-denied' },
      ],
    });
  });

  it('a data-access-result inside a data block ends the GET with that result as a value', () => {
    const c = associated();
    const iid = iidOf(sent(c.get([{ attribute: reg }], 0)));
    const s = c.receive(
      encodeApdu({
        type: 'get-response-with-datablock',
        invokeIdAndPriority: iid,
        block: {
          lastBlock: true,
          blockNumber: 1,
          result: { type: 'data-access-result', result: 'long-get-aborted' },
        },
      }),
      1,
    );
    expect(s.kind === 'completed' && s.outcome).toEqual({
      service: 'get',
      results: [{ type: 'data-access-result', result: 'long-get-aborted' }],
    });
  });

  it('a block out of sequence fails the request with BLOCK_SEQUENCE', () => {
    const c = associated();
    const iid = iidOf(sent(c.get([{ attribute: reg }], 0)));
    const e = caught(() =>
      c.receive(
        encodeApdu({
          type: 'get-response-with-datablock',
          invokeIdAndPriority: iid,
          block: {
            lastBlock: false,
            blockNumber: 2,
            result: { type: 'raw-data', rawData: Uint8Array.of(1) },
          },
        }),
        1,
      ),
    );
    expect(isDlmsError(e, 'BLOCK_SEQUENCE')).toBe(true);
    expect(c.state).toBe('associated');
  });

  it('caps the reassembled size (LIMIT_EXCEEDED)', () => {
    const c = associated(1024, { maxReassemblyBytes: 100 });
    const iid = iidOf(sent(c.get([{ attribute: reg }], 0)));
    const block = (n: number) =>
      encodeApdu({
        type: 'get-response-with-datablock',
        invokeIdAndPriority: iid,
        block: {
          lastBlock: false,
          blockNumber: n,
          result: { type: 'raw-data', rawData: new Uint8Array(60) },
        },
      });
    c.receive(block(1), 1);
    expect(
      isDlmsError(
        caught(() => c.receive(block(2), 2)),
        'LIMIT_EXCEEDED',
      ),
    ).toBe(true);
  });

  it('the server stops answering mid-block: TIMEOUT, and the association stays usable', () => {
    const c = associated(1024, { responseTimeoutMs: 5000 });
    const iid = iidOf(sent(c.get([{ attribute: reg }], 0)));
    c.receive(
      encodeApdu({
        type: 'get-response-with-datablock',
        invokeIdAndPriority: iid,
        block: {
          lastBlock: false,
          blockNumber: 1,
          result: { type: 'raw-data', rawData: Uint8Array.of(9, 3) },
        },
      }),
      4000,
    );
    // The deadline moved with the block: 4000 + 5000.
    expect(c.deadlineMs).toBe(9000);
    c.tick(8999);
    expect(
      isDlmsError(
        caught(() => c.tick(9000)),
        'TIMEOUT',
      ),
    ).toBe(true);
    expect(c.state).toBe('associated');
    expect(sent(c.get([{ attribute: reg }], 9001)).type).toBe('get-request-normal');
  });

  it('a late answer to a request abandoned on a time-out is dropped, not an error', () => {
    const c = associated(1024, { responseTimeoutMs: 100 });
    const late = iidOf(sent(c.get([{ attribute: reg }], 0)));
    expect(
      isDlmsError(
        caught(() => c.tick(100)),
        'TIMEOUT',
      ),
    ).toBe(true);
    const iid = iidOf(sent(c.get([{ attribute: reg }], 200)));
    expect(
      c.receive(
        encodeApdu({
          type: 'get-response-normal',
          invokeIdAndPriority: late,
          result: { type: 'data', data: u32(1) },
        }),
        201,
      ),
    ).toEqual({ kind: 'waiting' });
    const s = c.receive(
      encodeApdu({
        type: 'get-response-normal',
        invokeIdAndPriority: iid,
        result: { type: 'data', data: u32(2) },
      }),
      202,
    );
    expect(s.kind === 'completed' && s.outcome).toEqual({
      service: 'get',
      results: [{ type: 'data', data: u32(2) }],
    });
  });

  it('exception responses and confirmed-service-errors complete the request as values', () => {
    const c = associated();
    sent(c.get([{ attribute: reg }], 0));
    const s = c.receive(
      encodeApdu({
        type: 'exception-response',
        stateError: 'service-not-allowed',
        serviceError: 'operation-not-possible',
      }),
      1,
    );
    expect(s.kind === 'completed' && s.outcome.service).toBe('exception-response');
    sent(c.get([{ attribute: reg }], 2));
    const s2 = c.receive(
      encodeApdu({
        type: 'confirmed-service-error',
        service: 'read',
        error: { kind: 'access', value: 'object-unavailable' },
      } as Apdu),
      3,
    );
    expect(s2.kind === 'completed' && s2.outcome.service).toBe('confirmed-service-error');
  });

  it('an unsolicited DataNotification does not end the request', () => {
    const c = associated();
    const iid = iidOf(sent(c.get([{ attribute: reg }], 0)));
    const n = c.receive(
      encodeApdu({
        type: 'data-notification',
        longInvokeIdAndPriority: {
          invokeId: 1,
          selfDescriptive: false,
          breakOnError: false,
          confirmed: false,
          highPriority: false,
        },
        body: u32(1),
      }),
      1,
    );
    expect(n.kind).toBe('unsolicited');
    expect(
      c.receive(
        encodeApdu({
          type: 'get-response-normal',
          invokeIdAndPriority: iid,
          result: { type: 'data', data: u32(1) },
        }),
        2,
      ).kind,
    ).toBe('completed');
  });

  it('bytes that do not decode fail the request with a DecodeError, never anything else', () => {
    const c = associated();
    sent(c.get([{ attribute: reg }], 0));
    const e = caught(() => c.receive(Uint8Array.of(0xc4, 0x01), 1));
    expect(isDlmsError(e, 'TRUNCATED')).toBe(true);
    expect(c.state).toBe('associated');
  });

  it('joins a General-Block-Transfer response and acknowledges each block', () => {
    const c = associated();
    const iid = iidOf(sent(c.get([{ attribute: reg }], 0)));
    const whole = encodeApdu({
      type: 'get-response-normal',
      invokeIdAndPriority: iid,
      result: { type: 'data', data: { type: 'octet-string', value: new Uint8Array(50) } },
    });
    const gbt = (n: number, last: boolean, data: Uint8Array) =>
      encodeApdu({
        type: 'general-block-transfer',
        lastBlock: last,
        streaming: false,
        window: 1,
        blockNumber: n,
        blockNumberAck: 0,
        blockData: data,
      });
    const ack = sent(c.receive(gbt(1, false, whole.subarray(0, 30)), 1));
    expect(ack).toMatchObject({ type: 'general-block-transfer', blockNumberAck: 1, lastBlock: false });
    const s = c.receive(gbt(2, true, whole.subarray(30)), 2);
    expect(s.kind === 'completed' && s.outcome.service).toBe('get');
  });
});

describe('ClientAssociation: SET and ACTION', () => {
  const reg = { classId: 3, instanceId: LN_REGISTER, attributeId: 2 };
  const script = { classId: 9, instanceId: Uint8Array.of(0, 0, 10, 0, 0, 255), methodId: 1 };

  it('SET normal and with-list complete with the Data-Access-Results', () => {
    const c = associated();
    const req = sent(c.set([{ attribute: reg, value: u32(1) }], 0));
    expect(req.type).toBe('set-request-normal');
    const s = c.receive(
      encodeApdu({ type: 'set-response-normal', invokeIdAndPriority: iidOf(req), result: 'success' }),
      1,
    );
    expect(s.kind === 'completed' && s.outcome).toEqual({ service: 'set', results: ['success'] });
    const req2 = sent(
      c.set(
        [
          { attribute: reg, value: u32(1) },
          { attribute: reg, value: u32(2) },
        ],
        2,
      ),
    );
    expect(req2.type).toBe('set-request-with-list');
    const s2 = c.receive(
      encodeApdu({
        type: 'set-response-with-list',
        invokeIdAndPriority: iidOf(req2),
        results: ['success', 'read-write-denied'],
      }),
      3,
    );
    expect(s2.kind === 'completed' && s2.outcome).toEqual({
      service: 'set',
      results: ['success', 'read-write-denied'],
    });
  });

  it('sends a SET in data blocks when it exceeds the server max PDU', () => {
    const c = associated(64);
    const value: Data = { type: 'octet-string', value: new Uint8Array(150).fill(7) };
    const first = sent(c.set([{ attribute: reg, value }], 0));
    expect(first.type).toBe('set-request-with-first-datablock');
    if (first.type !== 'set-request-with-first-datablock') return;
    const chunks = [first.block.rawData.slice()];
    let block = first.block;
    while (!block.lastBlock) {
      expect(encodeApdu(first).length).toBeLessThanOrEqual(64);
      const next = sent(
        c.receive(
          encodeApdu({
            type: 'set-response-datablock',
            invokeIdAndPriority: first.invokeIdAndPriority,
            blockNumber: block.blockNumber,
          }),
          1,
        ),
      );
      if (next.type !== 'set-request-with-datablock') throw new Error(next.type);
      expect(next.block.blockNumber).toBe(block.blockNumber + 1);
      expect(encodeApdu(next).length).toBeLessThanOrEqual(64);
      chunks.push(next.block.rawData.slice());
      block = next.block;
    }
    const joined = new Uint8Array(chunks.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of chunks) joined.set(x, (at += x.length) - x.length);
    expect(decodeData(new Reader(joined))).toEqual(value);
    const s = c.receive(
      encodeApdu({
        type: 'set-response-last-datablock',
        invokeIdAndPriority: first.invokeIdAndPriority,
        result: 'success',
        blockNumber: block.blockNumber,
      }),
      2,
    );
    expect(s.kind === 'completed' && s.outcome).toEqual({ service: 'set', results: ['success'] });
  });

  it('ACTION normal with return parameters; ACTION with-list', () => {
    const c = associated();
    const req = sent(c.action([{ method: script, parameters: { type: 'unsigned', value: 1 } }], 0));
    expect(req.type).toBe('action-request-normal');
    const s = c.receive(
      encodeApdu({
        type: 'action-response-normal',
        invokeIdAndPriority: iidOf(req),
        response: { result: 'success', returnParameters: { type: 'data', data: u32(3) } },
      }),
      1,
    );
    expect(s.kind === 'completed' && s.outcome).toEqual({
      service: 'action',
      results: [{ result: 'success', returnParameters: { type: 'data', data: u32(3) } }],
    });
    const req2 = sent(c.action([{ method: script }, { method: script }], 2));
    expect(req2.type).toBe('action-request-with-list');
    const s2 = c.receive(
      encodeApdu({
        type: 'action-response-with-list',
        invokeIdAndPriority: iidOf(req2),
        responses: [{ result: 'success' }, { result: 'object-undefined' }],
      }),
      3,
    );
    expect(s2.kind === 'completed' && s2.outcome).toEqual({
      service: 'action',
      results: [{ result: 'success' }, { result: 'object-undefined' }],
    });
  });

  it('sends a long ACTION in pblocks and joins a long ACTION response', () => {
    const c = associated(64);
    const params: Data = { type: 'octet-string', value: new Uint8Array(100).fill(1) };
    const first = sent(c.action([{ method: script, parameters: params }], 0));
    if (first.type !== 'action-request-with-first-pblock') throw new Error(first.type);
    let block = first.block;
    while (!block.lastBlock) {
      const next = sent(
        c.receive(
          encodeApdu({
            type: 'action-response-next-pblock',
            invokeIdAndPriority: first.invokeIdAndPriority,
            blockNumber: block.blockNumber,
          }),
          1,
        ),
      );
      if (next.type !== 'action-request-with-pblock') throw new Error(next.type);
      block = next.block;
    }
    const ret = encodeDataBytes(u32(99));
    const next = sent(
      c.receive(
        encodeApdu({
          type: 'action-response-with-pblock',
          invokeIdAndPriority: first.invokeIdAndPriority,
          block: { lastBlock: false, blockNumber: 1, rawData: ret.subarray(0, 2) },
        }),
        2,
      ),
    );
    expect(next).toEqual({
      type: 'action-request-next-pblock',
      invokeIdAndPriority: first.invokeIdAndPriority,
      blockNumber: 1,
    });
    const s = c.receive(
      encodeApdu({
        type: 'action-response-with-pblock',
        invokeIdAndPriority: first.invokeIdAndPriority,
        block: { lastBlock: true, blockNumber: 2, rawData: ret.subarray(2) },
      }),
      3,
    );
    expect(s.kind === 'completed' && s.outcome).toEqual({
      service: 'action',
      results: [{ result: 'success', returnParameters: { type: 'data', data: u32(99) } }],
    });
  });

  it('a response of the wrong service is UNEXPECTED_APDU', () => {
    const c = associated();
    const iid = iidOf(sent(c.set([{ attribute: reg, value: u32(1) }], 0)));
    const e = caught(() =>
      c.receive(
        encodeApdu({
          type: 'get-response-normal',
          invokeIdAndPriority: iid,
          result: { type: 'data', data: u32(1) },
        }),
        1,
      ),
    );
    expect(isDlmsError(e, 'UNEXPECTED_APDU')).toBe(true);
  });
});

describe('ClientAssociation: SN and release', () => {
  it('SN Read and Write', () => {
    const c = new ClientAssociation({ referencing: 'sn' });
    c.associate(0);
    c.receive(aare({ applicationContextName: 'short-name-referencing-no-ciphering' }), 0);
    const r = sent(c.read([{ type: 'variable-name', variableName: 0x2008 }], 1));
    expect(r.type).toBe('read-request');
    const s = c.receive(encodeApdu({ type: 'read-response', results: [{ type: 'data', data: u32(4) }] }), 2);
    expect(s.kind === 'completed' && s.outcome).toEqual({
      service: 'read',
      results: [{ type: 'data', data: u32(4) }],
    });
    sent(c.write([{ type: 'variable-name', variableName: 0x2008 }], [u32(5)], 3));
    const w = c.receive(encodeApdu({ type: 'write-response', results: [{ type: 'success' }] }), 4);
    expect(w.kind === 'completed' && w.outcome).toEqual({ service: 'write', results: [{ type: 'success' }] });
    expect(
      isDlmsError(
        caught(() => c.get([{ attribute: { classId: 3, instanceId: LN_REGISTER, attributeId: 2 } }], 5)),
        'INVALID_STATE',
      ),
    ).toBe(true);
  });

  it('SN Read in blocks: block-number-access asks for each next block', () => {
    const c = new ClientAssociation({ referencing: 'sn' });
    c.associate(0);
    c.receive(aare({ applicationContextName: 'short-name-referencing-no-ciphering' }), 0);
    sent(c.read([{ type: 'variable-name', variableName: 0xfa08 }], 1));
    const value: Data = { type: 'octet-string', value: new Uint8Array(40).fill(5) };
    const raw = encodeDataBytes(value);
    const next = sent(
      c.receive(
        encodeApdu({
          type: 'read-response',
          results: [
            { type: 'data-block-result', lastBlock: false, blockNumber: 1, rawData: raw.subarray(0, 20) },
          ],
        }),
        2,
      ),
    );
    expect(next).toEqual({
      type: 'read-request',
      variables: [{ type: 'block-number-access', blockNumber: 1 }],
    });
    const s = c.receive(
      encodeApdu({
        type: 'read-response',
        results: [{ type: 'data-block-result', lastBlock: true, blockNumber: 2, rawData: raw.subarray(20) }],
      }),
      3,
    );
    expect(s.kind === 'completed' && s.outcome).toEqual({
      service: 'read',
      results: [{ type: 'data', data: value }],
    });
  });

  it('RLRQ then RLRE: released', () => {
    const c = associated();
    const rq = sent(c.release(0));
    expect(rq).toEqual({ type: 'rlrq', reason: 'normal' });
    const s = c.receive(encodeApdu({ type: 'rlre', reason: 'normal' }), 1);
    expect(s.kind).toBe('released');
    expect(c.state).toBe('released');
  });

  it('an RLRE with a wrong length byte: an error when strict, released with the profile quirk', () => {
    const bad = encodeApdu({ type: 'rlre', reason: 'normal' });
    bad[1] = bad[1]! + 2;
    const strict = associated();
    strict.release(0);
    expect(isDlmsError(caught(() => strict.receive(bad, 1)))).toBe(true);
    const lenient = associated(1024, { profile: { name: 'bad-rlre', lenientRlre: true } });
    lenient.release(0);
    expect(lenient.receive(bad, 1).kind).toBe('released');
  });
});
