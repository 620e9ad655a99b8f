/**
 * Access rights of the object model: the rights an association grants on each object (the
 * access_rights of its object_list, Blue Book 4.4.4) and the check the engine runs before it calls
 * an object.
 *
 * Named modes (Association LN versions 0–2) are checked fully, including "authenticated" modes,
 * which require the association to be authenticated. Bit-mapped modes (version 3, Blue Book 4.4.4
 * access_mode / method access_mode) are checked on every bit: read/write (method: access), the
 * protection the request must have carried (authenticated, encrypted, digitally signed; from
 * `ctx.protection`, which the engine fills from the verified security control), and the protection the
 * response must get (refused when `ctx.responseProtection` says the engine cannot give it). The driver
 * asks {@link responseProtectionFor} what to demand of the engine for the response.
 *
 * Not here: which key or signature is used (the engine's), and protection of internal requests.
 */
import type { DataAccessResult } from '@meteringlab/dlms-core';
import type { AccessRights, AttributeAccess, MethodAccess } from '../decoders.js';
import { classDefinition } from '../classes/definitions.js';
import type { AttributeAccessMode, MethodAccessMode } from '../classes/types.js';
import { normalizeLogicalName, type LogicalNameInput } from '../logical-name.js';
import { BaseObject, type AccessContext, type CosemObject, type MessageProtection } from './object.js';

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

/** Indices of the attributes an object implements (its table, or its class definition). */
export function implementedAttributeIndices(obj: CosemObject): number[] {
  return implementedAttributes(obj).map((a) => a.index);
}

