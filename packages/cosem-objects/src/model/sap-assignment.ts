/**
 * SAP assignment (class 17, version 0; Blue Book 4.4.5): which logical device answers at which
 * server SAP, with its COSEM logical device name. Usually served by the management logical device
 * (0.0.41.0.0.255). connect_logical_device (method 1) adds or updates one entry (an empty name
 * removes it); the application is told through `onChange`.
 */
import type { Data } from '@meteringlab/dlms-core';
import type { LogicalNameInput } from '../logical-name.js';
import { ACTION_SUCCESS, BaseObject, type MaybePromise } from './object.js';

/** One SAP_assignment_list entry. */
export interface SapAssignmentEntry {
  readonly sap: number;
  /** The logical device name (octet string, up to 16 bytes; text is encoded as Latin-1/ASCII). */
  readonly logicalDeviceName: string | Uint8Array;
}

/** Options of a {@link SapAssignment}. */
export interface SapAssignmentOptions {
  /** Default 0.0.41.0.0.255. */
  readonly logicalName?: LogicalNameInput;
  readonly entries: readonly SapAssignmentEntry[];
  readonly onChange?: (
    entries: readonly { sap: number; logicalDeviceName: Uint8Array }[],
  ) => MaybePromise<void>;
}

function bytesOf(n: string | Uint8Array): Uint8Array {
  return typeof n === 'string' ? Uint8Array.from(n, (c) => c.charCodeAt(0) & 0xff) : n;
}

/** SAP assignment (class 17). */
export class SapAssignment extends BaseObject {
  private list: { sap: number; logicalDeviceName: Uint8Array }[];

  constructor(options: SapAssignmentOptions) {
    super(17, 0, options.logicalName ?? '0.0.41.0.0.255');
    this.list = options.entries.map((e) => ({ sap: e.sap, logicalDeviceName: bytesOf(e.logicalDeviceName) }));
    this.attributes.set(2, {
      get: (): Data => ({
        type: 'array',
        value: this.list.map((e) => ({
          type: 'structure',
          value: [
            { type: 'long-unsigned', value: e.sap },
            { type: 'octet-string', value: e.logicalDeviceName },
          ],
        })),
      }),
    });
    this.methods.set(1, async (p) => {
      if (p?.type !== 'structure' || p.value.length !== 2) return { result: 'type-unmatched' };
      const [sap, name] = p.value as [Data, Data];
      if (sap.type !== 'long-unsigned' || name.type !== 'octet-string') return { result: 'type-unmatched' };
      this.list = this.list.filter((e) => e.sap !== sap.value);
      if (name.value.length > 0) this.list.push({ sap: sap.value, logicalDeviceName: name.value.slice() });
      this.list.sort((a, b) => a.sap - b.sap);
      await options.onChange?.(this.list);
      return ACTION_SUCCESS;
    });
  }
}
