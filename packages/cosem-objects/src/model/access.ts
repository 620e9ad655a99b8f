/**
 * Access rights of the object model: the rights an association grants on each object (the
 * access_rights of its object_list, Blue Book 4.4.4) and the check the engine runs before it calls
 * an object.
 *
 * Named modes (Association LN versions 0–2) are checked fully, including "authenticated" modes,
 * which require the association to be authenticated. Bit-mapped modes (version 3) are checked on the
 * read/write (method: access) bits only: bits 2–7 demand protection of the request and response
 * (authenticated, encrypted, signed), which only the engine that deciphered the request can verify.
 */
import type { DataAccessResult } from '@meteringlab/dlms-core';
import type { AccessRights, AttributeAccess, MethodAccess } from '../decoders.js';
import { classDefinition } from '../classes/definitions.js';
import type { AttributeAccessMode, MethodAccessMode } from '../classes/types.js';
import { normalizeLogicalName, type LogicalNameInput } from '../logical-name.js';
import { BaseObject, type AccessContext, type CosemObject } from './object.js';

/** Kind of request being checked. */
export type AccessKind = 'get' | 'set' | 'action';

/** What an association answers about an object: its rights, or `undefined` when it cannot see it. */
export interface AssociationRights {
  readonly clientSap: number;
  rightsFor(obj: CosemObject): AccessRights | undefined;
}

/** A rule giving the rights on an object (`undefined`: the object is not visible). */
export type RightsPolicy = (obj: CosemObject) => AccessRights | undefined;

function implementedAttributes(obj: CosemObject): { index: number; selectors?: readonly number[] }[] {
  if (obj instanceof BaseObject) {
    return obj.attributeIndices().map((index) => {
      const selectors = obj.attributeSelectors(index);
      return selectors === undefined ? { index } : { index, selectors };
    });
  }
  return (classDefinition(obj.classId, obj.version)?.attributes ?? []).map((a) => ({ index: a.index }));
}

function implementedMethods(obj: CosemObject): number[] {
  if (obj instanceof BaseObject) return obj.methodIndices();
  return (classDefinition(obj.classId, obj.version)?.methods ?? []).map((m) => m.index);
}

/** Rights with every implemented attribute at `attr` (selectors included) and every method at `method`. */
export function uniformRights(
  obj: CosemObject,
  attr: AttributeAccessMode,
  method: MethodAccessMode,
): AccessRights {
  return {
    attributes: implementedAttributes(obj).map(({ index, selectors }) => {
      const mode: AttributeAccessMode = index === 1 ? 'read-only' : attr;
      return selectors === undefined ? { index, access: mode } : { index, access: mode, selectors };
    }),
    methods: implementedMethods(obj).map((index) => ({ index, access: method })),
  };
}

/** Every attribute at the class definition's default access, every method accessible. */
export const defaultRights: RightsPolicy = (obj) => {
  const def = classDefinition(obj.classId, obj.version);
  return {
    attributes: implementedAttributes(obj).map(({ index, selectors }) => {
      const access = def?.attributes.find((a) => a.index === index)?.defaultAccess ?? 'read-only';
      return selectors === undefined ? { index, access } : { index, access, selectors };
    }),
    methods: implementedMethods(obj).map((index) => ({ index, access: 'access' as const })),
  };
};

/** Every attribute read-only, no method: a public client's rights. */
export const readOnlyRights: RightsPolicy = (obj) => uniformRights(obj, 'read-only', 'no-access');

/** Every attribute read and write (logical_name read-only), every method. */
export const fullRights: RightsPolicy = (obj) => uniformRights(obj, 'read-and-write', 'access');

/** True when an attribute access mode allows `kind` ('get' or 'set'). */
export function attributeModeAllows(
  mode: AttributeAccessMode | number,
  kind: 'get' | 'set',
  authenticated: boolean,
): boolean {
  if (typeof mode === 'number') return (mode & (kind === 'get' ? 1 : 2)) !== 0;
  switch (mode) {
    case 'no-access':
      return false;
    case 'read-only':
      return kind === 'get';
    case 'write-only':
      return kind === 'set';
    case 'read-and-write':
      return true;
    case 'authenticated-read-only':
      return authenticated && kind === 'get';
    case 'authenticated-write-only':
      return authenticated && kind === 'set';
    case 'authenticated-read-and-write':
      return authenticated;
  }
}

/** True when a method access mode allows invocation. */
export function methodModeAllows(mode: MethodAccessMode | number, authenticated: boolean): boolean {
  if (typeof mode === 'number') return (mode & 1) !== 0;
  return mode === 'access' || (mode === 'authenticated-access' && authenticated);
}

/**
 * Checks a request against the rights of the association the request arrives on (found through
 * `ctx.device` and `ctx.clientSap`). Returns `'success'` or the Data-Access-Result to answer:
 * `object-undefined` (no such object, or not visible in this association), `object-class-inconsistent`
 * (the logical name exists with another class), `read-write-denied` (no association or no right).
 * Internal requests (`ctx.internal`) are always allowed.
 */
export function checkAccess(
  ctx: AccessContext,
  classId: number,
  logicalName: LogicalNameInput,
  index: number,
  kind: AccessKind,
): DataAccessResult {
  if (ctx.internal === true) return 'success';
  const device = ctx.device;
  if (device === undefined) return 'read-write-denied';
  const obj = device.find(classId, logicalName, ctx);
  if (obj === undefined) {
    return device.findByName(logicalName, ctx) === undefined
      ? 'object-undefined'
      : 'object-class-inconsistent';
  }
  const association = device.associationFor(ctx.clientSap);
  if (association === undefined) return 'read-write-denied';
  const rights = association.rightsFor(obj);
  if (rights === undefined) return 'object-undefined';
  if (kind === 'action') {
    const m: MethodAccess | undefined = rights.methods.find((x) => x.index === index);
    return m !== undefined && methodModeAllows(m.access, ctx.authenticated) ? 'success' : 'read-write-denied';
  }
  const a: AttributeAccess | undefined = rights.attributes.find((x) => x.index === index);
  return a !== undefined && attributeModeAllows(a.access, kind, ctx.authenticated)
    ? 'success'
    : 'read-write-denied';
}

/** The key of an object in a device: `${classId}/${obis}`. */
export function objectKey(classId: number, logicalName: LogicalNameInput): string {
  return `${classId}/${normalizeLogicalName(logicalName)}`;
}
