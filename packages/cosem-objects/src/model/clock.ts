/**
 * Clock (class 8, version 0; Blue Book 4.5.1): the device time, read from an injected `now()`
 * provider plus an offset that SETs of `time` and the adjusting methods change. Nothing here keeps
 * time or starts a timer.
 *
 * time_zone is in minutes with the Blue Book's deviation sign (local = UTC − time_zone, CET = −60,
 * see dlms-core `datetime-convert.ts`). When daylight saving is active (an injected `dstActive(date)`
 * rule, default never) the deviation of `time` is time_zone − daylight_savings_deviation and the
 * status carries bit 7 (daylight saving active). daylight_savings_begin/end are stored as given; this
 * class does not evaluate their wildcard rules (pass `dstActive` for that).
 *
 * Methods: 1 adjust_to_quarter, 2 adjust_to_measuring_period (needs `measuringPeriodS`), 3
 * adjust_to_minute (nearest, ±30 s), 4 adjust_to_preset_time, 5 preset_adjusting_time, 6 shift_time
 * (long, −900…900 s).
 */
import {
  cosemDateTimeFromDate,
  cosemDateTimeToDate,
  ClockStatus,
  type CosemDateTime,
  type Data,
} from '@meteringlab/dlms-core';
import { dateTimeFromData, dateTimeToData } from '../decoders.js';
import type { LogicalNameInput } from '../logical-name.js';
import { ACTION_SUCCESS, BaseObject } from './object.js';

/** Options of a {@link Clock}. */
export interface ClockOptions {
  /** Default 0.0.1.0.0.255. */
  readonly logicalName?: LogicalNameInput;
  /** The host's time source; default `() => new Date()`. */
  readonly now?: () => Date;
  /** time_zone in minutes, Blue Book sign (CET = −60). Default 0. */
  readonly timeZone?: number;
  /** Base clock status (bits 0–3); bit 7 is set from the DST rule. Default 0. */
  readonly status?: number;
  /** daylight_savings_begin / _end as COSEM date-times (wildcards allowed). Default all wildcards. */
  readonly daylightSavingsBegin?: CosemDateTime;
  readonly daylightSavingsEnd?: CosemDateTime;
  /** daylight_savings_deviation in minutes (integer). Default 60. */
  readonly daylightSavingsDeviation?: number;
  /** daylight_savings_enabled. Default false. */
  readonly daylightSavingsEnabled?: boolean;
  /** Whether DST is in force at an instant (used when enabled). Default: never. */
  readonly dstActive?: (date: Date) => boolean;
  /** clock_base enum: 0 not defined, 1 internal crystal, 2 mains 50 Hz, 3 mains 60 Hz, 4 GPS, 5 radio. Default 1. */
  readonly clockBase?: number;
  /** Measuring period for adjust_to_measuring_period, in seconds. */
  readonly measuringPeriodS?: number;
  /** Told whenever the offset to the host clock changes (SET of time, adjusting methods). */
  readonly onAdjust?: (offsetMs: number) => void;
}

const WILDCARD: CosemDateTime = {
  year: 0xffff,
  month: 0xff,
  dayOfMonth: 0xff,
  dayOfWeek: 0xff,
  hour: 0xff,
  minute: 0xff,
  second: 0xff,
  hundredths: 0xff,
  deviation: -0x8000,
  clockStatus: 0xff,
};

/** Clock (class 8). */
export class Clock extends BaseObject {
  private readonly hostNow: () => Date;
  private offsetMs = 0;
  private timeZone: number;
  private status: number;
  private dstBegin: CosemDateTime;
  private dstEnd: CosemDateTime;
  private dstDeviation: number;
  private dstEnabled: boolean;
  private preset: { time: CosemDateTime; from: CosemDateTime; to: CosemDateTime } | undefined;

