/**
 * Server association: AARQ → AARE (accepted and every rejection), RLRQ → RLRE, the state table, and
 * answers to requests outside an association. AARQs are built with the dlms-core encoders; the AARE
 * expectations follow the Green Book examples (public vectors gb-aare-rejected-app-context,
 * gb-aare-rejected-dlms-version, gb-aare-hls-gmac-accepted).
 */
import { describe, expect, it } from 'vitest';
import {
  SERVER_STATE_TABLE,
  ServerAssociation,
  encodeApdu,
  fromHex,
  isDlmsError,
  toHex,
  type Aare,
  type Apdu,
} from '../../src/index.js';
import {
  IID,
  LN_REGISTER,
  OFFERED,
  PROPOSED,
  aarq,
  associated,
  config,
  exchange,
  one,
} from './server-helpers.js';

function aare(apdu: Apdu): Aare {
  if (apdu.type !== 'aare') throw new Error(`expected an AARE, got ${apdu.type}`);
  return apdu;
}

const GET_REGISTER = encodeApdu({
  type: 'get-request-normal',
  invokeIdAndPriority: IID,
  attribute: { classId: 3, instanceId: LN_REGISTER, attributeId: 2 },
});

describe('ServerAssociation: AARQ accepted', () => {
  it('accepts a lowest-level association and negotiates conformance, PDU size, version and vaa-name', async () => {
    const a = new ServerAssociation(config({ maxReceivePduSize: 500 }));
    expect(a.state).toBe('idle');
    const r = aare(await one(a, aarq()));
    expect(r.result).toBe('accepted');
    expect(r.resultSourceDiagnostic).toEqual({ source: 'acse-service-user', value: 'null' });
    expect(r.applicationContextName).toBe('logical-name-referencing-no-ciphering');
    expect(r.userInformation?.apdu).toEqual({
      type: 'initiate-response',
      negotiatedDlmsVersionNumber: 6,
      negotiatedConformance: PROPOSED & OFFERED,
      serverMaxReceivePduSize: 500,
      vaaName: 0x0007,
    });
    expect(a.state).toBe('associated');
    expect(a.info.conformance).toBe(PROPOSED & OFFERED);
    expect(a.info.clientMaxReceivePduSize).toBe(1024);
  });

  it('negotiates proposed ∩ offered, not the offer', async () => {
    const a = new ServerAssociation(config({ conformance: 0x00001f }));
    const r = aare(await one(a, aarq({}, { proposedConformance: 0x00ff10 })));
    expect(r.userInformation?.apdu).toMatchObject({ negotiatedConformance: 0x000010 });
  });

  it('accepts LLS with the right password, naming the mechanism', async () => {
    const a = new ServerAssociation(
      config({ authentication: { mechanism: 1, password: new TextEncoder().encode('12345678') } }),
    );
    const r = aare(
      await one(
        a,
        aarq({
          senderAcseRequirements: { authentication: true },
          mechanismName: 'lls',
          callingAuthenticationValue: { type: 'charstring', value: new TextEncoder().encode('12345678') },
        }),
      ),
    );
    expect(r.result).toBe('accepted');
    expect(r.mechanismName).toBe('lls');
    expect(a.state).toBe('associated');
    expect(a.info.mechanism).toBe(1);
  });

  it('accepts a short-name association with vaa-name 0xFA00', async () => {
    const a = new ServerAssociation(config({ referencing: 'sn' }));
    const r = aare(await one(a, aarq({ applicationContextName: 'short-name-referencing-no-ciphering' })));
    expect(r.result).toBe('accepted');
    expect(r.userInformation?.apdu).toMatchObject({ vaaName: 0xfa00 });
  });
});

