/**
 * Data (class 1, version 0; Blue Book 4.3.1): one value of any type under a logical name, e.g. the
 * COSEM logical device name (0.0.42.0.0.255) or a serial number.
 */
import type { LogicalNameInput } from '../logical-name.js';
import { BaseObject } from './object.js';
import { valueAttribute, type ValueOptions } from './value-attribute.js';

/** Options of a {@link DataObject}. */
export interface DataObjectOptions extends ValueOptions {
  readonly logicalName: LogicalNameInput;
}

/** Data (class 1). Named `DataObject` because `Data` is the value type. */
export class DataObject extends BaseObject {
  constructor(options: DataObjectOptions) {
    super(1, 0, options.logicalName);
    this.attributes.set(2, valueAttribute(options).handler);
  }
}
