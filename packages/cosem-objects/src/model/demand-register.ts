/**
 * Demand register (class 5, version 0; Blue Book 4.3.4): the average of a quantity over a period,
 * with sliding windows of `number_of_periods` subperiods.
 *
 * The instantaneous quantity comes from a provider (`sample()`, raw units of the scaler_unit) and
 * is integrated on every read and at every period boundary, each sample held until the next
 * (rectangle rule), against an injected `now()`. Nothing runs by itself: the integral is brought up
 * to date lazily, so reads must come at least as often as the quantity changes for a faithful
 * average; an application that wants exact integrals calls `update()` from its own timer.
 *
 * Per the Blue Book: current_average_value = energy accumulated in the current window so far /
 * (number_of_periods × period) ("running demand"); at the end of each (sub)period
 * last_average_value = energy of the last number_of_periods subperiods / (number_of_periods ×
 * period), capture_time = the end of that period, start_time_current = the start of the new one.
 * Periods are aligned on multiples of `period` since the Unix epoch (UTC). Method 1 reset clears
 * both averages and restarts at now; method 2 next_period closes the current period at once.
 */
import { cosemDateTimeFromDate, type Data } from '@meteringlab/dlms-core';
import { dateTimeToData } from '../decoders.js';
import type { LogicalNameInput } from '../logical-name.js';
import { scalerUnitToData, type ScalerUnit } from '../scaler.js';
import { ACTION_SUCCESS, BaseObject, type MaybePromise } from './object.js';

/** Options of a {@link DemandRegister}. */
export interface DemandRegisterOptions {
  readonly logicalName: LogicalNameInput;
  readonly scalerUnit: ScalerUnit;
  /** The instantaneous quantity in raw units (e.g. W with scaler 0). */
  readonly sample: () => MaybePromise<number>;
  /** period in seconds (attribute 8). Default 900. */
  readonly periodS?: number;
  /** number_of_periods (attribute 9), sliding window length. Default 1. */
  readonly numberOfPeriods?: number;
  /** Time source. Default `() => new Date()`. */
  readonly now?: () => Date;
  /** Deviation (minutes, Blue Book sign) of the date-times served. Default 0 (UTC). */
  readonly deviation?: number;
  /** Data type of the averages. Default `'double-long'`. Averages are rounded to integers for integer types. */
  readonly valueType?:
    'double-long' | 'double-long-unsigned' | 'long' | 'long-unsigned' | 'float32' | 'float64';
}

/** Demand register (class 5). */
export class DemandRegister extends BaseObject {
  private readonly now: () => Date;
  private periodS: number;
  private numberOfPeriods: number;
  /** Energy (raw × s) of the completed subperiods of the current window, newest last. */
  private closed: number[] = [];
  /** Energy of the running subperiod. */
  private running = 0;
  private lastSampleMs: number;
  private lastSample = 0;
  private periodStartMs: number;
  private lastAverage = 0;
  private captureMs: number | undefined;

  constructor(private readonly options: DemandRegisterOptions) {
    super(5, 0, options.logicalName);
    this.now = options.now ?? (() => new Date());
    this.periodS = options.periodS ?? 900;
    this.numberOfPeriods = options.numberOfPeriods ?? 1;
    const t = this.now().getTime();
    this.lastSampleMs = t;
    this.periodStartMs = this.alignedStart(t);

    this.attributes.set(2, {
      get: async () => this.value(await this.update().then(() => this.currentAverage())),
    });
    this.attributes.set(3, { get: async () => this.value(await this.update().then(() => this.lastAverage)) });
    this.attributes.set(4, { get: () => scalerUnitToData(options.scalerUnit) });
    this.attributes.set(5, { get: () => ({ type: 'null-data' }) });
    this.attributes.set(6, {
      get: async () => {
        await this.update();
        return this.captureMs === undefined ? { type: 'null-data' } : this.dateTime(this.captureMs);
      },
    });
    this.attributes.set(7, {
      get: async () => {
        await this.update();
        return this.dateTime(this.periodStartMs);
      },
    });
    this.attributes.set(8, {
      get: () => ({ type: 'double-long-unsigned', value: this.periodS }),
      set: (v) => {
        if (v.type !== 'double-long-unsigned') return 'type-unmatched';
        if (v.value < 1) return 'other-reason';
        this.periodS = v.value;
        this.restart();
        return 'success';
      },
    });
    this.attributes.set(9, {
      get: () => ({ type: 'long-unsigned', value: this.numberOfPeriods }),
      set: (v) => {
        if (v.type !== 'long-unsigned') return 'type-unmatched';
        if (v.value < 1) return 'other-reason';
        this.numberOfPeriods = v.value;
        this.restart();
        return 'success';
      },
    });
    this.methods.set(1, async () => {
      await this.update();
      this.lastAverage = 0;
      this.captureMs = undefined;
      this.restart();
      return ACTION_SUCCESS;
    });
    this.methods.set(2, async () => {
      await this.update();
      this.closePeriod(this.now().getTime());
      return ACTION_SUCCESS;
    });
  }

  /** Brings the integral up to now: integrates the held sample, closes crossed period boundaries, samples anew. */
  async update(): Promise<void> {
    const t = this.now().getTime();
    let end = this.periodStartMs + this.periodS * 1000;
    while (end <= t) {
      this.integrate(end);
      this.closePeriod(end);
      end = this.periodStartMs + this.periodS * 1000;
    }
    this.integrate(t);
    this.lastSample = await this.options.sample();
  }

  /** current_average_value in raw units. */
  currentAverage(): number {
    const energy = this.closed.reduce((a, b) => a + b, 0) + this.running;
    return energy / (this.numberOfPeriods * this.periodS);
  }

  private integrate(toMs: number): void {
    if (toMs > this.lastSampleMs) this.running += (this.lastSample * (toMs - this.lastSampleMs)) / 1000;
    this.lastSampleMs = Math.max(this.lastSampleMs, toMs);
  }

  private closePeriod(atMs: number): void {
    this.closed.push(this.running);
    while (this.closed.length > this.numberOfPeriods) this.closed.shift();
    this.lastAverage = this.closed.reduce((a, b) => a + b, 0) / (this.numberOfPeriods * this.periodS);
    // The sliding window keeps number_of_periods − 1 subperiods into the next window.
    while (this.closed.length > this.numberOfPeriods - 1) this.closed.shift();
    this.running = 0;
    this.captureMs = atMs;
    this.periodStartMs = atMs;
  }

  private restart(): void {
    const t = this.now().getTime();
    this.closed = [];
    this.running = 0;
    this.lastSampleMs = t;
    this.periodStartMs = this.alignedStart(t);
  }

  private alignedStart(t: number): number {
    const p = this.periodS * 1000;
    return Math.floor(t / p) * p;
  }

  private dateTime(ms: number): Data {
    return dateTimeToData(cosemDateTimeFromDate(new Date(ms), { deviation: this.options.deviation ?? 0 }));
  }

  private value(v: number): Data {
    const type = this.options.valueType ?? 'double-long';
    if (type === 'float32' || type === 'float64') return { type, value: v };
    return { type, value: Math.round(v) };
  }
}