describe('ServerAssociation: AARQ rejected', () => {
  const lls = { authentication: { mechanism: 1 as const, password: new TextEncoder().encode('secret') } };
  const cases: readonly [string, Parameters<typeof config>[0], Parameters<typeof aarq>[0], string][] = [
    [
      'wrong application context',
      {},
      { applicationContextName: 'short-name-referencing-no-ciphering' },
      'application-context-name-not-supported',
    ],
    [
      'an OID that is no DLMS context',
      {},
      { applicationContextName: '1.2.3.4' as never },
      'application-context-name-not-supported',
    ],
    [
      'a mechanism the association does not use',
      {},
      { mechanismName: 'lls' },
      'authentication-mechanism-name-not-recognised',
    ],
    [
      'HLS offered to an LLS association',
      lls,
      {
        mechanismName: 'hls-md5',
        callingAuthenticationValue: { type: 'charstring', value: new Uint8Array(8) },
      },
      'authentication-mechanism-name-not-recognised',
    ],
    ['no mechanism on an LLS association', lls, {}, 'authentication-mechanism-name-required'],
    [
      'a wrong LLS password',
      lls,
      {
        mechanismName: 'lls',
        callingAuthenticationValue: { type: 'charstring', value: new TextEncoder().encode('secreT') },
      },
      'authentication-failure',
    ],
    ['no LLS password', lls, { mechanismName: 'lls' }, 'authentication-failure'],
    [
      'an HLS challenge shorter than 8 bytes',
      { authentication: { mechanism: 3, secret: new Uint8Array(16) } },
      {
        mechanismName: 'hls-md5',
        callingAuthenticationValue: { type: 'charstring', value: new Uint8Array(7) },
      },
      'authentication-failure',
    ],
    ['no user-information', {}, { userInformation: undefined as never }, 'no-reason-given'],
  ];
  for (const [what, cfg, req, diagnostic] of cases) {
    it(`answers ${what} with rejected-permanent / ${diagnostic}`, async () => {
      const a = new ServerAssociation(config(cfg));
      const bytes =
        req !== undefined && req.userInformation === undefined && 'userInformation' in req
          ? encodeApdu({ type: 'aarq', applicationContextName: 'logical-name-referencing-no-ciphering' })
          : aarq(req);
      const r = aare(await one(a, bytes));
      expect(r.result).toBe('rejected-permanent');
      expect(r.resultSourceDiagnostic).toEqual({ source: 'acse-service-user', value: diagnostic });
      expect(a.state).toBe('idle');
      // Still not associated: a GET gets an exception.
      expect(await one(a, GET_REGISTER)).toEqual({
        type: 'exception-response',
        stateError: 'service-not-allowed',
        serviceError: 'operation-not-possible',
      });
    });
  }

  it('answers DLMS version 5 exactly like the Green Book example (ConfirmedServiceError 0E 01 06 01)', async () => {
    const a = new ServerAssociation(config());
    const r = await exchange(a, aarq({}, { proposedDlmsVersionNumber: 5 }));
    // Green Book AARE example: A2 03 02 01 01 (rejected-permanent), A3 05 A1 03 02 01 01 (no-reason-given),
    // BE 06 04 04 0E 01 06 01 (initiate-error, initiate, dlms-version-too-low).
    expect(toHex(r.raw[0]!)).toBe('611FA109060760857405080101A203020101A305A103020101BE0604040E010601');
    expect(a.state).toBe('idle');
  });

  const initiateCases: readonly [string, Parameters<typeof aarq>[1], string][] = [
    ['conformance with nothing in common', { proposedConformance: 0x800000 }, 'incompatible-conformance'],
    ['a client max PDU size of 11', { clientMaxReceivePduSize: 11 }, 'pdu-size-too-short'],
    ['DLMS version 1', { proposedDlmsVersionNumber: 1 }, 'dlms-version-too-low'],
  ];
  for (const [what, init, value] of initiateCases) {
    it(`answers ${what} with initiate-error ${value} in the user-information`, async () => {
      const a = new ServerAssociation(config());
      const r = aare(await one(a, aarq({}, init)));
      expect(r.result).toBe('rejected-permanent');
      expect(r.resultSourceDiagnostic).toEqual({ source: 'acse-service-user', value: 'no-reason-given' });
      expect(r.userInformation?.apdu).toEqual({
        type: 'confirmed-service-error',
        service: 'initiate-error',
        error: { kind: 'initiate', value },
      });
    });
  }

  it('answers an AARQ without ACSE version1 with acse-service-provider no-common-acse-version', async () => {
    const a = new ServerAssociation(config());
    const r = aare(await one(a, aarq({ protocolVersion: { bytes: new Uint8Array([0x40]), unusedBits: 6 } })));
    expect(r.result).toBe('rejected-permanent');
    expect(r.resultSourceDiagnostic).toEqual({
      source: 'acse-service-provider',
      value: 'no-common-acse-version',
    });
    // An explicit version1 (80 02 07 80) is fine.
    const b = new ServerAssociation(config());
    expect(
      aare(await one(b, aarq({ protocolVersion: { bytes: new Uint8Array([0x80]), unusedBits: 7 } }))).result,
    ).toBe('accepted');
  });

  it('accepts client max PDU size 0 (no limit) and 12 (the minimum)', async () => {
    for (const size of [0, 12]) {
      const a = new ServerAssociation(config());
      expect(aare(await one(a, aarq({}, { clientMaxReceivePduSize: size }))).result).toBe('accepted');
    }
  });

  it('answers an AARQ that does not decode with a rejected AARE, not a dropped link', async () => {
    const a = new ServerAssociation(config());
    const bytes = aarq();
    const r = aare(await one(a, bytes.subarray(0, bytes.length - 3)));
    expect(r.result).toBe('rejected-permanent');
    expect(r.resultSourceDiagnostic.value).toBe('no-reason-given');
  });

  it('answers a second AARQ on a live association with rejected-transient and keeps the association', async () => {
    const a = await associated();
    const r = aare(await one(a, aarq()));
    expect(r.result).toBe('rejected-transient');
    expect(a.state).toBe('associated');
  });
});