/** Indices of the methods an object implements (its table, or its class definition). */
export function implementedMethodIndices(obj: CosemObject): number[] {
  return implementedMethods(obj);
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

/** The rights the built-in policies gave an object, valid while its tables are unchanged. */
interface CachedRights {
  readonly version: number;
  defaults?: AccessRights;
  readOnly?: AccessRights;
  full?: AccessRights;
}

const CACHED_RIGHTS = new WeakMap<CosemObject, CachedRights>();

/**
 * The rights `build` gives a table-driven object, kept per object and policy: the access check asks for
 * them on every request. Kept only while the object's tables are unchanged (`tableVersion`) and only
 * for objects that list their attributes and methods the way `BaseObject` does; others are built anew.
 */
function cachedRights(
  obj: CosemObject,
  which: 'defaults' | 'readOnly' | 'full',
  build: (obj: CosemObject) => AccessRights,
): AccessRights {
  if (
    !(obj instanceof BaseObject) ||
    obj.attributeIndices !== BASE.attributeIndices ||
    obj.methodIndices !== BASE.methodIndices ||
    obj.attributeSelectors !== BASE.attributeSelectors
  )
    return build(obj);
  const version = obj.tableVersion;
  let c = CACHED_RIGHTS.get(obj);
  if (c === undefined || c.version !== version) {
    c = { version };
    CACHED_RIGHTS.set(obj, c);
  }
  return (c[which] ??= build(obj));
}

const BASE = BaseObject.prototype;

/** Every attribute at the class definition's default access, every method accessible. */
export const defaultRights: RightsPolicy = (obj) => cachedRights(obj, 'defaults', buildDefaultRights);

function buildDefaultRights(obj: CosemObject): AccessRights {
  const def = classDefinition(obj.classId, obj.version);
  return {
    attributes: implementedAttributes(obj).map(({ index, selectors }) => {
      const access = def?.attributes.find((a) => a.index === index)?.defaultAccess ?? 'read-only';
      return selectors === undefined ? { index, access } : { index, access, selectors };
    }),
    methods: implementedMethods(obj).map((index) => ({ index, access: 'access' as const })),
  };
}

/** Every attribute read-only, no method: a public client's rights. */
export const readOnlyRights: RightsPolicy = (obj) =>
  cachedRights(obj, 'readOnly', (o) => uniformRights(o, 'read-only', 'no-access'));

/** Every attribute read and write (logical_name read-only), every method. */
export const fullRights: RightsPolicy = (obj) =>
  cachedRights(obj, 'full', (o) => uniformRights(o, 'read-and-write', 'access'));

/**
 * Bits of a bit-mapped access mode (Association LN version 3, Blue Book 4.4.4). Attributes: bit 0 read,
 * bit 1 write; methods: bit 0 access, bit 1 unused. Bits 2–7 are the same for both.
 */
export const ACCESS_MODE_BITS = Object.freeze({
  read: 0x01,
  write: 0x02,
  access: 0x01,
  authenticatedRequest: 0x04,
  encryptedRequest: 0x08,
  digitallySignedRequest: 0x10,
  authenticatedResponse: 0x20,
  encryptedResponse: 0x40,
  digitallySignedResponse: 0x80,
});

/** True when the request protection in `ctx` meets what a bit-mapped mode demands of the request. */
export function requestProtectionAllows(mode: number, ctx: Pick<AccessContext, 'protection'>): boolean {
  const p = ctx.protection;
  const b = ACCESS_MODE_BITS;
  if ((mode & b.authenticatedRequest) !== 0 && p?.authenticated !== true) return false;
  if ((mode & b.encryptedRequest) !== 0 && p?.encrypted !== true) return false;
  if ((mode & b.digitallySignedRequest) !== 0 && p?.signed !== true) return false;
  return true;
}

/** The protection a bit-mapped mode demands of the response; `undefined` for none (and for named modes). */
export function responseProtectionOfMode(
  mode: AttributeAccessMode | MethodAccessMode | number,
): MessageProtection | undefined {
  if (typeof mode !== 'number') return undefined;
  const b = ACCESS_MODE_BITS;
  const out = {
    authenticated: (mode & b.authenticatedResponse) !== 0,
    encrypted: (mode & b.encryptedResponse) !== 0,
    signed: (mode & b.digitallySignedResponse) !== 0,
  };
  return out.authenticated || out.encrypted || out.signed ? out : undefined;
}

/** True when the engine can give (per `ctx.responseProtection`) the response protection `mode` demands. */
export function responseProtectionAvailable(
  mode: number,
  ctx: Pick<AccessContext, 'responseProtection'>,
): boolean {
  const need = responseProtectionOfMode(mode);
  if (need === undefined) return true;
  const can = ctx.responseProtection;
  return (
    (!need.authenticated || can?.authenticated === true) &&
    (!need.encrypted || can?.encrypted === true) &&
    (!need.signed || can?.signed === true)
  );
}

/**
 * True when an attribute access mode allows `kind` ('get' or 'set') (for bit-mapped modes, the
 * read/write bits only: the protection bits are checked by {@link checkAccess}).
 */
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

/**
 * True when a method access mode allows invocation (for bit-mapped modes, the access bit only: the
 * protection bits are checked by {@link checkAccess}).
 */
export function methodModeAllows(mode: MethodAccessMode | number, authenticated: boolean): boolean {
  if (typeof mode === 'number') return (mode & 1) !== 0;
  return mode === 'access' || (mode === 'authenticated-access' && authenticated);
}

/** The access mode an association gives a request, or the Data-Access-Result refusing it outright. */
function modeFor(
  ctx: AccessContext,
  classId: number,
  logicalName: LogicalNameInput,
  index: number,
  kind: AccessKind,
):
  | { readonly mode: AttributeAccessMode | MethodAccessMode | number }
  | { readonly refused: DataAccessResult } {
  const device = ctx.device;
  if (device === undefined) return { refused: 'read-write-denied' };
  const m = modeOf(ctx, device.find(classId, logicalName, ctx), logicalName, index, kind);
  return typeof m === 'object' ? { refused: m.refused } : { mode: m };
}

/**
 * {@link modeFor} once `ctx.device` is known to be set and `obj` is its `find` of the request: the
 * mode itself (no wrapper object on the request path), or the refusal.
 */
function modeOf(
  ctx: AccessContext,
  obj: CosemObject | undefined,
  logicalName: LogicalNameInput,
  index: number,
  kind: AccessKind,
): AttributeAccessMode | MethodAccessMode | number | { readonly refused: DataAccessResult } {
  const device = ctx.device!;
  if (obj === undefined) {
    return device.findByName(logicalName, ctx) === undefined ? OBJECT_UNDEFINED : OBJECT_CLASS_INCONSISTENT;
  }
  const association = device.associationFor(ctx.clientSap);
  if (association === undefined) return READ_WRITE_DENIED;
  const rights = association.rightsFor(obj);
  if (rights === undefined) return OBJECT_UNDEFINED;
  const list: readonly (MethodAccess | AttributeAccess)[] =
    kind === 'action' ? rights.methods : rights.attributes;
  for (let i = 0; i < list.length; i++) if (list[i]!.index === index) return list[i]!.access;
  return READ_WRITE_DENIED;
}

const OBJECT_UNDEFINED = Object.freeze({ refused: 'object-undefined' as DataAccessResult });
const OBJECT_CLASS_INCONSISTENT = Object.freeze({ refused: 'object-class-inconsistent' as DataAccessResult });
const READ_WRITE_DENIED = Object.freeze({ refused: 'read-write-denied' as DataAccessResult });

/**
 * Checks a request against the rights of the association the request arrives on (found through
 * `ctx.device` and `ctx.clientSap`). Returns `'success'` or the Data-Access-Result to answer:
 * `object-undefined` (no such object, or not visible in this association), `object-class-inconsistent`
 * (the logical name exists with another class), `read-write-denied` (no association, no right, a
 * request without the protection a bit-mapped mode demands, or a response protection the engine
 * cannot give). Internal requests (`ctx.internal`) are always allowed.
 */
export function checkAccess(
  ctx: AccessContext,
  classId: number,
  logicalName: LogicalNameInput,
  index: number,
  kind: AccessKind,
): DataAccessResult {
  if (ctx.internal === true) return 'success';
  if (ctx.device === undefined) return 'read-write-denied';
  return checkFound(ctx, ctx.device.find(classId, logicalName, ctx), logicalName, index, kind);
}

/**
 * {@link checkAccess} for a caller that has looked the object up already: `obj` must be
 * `ctx.device.find(classId, logicalName, ctx)` (`ctx.device` set, `ctx.internal` not true). The
 * logical device's request helpers use it so that a request costs one lookup.
 */
export function checkFound(
  ctx: AccessContext,
  obj: CosemObject | undefined,
  logicalName: LogicalNameInput,
  index: number,
  kind: AccessKind,
): DataAccessResult {
  const mode = modeOf(ctx, obj, logicalName, index, kind);
  if (typeof mode === 'object') return mode.refused;
  const allowed =
    kind === 'action'
      ? methodModeAllows(mode as MethodAccessMode | number, ctx.authenticated)
      : attributeModeAllows(mode as AttributeAccessMode | number, kind, ctx.authenticated);
  if (!allowed) return 'read-write-denied';
  if (typeof mode === 'number') {
    // Blue Book 4.4.4 (version 3): bits 2-4 demand a protected request, bits 5-7 a protected response.
    if (!requestProtectionAllows(mode, ctx) || !responseProtectionAvailable(mode, ctx))
      return 'read-write-denied';
  }
  return 'success';
}

/**
 * The protection the response to a request must get, from the bit-mapped access mode of the
 * association (`undefined`: none demanded, or a named mode, or the request is refused anyway).
 */
export function responseProtectionFor(
  ctx: AccessContext,
  classId: number,
  logicalName: LogicalNameInput,
  index: number,
  kind: AccessKind,
): MessageProtection | undefined {
  if (ctx.internal === true) return undefined;
  const m = modeFor(ctx, classId, logicalName, index, kind);
  return 'refused' in m ? undefined : responseProtectionOfMode(m.mode);
}

/** The key of an object in a device: `${classId}/${obis}`. */
export function objectKey(classId: number, logicalName: LogicalNameInput): string {
  return `${classId}/${normalizeLogicalName(logicalName)}`;
}
