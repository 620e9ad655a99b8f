/**
 * Speed of the APDU dispatcher (`decodeApdu` / `encodeApdu`) on three messages that dominate real
 * traffic. Run with `npx vitest bench --run packages/dlms-core/bench/apdu.bench.ts`.
 *
 * (a) a 336-byte push DataNotification: a structure of 16 entries (the clock as date-time, two
 *     identifiers as octet strings, 13 registers as structure{OBIS, double-long-unsigned value,
 *     structure{scaler, unit}}), the notification's own date-time field empty; target 300,000
 *     decodes/s on one core;
 * (b) a GET-Response-Normal carrying one register value;
 * (c) a 1 KiB Profile generic block: GET-Response-With-Datablock whose raw-data is the first 1,024
 *     bytes of an encoded array of {date-time, status, 4 × double-long-unsigned} rows.
 *
 * The messages are built once at load with the encoders, and their sizes are checked, so the figures
 * stay comparable from run to run.
 */
import { bench, describe } from 'vitest';
import { decodeApdu, encodeApdu, encodeDataBytes, type Apdu, type Data } from '../src/index.js';

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

const octets = (b: Uint8Array): Data => ({ type: 'octet-string', value: b });

// (a) The push DataNotification.
const REGISTER_CODES: readonly [number, number][] = [
  [1, 8],
  [2, 8],
  [3, 8],
  [4, 8],
  [1, 7],
  [2, 7],
  [3, 7],
  [4, 7],
  [32, 7],
  [52, 7],
  [72, 7],
  [31, 7],
  [14, 7],
];
const registers: Data[] = REGISTER_CODES.map(([c, d], i) => ({
  type: 'structure',
  value: [
    octets(Uint8Array.of(1, 0, c, d, 0, 255)),
    { type: 'double-long-unsigned', value: 1_234_567 + i * 7919 },
    {
      type: 'structure',
      value: [
        { type: 'integer', value: -1 },
        { type: 'enum', value: 30 },
      ],
    },
  ],
}));
const notification: Apdu = {
  type: 'data-notification',
  longInvokeIdAndPriority: {
    invokeId: 1,
    selfDescriptive: false,
    breakOnError: false,
    confirmed: false,
    highPriority: false,
  },
  body: {
    type: 'structure',
    value: [
      dateTime(15),
      octets(enc.encode('7340734073407340')), // meter serial number, 16 bytes
      octets(enc.encode('KFM5KAIFA-MA304H4-0001')), // device type and id, 22 bytes
      ...registers,
    ],
  },
};
const NOTIFICATION = encodeApdu(notification);
/** Exact size of (a); asserted so that the figures below stay comparable. */
export const NOTIFICATION_SIZE = 336;
if (NOTIFICATION.length !== NOTIFICATION_SIZE) {
  throw new Error(`the DataNotification is ${NOTIFICATION.length} bytes, expected ${NOTIFICATION_SIZE}`);
}

// (b) GET-Response-Normal with a register value.
const getResponse: Apdu = {
  type: 'get-response-normal',
  invokeIdAndPriority: { invokeId: 1, confirmed: true, highPriority: true },
  result: { type: 'data', data: { type: 'double-long-unsigned', value: 5009 } },
};
const GET_RESPONSE = encodeApdu(getResponse);

// (c) 1 KiB Profile generic block: the first 1,024 bytes of a 96-row buffer (15-minute profile, 1 day).
const rows: Data[] = Array.from({ length: 96 }, (_, i) => ({
  type: 'structure',
  value: [
    dateTime(i % 60),
    { type: 'unsigned', value: 0 },
    ...[0, 1, 2, 3].map((k): Data => ({ type: 'double-long-unsigned', value: 100_000 + i * 13 + k })),
  ],
}));
const BUFFER = encodeDataBytes({ type: 'array', value: rows });
const profileBlock: Apdu = {
  type: 'get-response-with-datablock',
  invokeIdAndPriority: { invokeId: 2, confirmed: true, highPriority: true },
  block: {
    lastBlock: false,
    blockNumber: 1,
    result: { type: 'raw-data', rawData: BUFFER.subarray(0, 1024) },
  },
};
const PROFILE_BLOCK = encodeApdu(profileBlock);
if (PROFILE_BLOCK.length !== 1024 + 12) throw new Error(`the profile block is ${PROFILE_BLOCK.length} bytes`);

const decodedNotification = decodeApdu(NOTIFICATION);
const decodedGetResponse = decodeApdu(GET_RESPONSE);
const decodedProfileBlock = decodeApdu(PROFILE_BLOCK);

describe(`DataNotification, ${NOTIFICATION.length} bytes (16 entries, 13 registers)`, () => {
  bench('decodeApdu', () => {
    decodeApdu(NOTIFICATION);
  });
  bench('encodeApdu', () => {
    encodeApdu(decodedNotification);
  });
});

describe(`GET-Response-Normal, register value, ${GET_RESPONSE.length} bytes`, () => {
  bench('decodeApdu', () => {
    decodeApdu(GET_RESPONSE);
  });
  bench('encodeApdu', () => {
    encodeApdu(decodedGetResponse);
  });
});

describe(`GET-Response-With-Datablock, Profile generic block, ${PROFILE_BLOCK.length} bytes`, () => {
  bench('decodeApdu', () => {
    decodeApdu(PROFILE_BLOCK);
  });
  bench('encodeApdu', () => {
    encodeApdu(decodedProfileBlock);
  });
});
