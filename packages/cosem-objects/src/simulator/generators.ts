/**
 * Value generators of the meter simulator: functions of time (milliseconds since the epoch) that give
 * the raw value of a register or data object, so that a value read now, a value captured in a load
 * profile and a value computed for the prefilled history agree. Also the seeded pseudo-random source
 * the random walk and the fault injection draw from.
 *
 * Nothing here reads a clock: the time is always an argument.
 */
import type { Data } from '@meteringlab/dlms-core';
import type { NumericType, ProfileGenerator } from './profile.js';

/**
 * A seeded pseudo-random source (mulberry32): uniform numbers in [0, 1). Not for cryptography; the same
 * seed gives the same sequence on every run, which is what a reproducible simulation needs.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RANGES: Readonly<
  Record<
    Exclude<NumericType, 'float32' | 'float64' | 'long64' | 'long64-unsigned'>,
    readonly [number, number]
  >
> = {
  'double-long-unsigned': [0, 0xffffffff],
  'double-long': [-0x80000000, 0x7fffffff],
  'long-unsigned': [0, 0xffff],
  long: [-0x8000, 0x7fff],
  unsigned: [0, 0xff],
  integer: [-0x80, 0x7f],
};

/** A number as a Data value of a numeric type: rounded (integer types) and clamped to the type's range. */
export function numericData(type: NumericType, n: number): Data {
  switch (type) {
    case 'float32':
    case 'float64':
      return { type, value: n };
    case 'long64':
      return { type, value: BigInt(Math.round(n)) };
    case 'long64-unsigned':
      return { type, value: BigInt(Math.max(0, Math.round(n))) };
    default: {
      const [lo, hi] = RANGES[type];
      return { type, value: Math.min(hi, Math.max(lo, Math.round(n))) };
    }
  }
}

/** A generator made executable: its raw value at an instant. */
export type ValueAt = (timeMs: number) => number;

/**
 * The value function of a generator. `buildTimeMs` anchors counters without `startAt` and the random
 * walk (which starts at `start` then and stays there for earlier instants).
 */
export function generatorFunction(g: ProfileGenerator, buildTimeMs: number): ValueAt {
  switch (g.kind) {
    case 'counter': {
      const t0 = g.startAtMs ?? buildTimeMs;
      const perMs = g.ratePerHour / 3_600_000;
      return (t) => Math.max(0, Math.floor(g.start + (t - t0) * perMs));
    }
    case 'sine': {
      const w = (2 * Math.PI) / (g.periodS * 1000);
      return (t) => g.mean + g.amplitude * Math.sin(w * t);
    }
    case 'random-walk': {
      const intervalMs = g.intervalS * 1000;
      let random = seededRandom(g.seed);
      let index = 0;
      let value = g.start;
      return (t) => {
        const target = Math.floor((t - buildTimeMs) / intervalMs);
        if (target <= 0) return g.start;
        if (target < index) {
          // An earlier instant than the last one asked: replay from the start (rare: clocks go forward).
          random = seededRandom(g.seed);
          index = 0;
          value = g.start;
        }
        for (; index < target; index++) {
          value += random() < 0.5 ? -g.step : g.step;
          if (value < g.min) value = g.min;
          if (value > g.max) value = g.max;
        }
        return value;
      };
    }
  }
}
