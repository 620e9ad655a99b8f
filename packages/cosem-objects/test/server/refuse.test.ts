import { describe, expect, it } from 'vitest';
import { decodeApdu, encodeApdu, fromHex } from '@meteringlab/dlms-core';
import { memoryApduChannelPair } from '@meteringlab/transport-tcp';
import { refusalAnswer, refuseAssociations } from '../../src/index.js';

async function answer(client: ReturnType<typeof memoryApduChannelPair>[0], apdu: Uint8Array) {
  await client.send(apdu);
  for await (const a of client.receive()) return decodeApdu(a.slice());
  throw new Error('no answer');
}

describe('refuseAssociations', () => {
  it('rejects an AARQ in its own context, releases an RLRQ, and answers anything else with an exception', async () => {
    const [client, server] = memoryApduChannelPair();
    const done = refuseAssociations(server);
    // The Green Book AARQ without security (public vector gb-aarq-no-security).
    const aarq = fromHex('601DA109060760857405080101BE10040E01000000065F1F0400007E1F04B0');
    const aare = await answer(client, aarq);
    expect(aare).toMatchObject({
      type: 'aare',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      result: 'rejected-permanent',
      resultSourceDiagnostic: { source: 'acse-service-user', value: 'called-AP-title-not-recognized' },
    });
    const get = fromHex('C001C100080000010000FF0200');
    expect(await answer(client, get)).toMatchObject({
      type: 'exception-response',
      stateError: 'service-not-allowed',
    });
    expect(await answer(client, Uint8Array.of(0xff, 0x00))).toMatchObject({ type: 'exception-response' });
    expect(await answer(client, encodeApdu({ type: 'rlrq', reason: 'normal' }))).toMatchObject({
      type: 'rlre',
    });
    await client.close();
    await done;
  });

  it('uses the diagnostic it is given', async () => {
    const [client, server] = memoryApduChannelPair();
    const done = refuseAssociations(server, { diagnostic: 'no-reason-given' });
    const aare = await answer(
      client,
      fromHex('601DA109060760857405080101BE10040E01000000065F1F0400007E1F04B0'),
    );
    expect(aare).toMatchObject({ resultSourceDiagnostic: { value: 'no-reason-given' } });
    await client.close();
    await done;
  });
});

describe('refusalAnswer', () => {
  it('answers one APDU at a time, synchronously, with the diagnostic asked for', () => {
    // The Green Book AARQ without security (public vector gb-aarq-no-security).
    const aarq = fromHex('601DA109060760857405080101BE10040E01000000065F1F0400007E1F04B0');
    expect(decodeApdu(refusalAnswer(aarq, { diagnostic: 'no-reason-given' }))).toMatchObject({
      type: 'aare',
      result: 'rejected-permanent',
      resultSourceDiagnostic: { source: 'acse-service-user', value: 'no-reason-given' },
    });
    expect(decodeApdu(refusalAnswer(encodeApdu({ type: 'rlrq', reason: 'normal' })))).toEqual({
      type: 'rlre',
      reason: 'normal',
    });
    expect(decodeApdu(refusalAnswer(new Uint8Array(0)))).toMatchObject({
      type: 'exception-response',
      serviceError: 'operation-not-possible',
    });
  });
});
