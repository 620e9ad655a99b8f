/**
 * The README's "Serving a logical device" section: it quotes examples/serve.ts verbatim, and the
 * example serves on 127.0.0.1 (port 0) to a wrapper client built from dlms-core encoders: the public
 * client reads the register and may not write it, the management client logs in with LLS and writes it.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeApdu, encodeApdu, type Apdu, type Data } from '@meteringlab/dlms-core';
import { connectWrapper, type WrapperServer } from '@meteringlab/transport-tcp';
import { listen } from '../examples/serve.js';

const root = new URL('..', import.meta.url);
const REGISTER = { classId: 3, instanceId: Uint8Array.of(1, 0, 1, 8, 0, 255), attributeId: 2 };
const IID = { invokeId: 1, confirmed: true, highPriority: true } as const;

async function session(port: number, clientWPort: number) {
  const ch = await connectWrapper({ host: '127.0.0.1', port, clientWPort, serverWPort: 1 });
  const it = ch.receive()[Symbol.asyncIterator]();
  const ask = async (a: Apdu): Promise<Apdu> => {
    await ch.send(encodeApdu(a));
    const r = await it.next();
    if (r.done) throw new Error('closed');
    return decodeApdu(r.value);
  };
  const associate = (password?: string) =>
    ask({
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      ...(password === undefined
        ? {}
        : {
            senderAcseRequirements: { authentication: true },
            mechanismName: 'lls' as const,
            callingAuthenticationValue: {
              type: 'charstring' as const,
              value: new TextEncoder().encode(password),
            },
          }),
      userInformation: {
        apdu: {
          type: 'initiate-request',
          responseAllowed: true,
          proposedDlmsVersionNumber: 6,
          proposedConformance: 0x00181f,
          clientMaxReceivePduSize: 512,
        },
      },
    });
  const get = () => ask({ type: 'get-request-normal', invokeIdAndPriority: IID, attribute: REGISTER });
  const set = (value: Data) =>
    ask({ type: 'set-request-normal', invokeIdAndPriority: IID, attribute: REGISTER, value });
  return { ch, associate, get, set };
}

describe('README: serving a logical device', () => {
  let tcp: WrapperServer | undefined;
  afterEach(async () => {
    await tcp?.close();
    tcp = undefined;
  });

  it('quotes examples/serve.ts verbatim', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const example = readFileSync(new URL('examples/serve.ts', root), 'utf8');
    expect(readme).toContain(example.trim());
  });

  it('the example serves the public and the management client on port 0', async () => {
    tcp = await listen(0);
    expect(tcp.port).toBeGreaterThan(0);
    const pub = await session(tcp.port, 16);
    expect(await pub.associate()).toMatchObject({ type: 'aare', result: 'accepted' });
    expect(await pub.get()).toMatchObject({
      result: { type: 'data', data: { type: 'double-long-unsigned', value: 123456 } },
    });
    expect(await pub.set({ type: 'double-long-unsigned', value: 1 })).toMatchObject({
      result: 'read-write-denied',
    });
    await pub.ch.close();

    const mgmt = await session(tcp.port, 1);
    expect(await mgmt.associate('wrong')).toMatchObject({ result: 'rejected-permanent' });
    expect(await mgmt.associate('00000000')).toMatchObject({ type: 'aare', result: 'accepted' });
    expect(await mgmt.set({ type: 'double-long-unsigned', value: 42 })).toMatchObject({ result: 'success' });
    expect(await mgmt.get()).toMatchObject({ result: { type: 'data', data: { value: 42 } } });
    await mgmt.ch.close();
  });
});
