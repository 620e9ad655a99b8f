/**
 * Speed of the A-XDR Data codec on the two shapes that dominate real traffic: the body of a push
 * DataNotification (a structure of 16 entries, 336 bytes) and a 1 KiB Profile generic buffer block
 * (an array of {date-time, 4 × double-long-unsigned} rows). Run with
 * `npx vitest bench --run packages/dlms-core/bench/data.bench.ts`.
 *
 * The inputs are built with `encodeData` once at load; sizes are asserted so the figures stay comparable.
 * The whole Data-Notification APDU (tag, long-invoke-id, date-time, body) is measured too, since its
 * target (300,000 decodes/s on one core) is what the Data decoder must leave room for.
 */
import { bench, describe } from 'vitest';
import {
  Reader,
  Writer,
  decodeData,
  decodeDataNotification,
  encodeData,
  encodeDataNotification,
  type Data,
} from '../src/index.js';

const enc = new TextEncoder();

function dateTime(minute: number): Data {
  return {
    type: 'date-time',
    value: {
      year: 2026,
      month: 11,
      dayOfMonth: 21,
      dayOfWeek: 6,
      hour: 8,
      minute,
      second: 0,
      hundredths: 0,
      deviation: -60,
      clockStatus: 0,
    },
  };
}

function obis(a: number, b: number, c: number, d: number, e: number, f: number): Data {
  return { type: 'octet-string', value: Uint8Array.of(a, b, c, d, e, f) };
}

/** 13 registers as a push list: OBIS, value, {scaler, unit}. */
const registers: Data[] = [];
const codes: [number, number, number][] = [
  [1, 8, 0],
  [2, 8, 0],
  [3, 8, 0],
  [4, 8, 0],
  [1, 7, 0],
  [2, 7, 0],
  [32, 7, 0],
  [52, 7, 0],
  [72, 7, 0],
  [31, 7, 0],
  [51, 7, 0],
  [71, 7, 0],
  [14, 7, 0],
];
for (const [i, [c, d, e]] of codes.entries()) {
  registers.push({
    type: 'structure',
    value: [
      obis(1, 0, c, d, e, 255),
      { type: 'double-long-unsigned', value: 123_456 + i * 7919 },
      {
        type: 'structure',
        value: [
          { type: 'integer', value: -1 },
          { type: 'enum', value: 30 },
        ],
      },
    ],
  });
}

const notificationBody: Data = {
  type: 'structure',
  value: [
    dateTime(15),
    { type: 'octet-string', value: enc.encode('KFM_0123456789ABCDEF01') },
    { type: 'octet-string', value: enc.encode('7350000012345678901234') },
    ...registers,
  ],
};

const rows: Data[] = [];
for (let i = 0; i < 29; i++) {
  rows.push({
    type: 'structure',
    value: [
      dateTime(i % 60),
      { type: 'double-long-unsigned', value: 1_000_000 + i },
      { type: 'double-long-unsigned', value: 2_000_000 + i },
      { type: 'double-long-unsigned', value: 3_000_000 + i },
      { type: 'double-long-unsigned', value: 4_000_000 + i },
    ],
  });
}
const profileBlock: Data = { type: 'array', value: rows };

function bytesOf(d: Data): Uint8Array {
  const w = new Writer();
  encodeData(w, d);
  return w.toBytes();
}

const notificationBytes = bytesOf(notificationBody);
const profileBytes = bytesOf(profileBlock);
if (notificationBytes.length !== 336)
  throw new Error(`notification body is ${notificationBytes.length} bytes`);
if (profileBytes.length < 1000 || profileBytes.length > 1024)
  throw new Error(`profile block is ${profileBytes.length} bytes`);

const apduWriter = new Writer(512);
encodeDataNotification(apduWriter, {
  type: 'data-notification',
  longInvokeIdAndPriority: {
    invokeId: 1,
    selfDescriptive: false,
    breakOnError: false,
    confirmed: false,
    highPriority: true,
  },
  dateTime: Uint8Array.of(0x07, 0xea, 11, 21, 6, 8, 15, 0, 0, 0xff, 0xc4, 0),
  body: notificationBody,
});
const notificationApdu = apduWriter.toBytes();

let sink = 0;

describe('DataNotification body (336 bytes, 16 entries)', () => {
  bench('decodeData', () => {
    const d = decodeData(new Reader(notificationBytes));
    sink += d.type.length;
  });
  bench('encodeData', () => {
    const w = new Writer(512);
    encodeData(w, notificationBody);
    sink += w.length;
  });
  const reused = new Writer(512);
  bench('encodeData into a reused Writer', () => {
    reused.reset();
    encodeData(reused, notificationBody);
    sink += reused.length;
  });
  bench(`decodeDataNotification (whole APDU, ${notificationApdu.length} bytes)`, () => {
    const n = decodeDataNotification(new Reader(notificationApdu));
    sink += n.body.type.length;
  });
});

describe(`Profile generic block (${profileBytes.length} bytes, 29 rows)`, () => {
  bench('decodeData', () => {
    const d = decodeData(new Reader(profileBytes));
    sink += d.type.length;
  });
  bench('encodeData', () => {
    const w = new Writer(1024);
    encodeData(w, profileBlock);
    sink += w.length;
  });
});

export { sink };
