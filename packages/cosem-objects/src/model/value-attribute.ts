/**
 * The "value" attribute shared by Data, Register and Extended register: either a stored Data value
 * (writable when asked) or a provider function (writable through an `onSet` hook).
 */
import type { Data, DataAccessResult } from '@meteringlab/dlms-core';
import {
  resolve,
  type AccessContext,
  type AttributeHandler,
  type MaybePromise,
  type Provider,
} from './object.js';

/** Options of a value attribute. */
export interface ValueOptions {
  /** The value: a Data value (stored) or a function producing it at each read. */
  readonly value: Provider<Data>;
  /**
   * Called on a SET of the value; return a Data-Access-Result to refuse (or `'success'`/nothing to
   * accept). A stored value is replaced when accepted. Without it, a stored value is writable only
   * when `writable` is true, and a provider value is read-only.
   */
  readonly onSet?: (value: Data, ctx: AccessContext) => MaybePromise<DataAccessResult | void>;
  /** Accept SETs of a stored value without a hook (type must match the current value). */
  readonly writable?: boolean;
}

/** Builds the value attribute handler; `store` reads/replaces the stored value (when not a provider). */
export function valueAttribute(options: ValueOptions): {
  handler: AttributeHandler;
  store: { get(): Data | undefined; set(v: Data): void };
} {
  let stored: Data | undefined = typeof options.value === 'function' ? undefined : options.value;
  const store = {
    get: () => stored,
    set: (v: Data) => {
      stored = v;
    },
  };
  const handler: AttributeHandler = {
    get: () => (stored !== undefined ? stored : resolve(options.value)),
  };
  if (options.onSet !== undefined || (options.writable === true && stored !== undefined)) {
    handler.set = async (v: Data, ctx: AccessContext): Promise<DataAccessResult> => {
      if (options.onSet !== undefined) {
        const r = await options.onSet(v, ctx);
        if (r !== undefined && r !== 'success') return r;
      } else if (stored !== undefined && stored.type !== v.type) {
        return 'type-unmatched';
      }
      if (stored !== undefined) stored = v;
      return 'success';
    };
  }
  return { handler, store };
}

/** Zero of the same numeric Data type, `undefined` for a non-numeric type. */
export function zeroOf(d: Data): Data | undefined {
  switch (d.type) {
    case 'long64':
    case 'long64-unsigned':
      return { type: d.type, value: 0n };
    case 'float32':
    case 'float64':
      return { type: d.type, value: 0 };
    case 'integer':
    case 'long':
    case 'double-long':
    case 'unsigned':
    case 'long-unsigned':
    case 'double-long-unsigned':
      return { type: d.type, value: 0 };
    default:
      return undefined;
  }
}
