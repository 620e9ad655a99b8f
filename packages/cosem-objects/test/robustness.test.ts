/**
 * Peer data never makes the readers throw: arbitrary Data values (fixtures' arbitraries) give a
 * result or `undefined`, and `notificationReadings` always returns.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arbData, arbConcreteCosemDateTime } from '@meteringlab/fixtures';
import type { Data } from '@meteringlab/dlms-core';
import {
  captureObjectsFromData,
  clockFromData,
  dateTimeToData,
  notificationReadings,
  objectListFromData,
  profileRows,
  registerValue,
  shortNameObjectListFromData,
} from '@meteringlab/cosem-objects';

describe('readers on arbitrary Data', () => {
  it('never throw', () => {
    fc.assert(
      fc.property(arbData(), arbData({ maxDepth: 1 }), (d, e) => {
        const r = notificationReadings(d);
        expect(Array.isArray(r.readings)).toBe(true);
        if (r.readings.length === 0) expect(r.unparsed).toBe(d);
        notificationReadings(d, {
          captureObjects: [{ classId: 3, logicalName: '1.0.1.8.0.255', attributeIndex: 2 }],
        });
        objectListFromData(d);
        shortNameObjectListFromData(d);
        captureObjectsFromData(d);
        clockFromData(d, { timeZone: e, status: e });
        registerValue(d, e);
        profileRows(d, [{ classId: 8, logicalName: '0.0.1.0.0.255', attributeIndex: 2, dataIndex: 0 }], {
          capturePeriodS: 900,
        });
      }),
      { numRuns: 200 },
    );
  });

  it('entry lists built from arbitrary values read back every OBIS in order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.uint8Array({ minLength: 6, maxLength: 6 }),
            fc.integer({ min: 0, max: 2 ** 32 - 1 }),
            fc.integer({ min: -6, max: 6 }),
          ),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        arbConcreteCosemDateTime(),
        (entries, dt) => {
          const body: Data = {
            type: 'array',
            value: [
              {
                type: 'structure',
                value: [
                  { type: 'octet-string', value: Uint8Array.of(0, 0, 1, 0, 0, 255) },
                  dateTimeToData(dt),
                ],
              },
              ...entries.map(([ln, v, s]): Data => ({
                type: 'structure',
                value: [
                  { type: 'octet-string', value: ln },
                  { type: 'double-long-unsigned', value: v },
                  {
                    type: 'structure',
                    value: [
                      { type: 'integer', value: s },
                      { type: 'enum', value: 30 },
                    ],
                  },
                ],
              })),
            ],
          };
          const r = notificationReadings(body);
          expect(r.readings.length).toBe(entries.length + 1);
          r.readings.slice(1).forEach((x, i) => {
            expect(x.obis).toBe([...entries[i]![0]].join('.'));
            expect(x.raw).toBe(entries[i]![1]);
            expect(x.value).toBe(Number(`${entries[i]![1]}e${entries[i]![2]}`));
          });
        },
      ),
    );
  });
});
