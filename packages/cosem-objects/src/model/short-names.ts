/**
 * Short-name (SN) referencing from the object model: the map a server engine needs from a short name
 * (an object's base name plus an offset) to the attribute or method it names, built from the base
 * names an Association SN publishes, so that the association configuration does not repeat them.
 *
 * Attribute `i` of an object with base name `b` is `b + 8 × (i − 1)`; method `m` is
 * `b + first + 8 × (m − 1)`, where `first`, the offset of method 1, is given per interface class by
 * the Blue Book class descriptions (their "short name" columns). {@link SN_FIRST_METHOD_OFFSET} holds
 * it for the classes this package models; others are mapped on their attributes only unless the
 * caller supplies the offset.
 *
 * Not here: base-name assignment (the application chooses base names), SN block transfer.
 */
import type { BaseNameTarget } from '@meteringlab/dlms-core';
import { implementedAttributeIndices, implementedMethodIndices } from './access.js';
import type { CosemObject } from './object.js';

/**
 * Offset of method 1 from the base name, by class id (Blue Book class descriptions): Register 0x28,
 * Extended register 0x38, Demand register 0x48, Register activation 0x30, Profile generic 0x58,
 * Clock 0x60, Script table 0x20, Special days table 0x10, Association SN 0x20 (method 8,
 * reply_to_HLS_authentication, at 0x58), Activity calendar 0x50, Disconnect control 0x20.
 */
export const SN_FIRST_METHOD_OFFSET: ReadonlyMap<number, number> = new Map([
  [3, 0x28],
  [4, 0x38],
  [5, 0x48],
  [6, 0x30],
  [7, 0x58],
  [8, 0x60],
  [9, 0x20],
  [11, 0x10],
  [12, 0x20],
  [20, 0x50],
  [70, 0x20],
]);

/** One object listed with its base name. */
export interface ShortNameEntry {
  readonly baseName: number;
  readonly object: CosemObject;
}

/** Options of {@link shortNameResolver}. */
export interface ShortNameOptions {
  /** Offsets of method 1 by class id, over {@link SN_FIRST_METHOD_OFFSET}. */
  readonly firstMethodOffsets?: ReadonlyMap<number, number>;
}

/**
 * The short-name map of a list of objects (what `ServerAssociationConfig.baseNames` takes). Built once:
 * lookups are a map access. Names that two objects would share keep the first object's meaning.
 */
export function shortNameResolver(
  entries: readonly ShortNameEntry[],
  options: ShortNameOptions = {},
): (shortName: number) => BaseNameTarget | undefined {
  const map = new Map<number, BaseNameTarget>();
  const put = (sn: number, t: BaseNameTarget) => {
    if (sn >= 0 && sn <= 0xffff && !map.has(sn)) map.set(sn, t);
  };
  for (const { baseName, object: o } of entries) {
    const instanceId = o.logicalName;
    for (const attributeId of implementedAttributeIndices(o)) {
      put(baseName + 8 * (attributeId - 1), {
        type: 'attribute',
        descriptor: { classId: o.classId, instanceId, attributeId },
      });
    }
    const first = options.firstMethodOffsets?.get(o.classId) ?? SN_FIRST_METHOD_OFFSET.get(o.classId);
    if (first === undefined) continue;
    for (const methodId of implementedMethodIndices(o)) {
      put(baseName + first + 8 * (methodId - 1), {
        type: 'method',
        descriptor: { classId: o.classId, instanceId, methodId },
      });
    }
  }
  return (shortName) => map.get(shortName);
}
