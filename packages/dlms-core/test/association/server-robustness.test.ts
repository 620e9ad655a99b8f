/**
 * Server association robustness: whatever a peer sends (random bytes, any well-formed APDU of the
 * fixtures' arbitraries, AARQs of every shape), the engine answers with a step and never throws; every
 * APDU it sends decodes; it never sends more than the client's max PDU. Plus SN HLS pass 3 and a
 * ciphered release.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MemoryCounterStore,
  ServerAssociation,
  computeHlsResponse,
  decodeApdu,
  encodeApdu,
  fromHex,
  protectApdu,
  unprotectApdu,
  type HlsMechanism,
  type ModelResult,
  type ServerStep,
} from '../../src/index.js';
import { arbApdu } from '../../../../fixtures/src/arbitraries/apdu.js';
import { arbAarq } from '../../../../fixtures/src/arbitraries/acse.js';
import { aarq, associated, config, initiateRequest, one } from './server-helpers.js';

async function settle(
  a: ServerAssociation,
  step: ServerStep,
  answer: (i: number) => ModelResult,
): Promise<ServerStep> {
  while (step.kind === 'model') step = await a.complete(step.requests.map((_, i) => answer(i)));
  return step;
}

function checkSent(step: ServerStep, maxPdu: number): void {
  if (step.kind !== 'send') return;
  for (const b of step.apdus) {
    expect(b.length).toBeLessThanOrEqual(maxPdu);
    decodeApdu(b);
  }
}

describe('robustness', () => {
  it('answers random bytes in every state without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (bytes, live) => {
        const a = live
          ? await associated({}, { clientMaxReceivePduSize: 256 })
          : new ServerAssociation(config());
        const step = await settle(a, await a.handle(bytes), () => 'object-undefined');
        expect(step.kind === 'send' || step.kind === 'none').toBe(true);
        checkSent(step, 0xffff);
      }),
      { numRuns: 300 },
    );
  });

  it('answers any well-formed APDU on a live association, with any model results, within the client max PDU', async () => {
    const results: fc.Arbitrary<ModelResult> = fc.oneof(
      fc.constant<ModelResult>('read-write-denied'),
      fc.constant<ModelResult>({ type: 'octet-string', value: new Uint8Array(700) }),
      fc.constant<ModelResult>({ result: 'success', returnParameters: { type: 'unsigned', value: 1 } }),
      fc.constant<ModelResult>({ type: 'null-data' }),
    );
    await fc.assert(
      fc.asyncProperty(arbApdu(), results, async (apdu, result) => {
        const a = await associated({}, { clientMaxReceivePduSize: 128 });
        const step = await settle(a, await a.handle(encodeApdu(apdu)), () => result);
        checkSent(step, 128);
      }),
      { numRuns: 300 },
    );
  });

  it('answers random protected envelopes on a ciphered association without throwing', async () => {
    const EK = fromHex('000102030405060708090A0B0C0D0E0F');
    const AK = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
    const CST = fromHex('4D4D4D0000000001');
    const a = new ServerAssociation(
      config({
        ciphered: true,
        security: { policy: 'authenticated-encrypted', blockCipherKey: EK, authenticationKey: AK },
        systemTitle: fromHex('4D4D4D0000BC614E'),
        counters: new MemoryCounterStore(),
      }),
    );
    const init = protectApdu(encodeApdu(initiateRequest()), {
      form: 'glo',
      key: EK,
      authKey: AK,
      systemTitle: CST,
      invocationCounter: 1,
    });
    await one(
      a,
      aarq({
        applicationContextName: 'logical-name-referencing-with-ciphering',
        callingApTitle: CST,
        userInformation: { apdu: { type: 'ciphered-apdu', bytes: init } },
      }),
    );
    expect(a.state).toBe('associated');
    const tags = [0xc8, 0xc9, 0xcb, 0xd0, 0xdb, 0xdc, 0xdd, 0xdf, 0x21];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...tags), fc.uint8Array({ maxLength: 120 }), async (tag, rest) => {
        const bytes = new Uint8Array(1 + rest.length);
        bytes[0] = tag;
        bytes.set(rest, 1);
        const step = await settle(a, await a.handle(bytes), () => 'object-undefined');
        expect(step.kind).toBe('send');
        checkSent(step, 0xffff);
      }),
      { numRuns: 300 },
    );
    expect(a.state).toBe('associated');
  });

  it('answers any AARQ with exactly one AARE', async () => {
    await fc.assert(
      fc.asyncProperty(arbAarq, async (req) => {
        const a = new ServerAssociation(
          config({ authentication: { mechanism: 1, password: new Uint8Array([1, 2, 3]) } }),
        );
        const r = await one(a, encodeApdu(req));
        expect(r.type).toBe('aare');
      }),
      { numRuns: 200 },
    );
  });
});

describe('SN HLS pass 3', () => {
  it('verifies f(StoC) sent as a ReadRequest with parameterized access on Association SN method 8', async () => {
    const m: HlsMechanism = { mechanism: 3, secret: new TextEncoder().encode('secret') };
    const ctos = new Uint8Array(8).fill(0x11);
    const stoc = new Uint8Array(8).fill(0x22);
    const baseNames = (bn: number) =>
      bn === 0xfa60
        ? ({
            type: 'method',
            descriptor: { classId: 12, instanceId: new Uint8Array([0, 0, 40, 0, 0, 255]), methodId: 8 },
          } as const)
        : undefined;
    const a = new ServerAssociation(
      config({ referencing: 'sn', authentication: m, baseNames, challenge: () => stoc }),
    );
    const r = await one(
      a,
      aarq(
        {
          applicationContextName: 'short-name-referencing-no-ciphering',
          mechanismName: 'hls-md5',
          callingAuthenticationValue: { type: 'charstring', value: ctos },
        },
        { proposedConformance: 0x1c0000 },
      ),
    );
    expect(r).toMatchObject({ type: 'aare', result: 'accepted' });
    const f = computeHlsResponse('client', m, { ctos, stoc });
    const reply = await one(
      a,
      encodeApdu({
        type: 'read-request',
        variables: [
          {
            type: 'parameterized-access',
            variableName: 0xfa60,
            selector: 0,
            parameter: { type: 'octet-string', value: f },
          },
        ],
      }),
    );
    expect(reply).toEqual({
      type: 'read-response',
      results: [
        {
          type: 'data',
          data: { type: 'octet-string', value: computeHlsResponse('server', m, { ctos, stoc }) },
        },
      ],
    });
    expect(a.state).toBe('associated');
  });
});

describe('ciphered release', () => {
  it('answers an RLRQ carrying a glo-initiateRequest with an RLRE carrying a glo-initiateResponse', async () => {
    const EK = fromHex('000102030405060708090A0B0C0D0E0F');
    const AK = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
    const CST = fromHex('4D4D4D0000000001');
    const SST = fromHex('4D4D4D0000BC614E');
    const a = new ServerAssociation(
      config({
        ciphered: true,
        security: { policy: 'authenticated-encrypted', blockCipherKey: EK, authenticationKey: AK },
        systemTitle: SST,
        counters: new MemoryCounterStore(),
      }),
    );
    const ui = (ic: number) => ({
      apdu: {
        type: 'ciphered-apdu' as const,
        bytes: protectApdu(encodeApdu(initiateRequest()), {
          form: 'glo',
          key: EK,
          authKey: AK,
          systemTitle: CST,
          invocationCounter: ic,
        }),
      },
    });
    expect(
      await one(
        a,
        aarq({
          applicationContextName: 'logical-name-referencing-with-ciphering',
          callingApTitle: CST,
          userInformation: ui(1),
        }),
      ),
    ).toMatchObject({ result: 'accepted' });
    const r = await one(a, encodeApdu({ type: 'rlrq', reason: 'normal', userInformation: ui(2) }));
    if (r.type !== 'rlre' || r.userInformation?.apdu.type !== 'ciphered-apdu')
      throw new Error('expected a ciphered RLRE');
    expect(r.reason).toBe('normal');
    const plain = unprotectApdu(r.userInformation.apdu.bytes, {
      key: EK,
      authKey: AK,
      systemTitle: SST,
    }).plaintext;
    expect(decodeApdu(plain)).toMatchObject({ type: 'initiate-response' });
    expect(a.state).toBe('released');
  });

  it('keeps the association when the RLRQ user-information does not decipher', async () => {
    const EK = fromHex('000102030405060708090A0B0C0D0E0F');
    const AK = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
    const CST = fromHex('4D4D4D0000000001');
    const a = new ServerAssociation(
      config({
        ciphered: true,
        security: { policy: 'authenticated-encrypted', blockCipherKey: EK, authenticationKey: AK },
        systemTitle: fromHex('4D4D4D0000BC614E'),
        counters: new MemoryCounterStore(),
      }),
    );
    const ui = (ic: number, key = EK) => ({
      apdu: {
        type: 'ciphered-apdu' as const,
        bytes: protectApdu(encodeApdu(initiateRequest()), {
          form: 'glo',
          key,
          authKey: AK,
          systemTitle: CST,
          invocationCounter: ic,
        }),
      },
    });
    await one(
      a,
      aarq({
        applicationContextName: 'logical-name-referencing-with-ciphering',
        callingApTitle: CST,
        userInformation: ui(1),
      }),
    );
    const r = await one(
      a,
      encodeApdu({ type: 'rlrq', reason: 'normal', userInformation: ui(2, new Uint8Array(16)) }),
    );
    expect(r).toEqual({ type: 'rlre', reason: 'not-finished' });
    expect(a.state).toBe('associated');
  });
});
