/**
 * Speed of turning a decoded push into readings (`notificationReadings`), on two real pushes:
 *
 * - the Aidon HAN list of the public vector han-aidon-se-list-tekniska-verken: 27 entries, each a
 *   structure { OBIS, value, scaler_unit } (layout 2), read from `../shared/vectors/public-vectors.json`
 *   beside the repository (skipped with a warning when absent);
 * - the EVN (Netze NÖ) Kaifa MA309M documentation sample's plaintext (public vector
 *   mbus-evn-doc-example-kaifa, copied here): a flat list of a date-time, 11 OBIS/value/scaler_unit
 *   triples and the meter number without an OBIS code (layout 3 with leading and trailing extras).
 *
 * The APDUs are decoded once, outside the loop: what is measured is the readings step alone. Each
 * iteration checks the reading count. Run with `npx vitest bench --run packages/cosem-objects/bench`.
 */
import { bench, describe } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeApdu, fromHex, type DataNotification } from '@meteringlab/dlms-core';
import { notificationReadings } from '@meteringlab/cosem-objects';

const VECTORS = fileURLToPath(new URL('../../../../shared/vectors/public-vectors.json', import.meta.url));
const present = existsSync(VECTORS);
if (!present) console.warn(`public vectors not found at ${VECTORS}: skipping the Aidon readings benchmark`);

function aidonPush(): DataNotification | undefined {
  if (!present) return undefined;
  const vectors = JSON.parse(readFileSync(VECTORS, 'utf8')) as { id: string; hex: string }[];
  const v = vectors.find((x) => x.id === 'han-aidon-se-list-tekniska-verken');
  if (v === undefined) return undefined;
  const frame = fromHex(v.hex);
  // HDLC frame: 7E, format+length (2), addresses (3), control, HCS (2), LLC E6 E7 00 (3) | APDU | FCS (2), 7E.
  return decodeApdu(frame.subarray(12, frame.length - 3)) as DataNotification;
}

// Plaintext of the EVN documentation sample (public vector mbus-evn-doc-example-kaifa, decrypted_apdu).
const EVN = decodeApdu(
  fromHex(
    '0F8006870E0C07E5091B01092F0F00FF88800223090C07E5091B01092F0F00FF888009060100010800FF060000328902020F00161E09060100020800FF060000000002020F00161E09060100010700FF060000000002020F00161B09060100020700FF060000000002020F00161B09060100200700FF12092102020FFF162309060100340700FF12000002020FFF162309060100480700FF12000002020FFF1623090601001F0700FF12000002020FFE162109060100330700FF12000002020FFE162109060100470700FF12000002020FFE1621090601000D0700FF1203E802020FFD16FF090C313831323230303030303039',
  ),
) as DataNotification;

function check(n: number, want: number): void {
  if (n !== want) throw new Error(`expected ${want} readings, got ${n}`);
}

const AIDON = aidonPush();

describe('push → readings', () => {
  bench.skipIf(AIDON === undefined)('Aidon HAN list, 27 { OBIS, value, scaler_unit } entries', () => {
    check(notificationReadings(AIDON!).readings.length, 27);
  });

  bench('EVN/Kaifa flat list, 11 triples with leading date-time and trailing meter number', () => {
    const r = notificationReadings(EVN);
    check(r.readings.length, 11);
    check(r.extra?.length ?? 0, 2);
  });
});
