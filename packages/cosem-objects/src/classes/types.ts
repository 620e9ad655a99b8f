/**
 * The shape of an interface-class definition (IEC 62056-6-2 / Blue Book clause 4): class id, version,
 * attributes (index, name, Data type(s), default access, static or dynamic) and methods (index, name,
 * parameter type). Definitions are data: nothing here reads or writes a value.
 */
import type { DataType } from '@meteringlab/dlms-core';

/**
 * Attribute access modes of an Association LN object list (Blue Book 4.4.4, attribute_access_item
 * `access_mode` enum, versions 0–2): 0 no access … 6 authenticated read and write.
 */
export type AttributeAccessMode =
  | 'no-access'
  | 'read-only'
  | 'write-only'
  | 'read-and-write'
  | 'authenticated-read-only'
  | 'authenticated-write-only'
  | 'authenticated-read-and-write';

/** Method access modes (method_access_item `access_mode`, versions 1–2): 0 no access, 1 access, 2 authenticated access. */
export type MethodAccessMode = 'no-access' | 'access' | 'authenticated-access';

/** One attribute of an interface class. */
export interface AttributeDefinition {
  /** Attribute index, 1-based; attribute 1 is always logical_name. */
  readonly index: number;
  /** The Blue Book's name, e.g. `'scaler_unit'`. */
  readonly name: string;
  /**
   * The Data type(s) the attribute may carry. `'any'` for a CHOICE of any simple or structured type
   * (e.g. Data.value); otherwise the listed types (`'octet-string'` for date-time attributes held as
   * octet-string(12), per the Blue Book).
   */
  readonly types: readonly DataType[] | 'any';
  /** Static attributes are configuration; dynamic ones change by the device's own processes. */
  readonly kind: 'static' | 'dynamic';
  /** A sensible default access for a management association (the Blue Book leaves it to the device). */
  readonly defaultAccess: AttributeAccessMode;
}

/** One method of an interface class. */
export interface MethodDefinition {
  /** Method index, 1-based. */
  readonly index: number;
  readonly name: string;
  /** The Data type(s) of the parameter; `'any'` when the class allows several shapes. */
  readonly parameter: readonly DataType[] | 'any';
  /** True when the Blue Book marks the method optional. */
  readonly optional: boolean;
}

/** An interface class at one version. */
export interface ClassDefinition {
  readonly classId: number;
  readonly version: number;
  /** The Blue Book's class name, e.g. `'Profile generic'`. */
  readonly name: string;
  readonly attributes: readonly AttributeDefinition[];
  readonly methods: readonly MethodDefinition[];
}