describe('ServerAssociation: release and the state table', () => {
  it('answers RLRQ with RLRE normal, asks the driver to release, and goes to released', async () => {
    const a = await associated();
    const r = await exchange(a, encodeApdu({ type: 'rlrq', reason: 'normal' }));
    expect(r.apdus).toEqual([{ type: 'rlre', reason: 'normal' }]);
    expect(r.release).toBe(true);
    expect(a.state).toBe('released');
    expect(await one(a, GET_REGISTER)).toMatchObject({
      type: 'exception-response',
      stateError: 'service-not-allowed',
    });
    // A new AARQ starts over.
    expect(aare(await one(a, aarq())).result).toBe('accepted');
    expect(a.state).toBe('associated');
  });

  it('answers an RLRQ carrying an InitiateRequest with an RLRE carrying the InitiateResponse', async () => {
    const a = await associated();
    const r = await one(
      a,
      encodeApdu({
        type: 'rlrq',
        reason: 'normal',
        userInformation: {
          apdu: {
            type: 'initiate-request',
            responseAllowed: true,
            proposedDlmsVersionNumber: 6,
            proposedConformance: PROPOSED,
            clientMaxReceivePduSize: 1024,
          },
        },
      }),
    );
    expect(r).toMatchObject({
      type: 'rlre',
      reason: 'normal',
      userInformation: { apdu: { type: 'initiate-response', vaaName: 7 } },
    });
  });

  it('answers RLRQ in idle too (nothing to release)', async () => {
    const a = new ServerAssociation(config());
    expect(await one(a, fromHex('6200'))).toEqual({ type: 'rlre', reason: 'normal' });
  });

  it('is a literal table with one transition for every state and event', () => {
    for (const state of ['idle', 'awaiting-hls-pass3', 'associated', 'released'] as const) {
      expect(Object.keys(SERVER_STATE_TABLE[state]).sort()).toEqual(['aarq', 'gbt', 'request', 'rlrq']);
    }
    expect(SERVER_STATE_TABLE.idle.request).toBe('not-associated');
    expect(SERVER_STATE_TABLE['awaiting-hls-pass3'].request).toBe('hls-pass3');
  });

  it('answers requests before association with exception service-not-allowed', async () => {
    const a = new ServerAssociation(config());
    expect(await one(a, GET_REGISTER)).toEqual({
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'operation-not-possible',
    });
    expect(await one(a, fromHex('E0800001000000'))).toMatchObject({
      type: 'exception-response',
      stateError: 'service-not-allowed',
    });
  });

  it('refuses handle() while a model step is open (one request at a time)', async () => {
    const a = await associated();
    const step = await a.handle(GET_REGISTER);
    expect(step.kind).toBe('model');
    await expect(a.handle(GET_REGISTER)).rejects.toSatisfy((e: unknown) => isDlmsError(e, 'INVALID_STATE'));
    await expect(new ServerAssociation(config()).complete([])).rejects.toSatisfy((e: unknown) =>
      isDlmsError(e, 'INVALID_STATE'),
    );
  });

  it('rejects configurations it cannot honour', () => {
    expect(() => new ServerAssociation(config({ ciphered: true }))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => new ServerAssociation(config({ maxReceivePduSize: 11 }))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(
      () =>
        new ServerAssociation(
          config({
            authentication: {
              mechanism: 5,
              encryptionKey: new Uint8Array(16),
              authenticationKey: new Uint8Array(16),
            },
          }),
        ),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
