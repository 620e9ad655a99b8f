/**
 * COSEM date, time and date-time: the raw 12/5/4-byte codecs and the conversions to and from ISO 8601,
 * `Date`, clock status flags, and the readable formatter.
 *
 * Origin of the vectors: the Kaifa MA309 push timestamp is from a public capture quoted in
 * UtilitechAS/amsreader-firmware issue #809 (taken at 2024-06-15 20:23:45+02:00, bytes
 * 07E8 06 0F 06 14 17 2D 00 FF88 80). The others are built by hand from the field layout of
 * Blue Book 4.1.6.1; calendar facts (days of week) checked with an independent calendar.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ArgumentError,
  DecodeError,
  Reader,
  Writer,
  decodeCosemDate,
  decodeCosemDateTime,
  decodeCosemTime,
  encodeCosemDateTime,
  fromHex,
  toHex,
  DEVIATION_NOT_SPECIFIED,
  type CosemDateTime,
} from '../src/index.js';
import {
  cosemDateTimeFromDate,
  cosemDateTimeFromIso,
  cosemDateTimeToDate,
  cosemDateTimeToIso,
  cosemDayOfWeek,
  daysInMonth,
  decodeClockStatus,
  encodeClockStatus,
  formatCosemDate,
  formatCosemDateTime,
  formatCosemTime,
} from '../src/datetime-convert.js';
import { arbConcreteCosemDateTime, arbCosemDateTime } from '../../../fixtures/src/arbitraries/data.js';

const dt = (over: Partial<CosemDateTime> = {}): CosemDateTime => ({
  year: 2026,
  month: 11,
  dayOfMonth: 21,
  dayOfWeek: 6,
  hour: 8,
  minute: 15,
  second: 0,
  hundredths: 0,
  deviation: -60,
  clockStatus: 0,
  ...over,
});

// year 07E8 | month 06 | day 0F | dow 06 (Sat) | 14:17:2D (20:23:45) | hundredths 00 | deviation FF88 (-120) | status 80 (DST)
const KAIFA_HEX = '07E8 06 0F 06 14 17 2D 00 FF88 80';
const KAIFA: CosemDateTime = {
  year: 2024,
  month: 6,
  dayOfMonth: 15,
  dayOfWeek: 6,
  hour: 20,
  minute: 23,
  second: 45,
  hundredths: 0,
  deviation: -120,
  clockStatus: 0x80,
};

describe('raw codecs', () => {
  it('decode and encode the Kaifa MA309 timestamp', () => {
    const bytes = fromHex(KAIFA_HEX);
    expect(decodeCosemDateTime(new Reader(bytes))).toEqual(KAIFA);
    const w = new Writer();
    encodeCosemDateTime(w, KAIFA);
    expect(toHex(w.toBytes())).toBe(toHex(bytes));
  });

  it('decode date and time', () => {
    expect(decodeCosemDate(new Reader(fromHex('FFFF FE FE 07')))).toEqual({
      year: 0xffff,
      month: 0xfe,
      dayOfMonth: 0xfe,
      dayOfWeek: 7,
    });
    expect(decodeCosemTime(new Reader(fromHex('17 3B 3B FF')))).toEqual({
      hour: 23,
      minute: 59,
      second: 59,
      hundredths: 0xff,
    });
  });

  it('fail with TRUNCATED on every prefix, without moving the reader', () => {
    const bytes = fromHex(KAIFA_HEX);
    for (const [decode, size] of [
      [decodeCosemDateTime, 12],
      [decodeCosemDate, 5],
      [decodeCosemTime, 4],
    ] as const) {
      for (let n = 0; n < size; n++) {
        const r = new Reader(bytes.subarray(0, n));
        expect(() => decode(r)).toThrow(DecodeError);
        try {
          decode(r);
        } catch (e) {
          expect((e as DecodeError).code).toBe('TRUNCATED');
        }
        expect(r.pos).toBe(0);
      }
    }
  });

  it('reject fields out of range when encoding', () => {
    for (const bad of [
      dt({ year: 0x10000 }),
      dt({ hour: 256 }),
      dt({ deviation: 0x8000 }),
      dt({ clockStatus: -1 }),
    ]) {
      expect(() => encodeCosemDateTime(new Writer(), bad)).toThrow(ArgumentError);
    }
  });

  it('round-trip any raw field values', () => {
    fc.assert(
      fc.property(arbCosemDateTime(), (v) => {
        const w = new Writer();
        encodeCosemDateTime(w, v);
        expect(w.length).toBe(12);
        expect(decodeCosemDateTime(new Reader(w.toBytes()))).toEqual(v);
      }),
    );
  });
});

describe('calendar helpers', () => {
  it('days in month, leap years', () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2023, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2026, 4)).toBe(30);
    expect(daysInMonth(2026, 12)).toBe(31);
  });

  it('day of week, 1 = Monday … 7 = Sunday', () => {
    expect(cosemDayOfWeek(2026, 11, 21)).toBe(6); // Saturday
    expect(cosemDayOfWeek(2026, 11, 22)).toBe(7); // Sunday
    expect(cosemDayOfWeek(2026, 11, 23)).toBe(1); // Monday
    expect(cosemDayOfWeek(1970, 1, 1)).toBe(4); // Thursday
  });
});

describe('clock status', () => {
  it('decodes flags by name', () => {
    expect(decodeClockStatus(0x00)).toEqual({
      invalidValue: false,
      doubtfulValue: false,
      differentClockBase: false,
      invalidClockStatus: false,
      daylightSavingActive: false,
      reserved: 0,
    });
    expect(decodeClockStatus(0x83)).toMatchObject({
      invalidValue: true,
      doubtfulValue: true,
      daylightSavingActive: true,
    });
    expect(decodeClockStatus(0x14)).toMatchObject({ differentClockBase: true, reserved: 0x10 });
    expect(decodeClockStatus(0xff)).toBeUndefined();
  });

  it('encodes flags back to every byte but 0xFF', () => {
    for (let b = 0; b < 0xff; b++) expect(encodeClockStatus(decodeClockStatus(b)!)).toBe(b);
    expect(encodeClockStatus({ daylightSavingActive: true })).toBe(0x80);
  });

  it('rejects bad input', () => {
    expect(() => decodeClockStatus(256)).toThrow(ArgumentError);
    expect(() => encodeClockStatus({ reserved: 0x80 })).toThrow(ArgumentError);
  });
});

describe('to Date and ISO', () => {
  it('Kaifa MA309 in CEST: deviation -120 means UTC = local + 120 min', () => {
    expect(cosemDateTimeToDate(KAIFA)?.toISOString()).toBe('2024-06-15T18:23:45.000Z');
    expect(cosemDateTimeToIso(KAIFA)).toBe('2024-06-15T20:23:45.00+02:00');
  });

  it('the ISO sign convention for meters that use it', () => {
    const v = dt({ deviation: 60, hundredths: 25 });
    expect(cosemDateTimeToDate(v, { convention: 'local-minus-utc' })?.toISOString()).toBe(
      '2026-11-21T07:15:00.250Z',
    );
    expect(cosemDateTimeToIso(v, { convention: 'local-minus-utc' })).toBe('2026-11-21T08:15:00.25+01:00');
    expect(cosemDateTimeToIso(v)).toBe('2026-11-21T08:15:00.25-01:00');
    expect(() => cosemDateTimeToIso(v, { convention: 'east' as never })).toThrow(ArgumentError);
  });

  it('UTC and half-hour zones', () => {
    expect(cosemDateTimeToIso(dt({ deviation: 0 }))).toBe('2026-11-21T08:15:00.00Z');
    // India, UTC+05:30: -330 in the Blue Book convention.
    expect(cosemDateTimeToIso(dt({ deviation: -330 }))).toBe('2026-11-21T08:15:00.00+05:30');
    expect(cosemDateTimeToDate(dt({ deviation: -330 }))?.toISOString()).toBe('2026-11-21T02:45:00.000Z');
    expect(cosemDateTimeToIso(dt({ deviation: 720 }))).toBe('2026-11-21T08:15:00.00-12:00');
  });

  it('hundredths and day of week not specified are harmless', () => {
    const v = dt({ hundredths: 0xff, dayOfWeek: 0xff });
    expect(cosemDateTimeToIso(v)).toBe('2026-11-21T08:15:00+01:00');
    expect(cosemDateTimeToDate(v)?.toISOString()).toBe('2026-11-21T07:15:00.000Z');
    // A wrong day of week is ignored (meters get it wrong).
    expect(cosemDateTimeToDate(dt({ dayOfWeek: 2 }))?.toISOString()).toBe('2026-11-21T07:15:00.000Z');
  });

  it('deviation not specified: local time without offset; a Date only with an assumed deviation', () => {
    const v = dt({ deviation: DEVIATION_NOT_SPECIFIED });
    expect(cosemDateTimeToIso(v)).toBe('2026-11-21T08:15:00.00');
    expect(cosemDateTimeToDate(v)).toBeUndefined();
    expect(cosemDateTimeToDate(v, { unspecifiedDeviation: -60 })?.toISOString()).toBe(
      '2026-11-21T07:15:00.000Z',
    );
  });

  it('wildcards and invalid fields denote no instant: undefined', () => {
    const cases: Partial<CosemDateTime>[] = [
      { year: 0xffff },
      { month: 0xff },
      { month: 0xfe },
      { month: 0xfd },
      { month: 0 },
      { month: 13 },
      { dayOfMonth: 0xff },
      { dayOfMonth: 0xfe },
      { dayOfMonth: 0xfd },
      { dayOfMonth: 0 },
      { month: 4, dayOfMonth: 31 },
      { year: 2023, month: 2, dayOfMonth: 29 },
      { hour: 0xff },
      { hour: 24 },
      { minute: 0xff },
      { minute: 60 },
      { second: 0xff },
      { second: 60 },
      { hundredths: 100 },
      { deviation: 721 },
      { deviation: -721 },
    ];
    for (const c of cases) {
      expect(cosemDateTimeToDate(dt(c)), JSON.stringify(c)).toBeUndefined();
      expect(cosemDateTimeToIso(dt(c)), JSON.stringify(c)).toBeUndefined();
    }
    expect(cosemDateTimeToIso(dt({ year: 2024, month: 2, dayOfMonth: 29 }))).toBe(
      '2024-02-29T08:15:00.00+01:00',
    );
  });

  it('years below 100 and above 9999', () => {
    expect(cosemDateTimeToDate(dt({ year: 50, deviation: 0 }))?.getUTCFullYear()).toBe(50);
    expect(cosemDateTimeToIso(dt({ year: 50, deviation: 0 }))).toBe('0050-11-21T08:15:00.00Z');
    expect(cosemDateTimeToIso(dt({ year: 10000, deviation: 0 }))).toBe('+010000-11-21T08:15:00.00Z');
    expect(cosemDateTimeFromIso('+010000-11-21T08:15:00.00Z').year).toBe(10000);
  });

  it('never throws on any raw value', () => {
    fc.assert(
      fc.property(arbCosemDateTime(), (v) => {
        const d = cosemDateTimeToDate(v);
        expect(d === undefined || !Number.isNaN(d.getTime())).toBe(true);
        const iso = cosemDateTimeToIso(v);
        if (iso !== undefined) expect(cosemDateTimeFromIso(iso).year).toBe(v.year);
        expect(typeof formatCosemDateTime(v)).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('from ISO', () => {
  it('parses offsets into deviations', () => {
    expect(cosemDateTimeFromIso('2024-06-15T20:23:45+02:00', { clockStatus: 0x80 })).toEqual(KAIFA);
    expect(cosemDateTimeFromIso('2026-11-21T08:15:00.00Z')).toEqual(dt({ deviation: 0 }));
    expect(cosemDateTimeFromIso('2026-11-21T08:15:00-00:00').deviation).toBe(0);
    expect(
      cosemDateTimeFromIso('2026-11-21T08:15:00+01:00', { convention: 'local-minus-utc' }).deviation,
    ).toBe(60);
    expect(cosemDateTimeFromIso('2026-11-21T08:15:00').deviation).toBe(DEVIATION_NOT_SPECIFIED);
  });

  it('cuts fractions to hundredths', () => {
    expect(cosemDateTimeFromIso('2026-11-21T08:15:00.5Z').hundredths).toBe(50);
    expect(cosemDateTimeFromIso('2026-11-21T08:15:00.999Z').hundredths).toBe(99);
    expect(cosemDateTimeFromIso('2026-11-21T08:15:00,07Z').hundredths).toBe(7);
    expect(
      cosemDateTimeFromIso(new Date(Date.UTC(2026, 10, 21, 8, 15, 0, 123)).toISOString()).hundredths,
    ).toBe(12);
  });

  it('rejects what is not a date-time with ArgumentError', () => {
    for (const bad of [
      '',
      '2026-11-21',
      '2026-11-21 08:15:00Z',
      '2026-13-01T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-11-21T24:00:00Z',
      '2026-11-21T08:60:00Z',
      '2026-11-21T08:15:60Z',
      '2026-11-21T08:15:00+13:00',
      '2026-11-21T08:15:00+01:60',
      '2026-11-21T08:15:00.Z',
      '26-11-21T08:15:00Z',
      '2026-11-21T08:15:00+0100',
    ]) {
      expect(() => cosemDateTimeFromIso(bad), bad).toThrow(ArgumentError);
    }
    expect(() => cosemDateTimeFromIso(42 as unknown as string)).toThrow(ArgumentError);
    expect(() => cosemDateTimeFromIso('2026-11-21T08:15:00Z', { clockStatus: 256 })).toThrow(ArgumentError);
  });

  it('fromIso(toIso(x)) equals x for concrete values, both conventions', () => {
    fc.assert(
      fc.property(
        arbConcreteCosemDateTime(),
        fc.constantFrom('utc-minus-local', 'local-minus-utc' as const),
        (v, convention) => {
          const iso = cosemDateTimeToIso(v, { convention });
          expect(iso).toBeDefined();
          expect(cosemDateTimeFromIso(iso!, { convention, clockStatus: v.clockStatus })).toEqual(v);
          // …and the ISO text denotes the same instant as the Date conversion.
          expect(new Date(iso!.replace(/\.(\d\d)/, '.$10')).getTime()).toBe(
            cosemDateTimeToDate(v, { convention })!.getTime(),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('from Date', () => {
  it('builds UTC fields by default, with the day of week', () => {
    const v = cosemDateTimeFromDate(new Date('2026-11-21T08:15:00.129Z'));
    expect(v).toEqual(dt({ deviation: 0, hundredths: 12 }));
  });

  it('builds local fields for a deviation', () => {
    const v = cosemDateTimeFromDate(new Date('2024-06-15T18:23:45Z'), { deviation: -120, clockStatus: 0x80 });
    expect(v).toEqual(KAIFA);
    // Midnight crossing changes the date and the day of week.
    const w = cosemDateTimeFromDate(new Date('2026-11-21T23:30:00Z'), { deviation: -60 });
    expect(w).toMatchObject({ dayOfMonth: 22, dayOfWeek: 7, hour: 0, minute: 30 });
    const x = cosemDateTimeFromDate(new Date('2026-11-21T23:30:00Z'), {
      deviation: 60,
      convention: 'local-minus-utc',
    });
    expect(x).toMatchObject({ dayOfMonth: 22, hour: 0, deviation: 60 });
  });

  it('rejects invalid input with ArgumentError', () => {
    expect(() => cosemDateTimeFromDate(new Date(NaN))).toThrow(ArgumentError);
    expect(() => cosemDateTimeFromDate(new Date(0), { deviation: 721 })).toThrow(ArgumentError);
    expect(() => cosemDateTimeFromDate(new Date(0), { deviation: 1.5 })).toThrow(ArgumentError);
    expect(() => cosemDateTimeFromDate(new Date(Date.UTC(-1, 0, 1)))).toThrow(ArgumentError);
    expect(() => cosemDateTimeFromDate(new Date(0), { clockStatus: 0x100 })).toThrow(ArgumentError);
  });

  it('toDate(fromDate(d)) is d cut to hundredths, for any deviation and convention', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1971-01-01T00:00:00Z'),
          max: new Date('2200-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -720, max: 720 }),
        fc.constantFrom('utc-minus-local', 'local-minus-utc' as const),
        (d, deviation, convention) => {
          const v = cosemDateTimeFromDate(d, { deviation, convention });
          expect(v.dayOfWeek).toBe(cosemDayOfWeek(v.year, v.month, v.dayOfMonth));
          expect(cosemDateTimeToDate(v, { convention })!.getTime()).toBe(d.getTime() - (d.getTime() % 10));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('readable format', () => {
  it('shows a concrete value with its offset and flags', () => {
    expect(formatCosemDateTime(KAIFA)).toBe('2024-06-15 Sat 20:23:45.00 UTC+02:00 (deviation -120) [dst]');
    expect(formatCosemDateTime(dt({ clockStatus: 0x03 }))).toBe(
      '2026-11-21 Sat 08:15:00.00 UTC+01:00 (deviation -60) [invalid doubtful]',
    );
    expect(formatCosemDateTime(dt({ deviation: 60 }), { convention: 'local-minus-utc' })).toContain(
      'UTC+01:00',
    );
  });

  it('shows wildcards as *', () => {
    const all: CosemDateTime = {
      year: 0xffff,
      month: 0xff,
      dayOfMonth: 0xff,
      dayOfWeek: 0xff,
      hour: 0xff,
      minute: 0xff,
      second: 0xff,
      hundredths: 0xff,
      deviation: DEVIATION_NOT_SPECIFIED,
      clockStatus: 0xff,
    };
    expect(formatCosemDateTime(all)).toBe('****-**-** * **:**:**.** local status *');
    expect(formatCosemDateTime(dt({ year: 0xffff, hour: 0xff, hundredths: 0xff, clockStatus: 0x1c }))).toBe(
      '****-11-21 Sat **:15:00.** UTC+01:00 (deviation -60) [different-clock-base invalid-status reserved-10]',
    );
  });

  it('names DST months and last days, marks reserved values', () => {
    expect(formatCosemDate({ year: 0xffff, month: 0xfe, dayOfMonth: 0xfe, dayOfWeek: 7 })).toBe(
      '****-dst-begin-last Sun',
    );
    expect(formatCosemDate({ year: 2026, month: 0xfd, dayOfMonth: 0xfd, dayOfWeek: 0xff })).toBe(
      '2026-dst-end-second-last *',
    );
    expect(formatCosemDate({ year: 2026, month: 0x20, dayOfMonth: 0xe0, dayOfWeek: 9 })).toBe(
      '2026-?20-?E0 ?09',
    );
    expect(formatCosemTime({ hour: 24, minute: 0, second: 0, hundredths: 0 })).toBe('?18:00:00.00');
  });
});
