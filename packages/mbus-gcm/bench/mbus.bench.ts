/**
 * Speed of the push pipeline on what a Kaifa MA309M sends: a pair of M-Bus telegrams (250 + 20 bytes of
 * L) holding one general-glo-ciphering Data-Notification of 243 bytes (the EVN documentation sample's
 * plaintext, re-protected here with dlms-core's protectApdu so that it carries a tag), decoded into 11
 * readings. Run with `npx vitest bench --run packages/mbus-gcm/bench/mbus.bench.ts`.
 *
 * (a) authenticated and encrypted (SC 0x30), tag checked: framer, reassembly, AES-GCM, APDU and readings;
 * (b) encryption only (SC 0x20, as EVN sends it): the same without a tag;
 * (c) the framer and reassembly alone, on the same telegram pair;
 * (d) deciphering (tag checked) and APDU decoding of the reassembled APDU, without readings: the share of
 *     cosem-objects' `notificationReadings` is (a) minus (d).
 *
 * Each iteration pushes one telegram pair and yields one push; the benchmark checks that it did.
 */
import { bench, describe } from 'vitest';
import { decodeApdu, fromHex, protectApdu, toSecretKey, unprotectApdu } from '@meteringlab/dlms-core';
import {
  createMbusFramer,
  createMbusReassembler,
  createPushDecoder,
  decodeMbusDlmsSegment,
  encodeMbusFrame,
  segmentMbusApdu,
} from '../src/index.js';

// Plaintext of the EVN (Netze NÖ) Kaifa documentation sample (shared public vector mbus-evn-doc-example-kaifa).
const PLAIN = fromHex(
  '0F8006870E0C07E5091B01092F0F00FF88800223090C07E5091B01092F0F00FF888009060100010800FF060000328902020F00161E09060100020800FF060000000002020F00161E09060100010700FF060000000002020F00161B09060100020700FF060000000002020F00161B09060100200700FF12092102020FFF162309060100340700FF12000002020FFF162309060100480700FF12000002020FFF1623090601001F0700FF12000002020FFE162109060100330700FF12000002020FFE162109060100470700FF12000002020FFE1621090601000D0700FF1203E802020FFD16FF090C313831323230303030303039',
);
const KEY = fromHex('36C66639E48A8CA4D6BC8B282A793BBB');
const AUTH_KEY = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const SYSTEM_TITLE = fromHex('4B464D6750000009');

function pair(authenticated: boolean): Uint8Array {
  const apdu = protectApdu(PLAIN, {
    key: KEY,
    authKey: AUTH_KEY,
    systemTitle: SYSTEM_TITLE,
    invocationCounter: 35,
    authenticated,
  });
  // 245 bytes of user data after CI in the first telegram, as the EVN sample.
  const frames = segmentMbusApdu(apdu, { maxChunk: 243 }).map(encodeMbusFrame);
  if (frames.length !== 2) throw new Error(`expected a telegram pair, got ${frames.length}`);
  return Uint8Array.from(frames.flatMap((f) => [...f]));
}

const AUTHENTICATED = pair(true);
const AUTHENTICATED_APDU = protectApdu(PLAIN, {
  key: KEY,
  authKey: AUTH_KEY,
  systemTitle: SYSTEM_TITLE,
  invocationCounter: 35,
});
const ENCRYPTED = pair(false);

function check(n: number): void {
  if (n !== 1) throw new Error(`expected one push, got ${n}`);
}

describe('Kaifa MA309M telegram pair → readings', () => {
  const tagged = createPushDecoder({ format: 'mbus', key: KEY, authKey: AUTH_KEY });
  bench('(a) authenticated + encrypted, tag checked', () => {
    const events = tagged.push(AUTHENTICATED);
    check(
      events.filter((e) => e.type === 'reading' && e.security.verified && e.readings.length === 11).length,
    );
  });

  const encrypted = createPushDecoder({ format: 'mbus', key: KEY });
  bench('(b) encryption only (no tag)', () => {
    const events = encrypted.push(ENCRYPTED);
    check(events.filter((e) => e.type === 'reading' && e.readings.length === 11).length);
  });

  const framer = createMbusFramer();
  const reassembler = createMbusReassembler();
  bench('(c) framer + reassembly only', () => {
    let n = 0;
    for (const it of framer.push(AUTHENTICATED)) {
      if (it.type === 'frame')
        for (const r of reassembler.add(decodeMbusDlmsSegment(it.frame))) if (r.type === 'apdu') n++;
    }
    check(n);
  });

  const keys = { key: toSecretKey(KEY), authKey: toSecretKey(AUTH_KEY) };
  bench('(d) decipher (tag checked) + decodeApdu, no readings', () => {
    const u = unprotectApdu(AUTHENTICATED_APDU, keys);
    check(u.verified && decodeApdu(u.plaintext).type === 'data-notification' ? 1 : 0);
  });
});
