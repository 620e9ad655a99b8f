/**
 * Register (class 3, version 0; Blue Book 4.3.2) and Extended register (class 4, version 0; 4.3.3):
 * a value with its scaler_unit, plus status and capture_time for the extended one. The value is
 * served raw, the scaler_unit beside it: the client scales.
 *
 * reset (method 1) is offered when the application gives an `onReset` hook or the value is stored
 * and numeric (it is then set to zero of its type; Blue Book: "reset: the value is set to the
 * default value", which is 0 for counters).
 */
import type { Data } from '@meteringlab/dlms-core';
import type { LogicalNameInput } from '../logical-name.js';
import { scalerUnitToData, type ScalerUnit } from '../scaler.js';
import {
  ACTION_SUCCESS,
  BaseObject,
  resolve,
  type AccessContext,
  type MaybePromise,
  type Provider,
} from './object.js';
import { valueAttribute, zeroOf, type ValueOptions } from './value-attribute.js';

/** Options of a {@link Register}. */
export interface RegisterOptions extends ValueOptions {
  readonly logicalName: LogicalNameInput;
  readonly scalerUnit: ScalerUnit;
  /** Called by the reset method; without it a stored numeric value is zeroed. */
  readonly onReset?: (ctx: AccessContext) => MaybePromise<void>;
}

/** Register (class 3). */
export class Register extends BaseObject {
  readonly scalerUnit: ScalerUnit;

  constructor(options: RegisterOptions, classId = 3) {
    super(classId, 0, options.logicalName);
    this.scalerUnit = options.scalerUnit;
    const { handler, store } = valueAttribute(options);
    this.attributes.set(2, handler);
    this.attributes.set(3, { get: () => scalerUnitToData(options.scalerUnit) });
    const stored = store.get();
    const zero = stored === undefined ? undefined : zeroOf(stored);
    if (options.onReset !== undefined || zero !== undefined) {
      this.methods.set(1, async (params, ctx) => {
        if (params !== undefined && params.type !== 'integer') return { result: 'type-unmatched' };
        if (options.onReset !== undefined) await options.onReset(ctx);
        else if (zero !== undefined) store.set(zero);
        return ACTION_SUCCESS;
      });
    }
  }
}

/** Options of an {@link ExtendedRegister}. */
export interface ExtendedRegisterOptions extends RegisterOptions {
  /** Attribute 4 (status), any type; default null-data. */
  readonly status?: Provider<Data>;
  /** Attribute 5 (capture_time), an octet-string(12) date-time of the last capture; default null-data. */
  readonly captureTime?: Provider<Data>;
}

/** Extended register (class 4). */
export class ExtendedRegister extends Register {
  constructor(options: ExtendedRegisterOptions) {
    super(options, 4);
    const status = options.status ?? { type: 'null-data' };
    const captureTime = options.captureTime ?? { type: 'null-data' };
    this.attributes.set(4, { get: () => resolve(status) });
    this.attributes.set(5, { get: () => resolve(captureTime) });
  }
}