  constructor(private readonly options: ClockOptions = {}) {
    super(8, 0, options.logicalName ?? '0.0.1.0.0.255');
    this.hostNow = options.now ?? (() => new Date());
    this.timeZone = options.timeZone ?? 0;
    this.status = options.status ?? 0;
    this.dstBegin = options.daylightSavingsBegin ?? WILDCARD;
    this.dstEnd = options.daylightSavingsEnd ?? WILDCARD;
    this.dstDeviation = options.daylightSavingsDeviation ?? 60;
    this.dstEnabled = options.daylightSavingsEnabled ?? false;

    this.attributes.set(2, {
      get: () => dateTimeToData(this.dateTime()),
      set: (v) => {
        const dt = dateTimeFromData(v);
        if (dt === undefined) return 'type-unmatched';
        const at = cosemDateTimeToDate(dt, { unspecifiedDeviation: this.deviation(this.now()) });
        if (at === undefined) return 'other-reason';
        this.setOffset(at.getTime() - this.hostNow().getTime());
        return 'success';
      },
    });
    this.attributes.set(3, {
      get: () => ({ type: 'long', value: this.timeZone }),
      set: (v) => {
        if (v.type !== 'long') return 'type-unmatched';
        if (v.value < -720 || v.value > 720) return 'other-reason';
        this.timeZone = v.value;
        return 'success';
      },
    });
    this.attributes.set(4, { get: () => ({ type: 'unsigned', value: this.statusAt(this.now()) }) });
    this.attributes.set(
      5,
      this.dateTimeAttr(
        () => this.dstBegin,
        (d) => (this.dstBegin = d),
      ),
    );
    this.attributes.set(
      6,
      this.dateTimeAttr(
        () => this.dstEnd,
        (d) => (this.dstEnd = d),
      ),
    );
    this.attributes.set(7, {
      get: () => ({ type: 'integer', value: this.dstDeviation }),
      set: (v) => {
        if (v.type !== 'integer') return 'type-unmatched';
        this.dstDeviation = v.value;
        return 'success';
      },
    });
    this.attributes.set(8, {
      get: () => ({ type: 'boolean', value: this.dstEnabled }),
      set: (v) => {
        if (v.type !== 'boolean') return 'type-unmatched';
        this.dstEnabled = v.value;
        return 'success';
      },
    });
    this.attributes.set(9, { get: () => ({ type: 'enum', value: options.clockBase ?? 1 }) });

    this.methods.set(1, () => this.roundTo(15 * 60));
    if (options.measuringPeriodS !== undefined && options.measuringPeriodS > 0) {
      const period = options.measuringPeriodS;
      this.methods.set(2, () => this.roundTo(period));
    }
    this.methods.set(3, () => this.roundTo(60));
    this.methods.set(4, () => {
      const p = this.preset;
      if (p === undefined) return { result: 'other-reason' };
      const now = this.now();
      const dev = { unspecifiedDeviation: this.deviation(now) };
      const from = cosemDateTimeToDate(p.from, dev);
      const to = cosemDateTimeToDate(p.to, dev);
      const target = cosemDateTimeToDate(p.time, dev);
      if (from === undefined || to === undefined || target === undefined) return { result: 'other-reason' };
      // Blue Book: the preset time is applied only when the current time lies in the validity interval.
      if (now < from || now > to) return { result: 'other-reason' };
      this.setOffset(target.getTime() - this.hostNow().getTime());
      this.preset = undefined;
      return ACTION_SUCCESS;
    });
    this.methods.set(5, (params) => {
      if (params?.type !== 'structure' || params.value.length !== 3) return { result: 'type-unmatched' };
      const [t, f, to] = params.value.map(dateTimeFromData);
      if (t === undefined || f === undefined || to === undefined) return { result: 'type-unmatched' };
      this.preset = { time: t, from: f, to };
      return ACTION_SUCCESS;
    });
    this.methods.set(6, (params) => {
      if (params?.type !== 'long') return { result: 'type-unmatched' };
      if (params.value < -900 || params.value > 900) return { result: 'other-reason' };
      this.setOffset(this.offsetMs + params.value * 1000);
      return ACTION_SUCCESS;
    });
  }

  /** The device's current time (host time plus offset). */
  now(): Date {
    return new Date(this.hostNow().getTime() + this.offsetMs);
  }

  /** Offset of the device time to the host clock, in milliseconds. */
  get offset(): number {
    return this.offsetMs;
  }

  /** The deviation in force at an instant (time_zone, minus the DST deviation when active). */
  deviation(at: Date): number {
    return this.dstIn(at) ? this.timeZone - this.dstDeviation : this.timeZone;
  }

  /** The current time as a COSEM date-time in the device's local time. */
  dateTime(): CosemDateTime {
    const now = this.now();
    return cosemDateTimeFromDate(now, { deviation: this.deviation(now), clockStatus: this.statusAt(now) });
  }

  private dstIn(at: Date): boolean {
    return this.dstEnabled && (this.options.dstActive?.(at) ?? false);
  }

  private statusAt(at: Date): number {
    return (this.status & 0x7f) | (this.dstIn(at) ? ClockStatus.daylightSavingActive : 0);
  }

  private setOffset(ms: number): void {
    this.offsetMs = ms;
    this.options.onAdjust?.(ms);
  }

  /** Moves the device time to the nearest multiple of `periodS` seconds (half rounds up). */
  private roundTo(periodS: number): { result: 'success' } {
    const now = this.now().getTime();
    const p = periodS * 1000;
    const rounded = Math.round(now / p) * p;
    this.setOffset(this.offsetMs + (rounded - now));
    return { result: 'success' };
  }

  private dateTimeAttr(get: () => CosemDateTime, set: (d: CosemDateTime) => void) {
    return {
      get: (): Data => dateTimeToData(get()),
      set: (v: Data) => {
        const d = dateTimeFromData(v);
        if (d === undefined) return 'type-unmatched' as const;
        set(d);
        return 'success' as const;
      },
    };
  }
}
