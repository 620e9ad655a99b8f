/**
 * Arbitrary bytes from a peer, in every state that waits for one: the client association either
 * returns a step or throws a DlmsError, never anything else, and never hangs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClientAssociation, DlmsError, conformanceFromNames, encodeApdu } from '../../src/index.js';

const AARE = encodeApdu({
  type: 'aare',
  applicationContextName: 'logical-name-referencing-no-ciphering',
  result: 'accepted',
  resultSourceDiagnostic: { source: 'acse-service-user', value: 'null' },
  userInformation: {
    apdu: {
      type: 'initiate-response',
      negotiatedDlmsVersionNumber: 6,
      negotiatedConformance: conformanceFromNames([
        'get',
        'set',
        'action',
        'general-block-transfer',
        'block-transfer-with-get-or-read',
        'multiple-references',
      ]),
      serverMaxReceivePduSize: 128,
      vaaName: 7,
    },
  },
});

function machineIn(state: number): ClientAssociation {
  const c = new ClientAssociation();
  c.associate(0);
  if (state === 0) return c;
  c.receive(AARE, 0);
  if (state === 1)
    c.get([{ attribute: { classId: 3, instanceId: Uint8Array.of(1, 0, 1, 8, 0, 255), attributeId: 2 } }], 0);
  else c.release(0);
  return c;
}

describe('ClientAssociation: arbitrary peer bytes', () => {
  it('returns a step or throws a DlmsError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom(0x61, 0xc4, 0xc5, 0xc7, 0xd8, 0xe0, 0x0e, 0x63, 0xcc),
        (state, body, tag) => {
          for (const bytes of [body, Uint8Array.of(tag, ...body)]) {
            const c = machineIn(state);
            try {
              c.receive(bytes, 1);
            } catch (e) {
              expect(e).toBeInstanceOf(DlmsError);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
