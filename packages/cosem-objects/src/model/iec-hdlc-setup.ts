/**
 * IEC HDLC setup (class 23, version 1; Blue Book 4.6.3): the HDLC link parameters of a port, as
 * stored attributes the HDLC transport reads (and a client may write). Writes are checked against
 * the Blue Book ranges: comm_speed 0–9 (300…115200 baud), window sizes 1–7, max info field lengths
 * 32–2030, device_address 0x0010–0x3FFD for a physical address (0 … reserved values accepted as
 * given since logical addresses use the same attribute).
 */
import type { Data } from '@meteringlab/dlms-core';
import type { LogicalNameInput } from '../logical-name.js';
import { BaseObject } from './object.js';

/** Options of an {@link IecHdlcSetup}; every attribute has the Blue Book default. */
export interface IecHdlcSetupOptions {
  /** Default 0.0.22.0.0.255. */
  readonly logicalName?: LogicalNameInput;
  /** comm_speed enum 0–9: 0 300, 1 600, 2 1200, 3 2400, 4 4800, 5 9600, 6 19200, 7 38400, 8 57600, 9 115200 baud. Default 5. */
  readonly commSpeed?: number;
  /** Default 1. */
  readonly windowSizeTransmit?: number;
  /** Default 1. */
  readonly windowSizeReceive?: number;
  /** Default 128. */
  readonly maxInfoFieldLengthTransmit?: number;
  /** Default 128. */
  readonly maxInfoFieldLengthReceive?: number;
  /** inter_octet_time_out in ms. Default 25. */
  readonly interOctetTimeoutMs?: number;
  /** inactivity_time_out in s (0: none). Default 120. */
  readonly inactivityTimeoutS?: number;
  /** device_address. Default 0x10. */
  readonly deviceAddress?: number;
  /** Told after every accepted write, with the attribute index and the new value. */
  readonly onChange?: (attributeIndex: number, value: Data) => void;
}

/** IEC HDLC setup (class 23). */
export class IecHdlcSetup extends BaseObject {
  private readonly values = new Map<number, () => Data>();

  constructor(options: IecHdlcSetupOptions = {}) {
    super(23, 1, options.logicalName ?? '0.0.22.0.0.255');
    const range = (lo: number, hi: number) => (v: Data) =>
      'value' in v && typeof v.value === 'number' && v.value >= lo && v.value <= hi
        ? undefined
        : ('other-reason' as const);
    const add = (index: number, d: Data, validate: (v: Data) => 'other-reason' | undefined) => {
      const a = this.stored(index, d, { validate, onSet: (v) => options.onChange?.(index, v) });
      this.values.set(index, a.current);
    };
    add(2, { type: 'enum', value: options.commSpeed ?? 5 }, range(0, 9));
    add(3, { type: 'unsigned', value: options.windowSizeTransmit ?? 1 }, range(1, 7));
    add(4, { type: 'unsigned', value: options.windowSizeReceive ?? 1 }, range(1, 7));
    add(5, { type: 'long-unsigned', value: options.maxInfoFieldLengthTransmit ?? 128 }, range(32, 2030));
    add(6, { type: 'long-unsigned', value: options.maxInfoFieldLengthReceive ?? 128 }, range(32, 2030));
    add(7, { type: 'long-unsigned', value: options.interOctetTimeoutMs ?? 25 }, range(20, 6000));
    add(8, { type: 'long-unsigned', value: options.inactivityTimeoutS ?? 120 }, range(0, 0xffff));
    add(9, { type: 'long-unsigned', value: options.deviceAddress ?? 0x10 }, range(0, 0x3fff));
  }

  /** The current value of an attribute (2–9) as a number. */
  numberOf(attributeIndex: number): number | undefined {
    const d = this.values.get(attributeIndex)?.();
    return d !== undefined && 'value' in d && typeof d.value === 'number' ? d.value : undefined;
  }
}
