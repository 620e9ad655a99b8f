/**
 * The client association against recorded exchanges: the server side of each exchange is the bytes a
 * meter sent (public vectors in ../shared/vectors/public-vectors.json beside the repository, with their
 * sources noted there); the client's own requests must match what the recording shows it sent where the
 * recording has them. Skipped with a visible message when the vectors are absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ClientAssociation,
  fromHex,
  toHex,
  type ClientOutcome,
  type ClientStep,
  type GetItem,
} from '../../src/index.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const vectorsPath = `${repoRoot}../shared/vectors/public-vectors.json`;
const present = existsSync(vectorsPath);
if (!present)
  console.warn(`public vectors not found at ${vectorsPath}: skipping the recorded-exchange client suite`);

interface Vector {
  readonly id: string;
  readonly hex: string | readonly string[];
}
const vectors: Vector[] = present ? (JSON.parse(readFileSync(vectorsPath, 'utf8')) as Vector[]) : [];
const hexOf = (id: string, i?: number): Uint8Array => {
  const v = vectors.find((x) => x.id === id);
  if (v === undefined) throw new Error(`vector ${id} missing`);
  return fromHex(typeof v.hex === 'string' ? v.hex : v.hex[i ?? 0]!);
};

/** A client associated by the recorded AARE of a meter (Green Book example, no security). */
function associated(options: ConstructorParameters<typeof ClientAssociation>[0] = {}): ClientAssociation {
  const c = new ClientAssociation(options);
  expect(c.associate(0).kind).toBe('send');
  const step = c.receive(hexOf('gb-aare-accepted-no-security'), 1);
  expect(step.kind).toBe('associated');
  return c;
}

function outcome(step: ClientStep): ClientOutcome {
  if (step.kind !== 'completed') throw new Error(`expected a completed request, got ${step.kind}`);
  return step.outcome;
}

const attr = (classId: number, ln: string, attributeId: number): GetItem => ({
  attribute: { classId, instanceId: fromHex(ln), attributeId },
});

describe.skipIf(!present)('ClientAssociation against recorded exchanges', () => {
  it('takes the negotiated parameters from a recorded AARE', () => {
    const c = associated();
    expect(c.negotiated).toMatchObject({ serverMaxReceivePduSize: 500, dlmsVersion: 6, vaaName: 7 });
    expect(c.negotiated!.conformanceNames).toEqual(
      expect.arrayContaining(['get', 'set', 'selective-access']),
    );
  });

  it('sends the recorded GET-Request and reads the recorded GET-Response value', () => {
    const c = associated({ highPriority: true });
    const req = c.get([attr(1, '00002B0100FF', 2)], 2);
    expect(req.kind === 'send' && toHex(req.apdu)).toBe(toHex(hexOf('get-request-normal')));
    const o = outcome(c.receive(hexOf('get-response-normal'), 3));
    expect(o).toEqual({
      service: 'get',
      results: [{ type: 'data', data: { type: 'double-long-unsigned', value: 5009 } }],
    });
  });

  it('a recorded data-access-result comes back as a value, by name', () => {
    const c = associated({ highPriority: true });
    c.get([attr(1, '00002B0100FF', 2)], 2);
    const o = outcome(c.receive(hexOf('get-response-normal-error'), 3));
    expect(o).toEqual({
      service: 'get',
      results: [{ type: 'data-access-result', result: 'hardware-fault' }],
    });
  });

  it('sends the recorded GET-Request-With-List and reads both recorded results', () => {
    const c = associated({ highPriority: true });
    const req = c.get([attr(1, '00002A0000FF', 2), attr(8, '0000010000FF', 2)], 2);
    expect(req.kind === 'send' && toHex(req.apdu)).toBe(toHex(hexOf('get-request-with-list')));
    const o = outcome(c.receive(hexOf('get-response-with-list'), 3));
    if (o.service !== 'get') throw new Error(o.service);
    expect(o.results).toHaveLength(2);
    const [name, time] = o.results;
    expect(name).toMatchObject({ type: 'data', data: { type: 'octet-string' } });
    expect(new TextDecoder().decode((name as { data: { value: Uint8Array } }).data.value)).toBe(
      'ISK1030777764366',
    );
    expect(time).toMatchObject({ type: 'data', data: { type: 'octet-string' } });
  });

  it('sends the recorded SET-Request and reads the recorded SET-Response', () => {
    const c = associated({ highPriority: true });
    const recorded = hexOf('set-request-response-normal', 0);
    const value = { type: 'octet-string' as const, value: recorded.subarray(recorded.length - 12) };
    const req = c.set([{ ...attr(8, '0000010000FF', 2), value }], 2);
    expect(req.kind === 'send' && toHex(req.apdu)).toBe(toHex(recorded));
    const o = outcome(c.receive(hexOf('set-request-response-normal', 1), 3));
    expect(o).toEqual({ service: 'set', results: ['success'] });
  });
});
