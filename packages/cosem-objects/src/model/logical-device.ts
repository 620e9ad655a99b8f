/**
 * A COSEM logical device: its objects by (class, logical name), the associations that can be
 * opened to it (one per client SAP, each with its own rights), the object list an Association LN
 * publishes, and request helpers that check access and dispatch (what a server engine calls).
 *
 * The logical name 0.0.40.0.0.255 (class 15) is the "current association": it resolves to the
 * association of the requesting client SAP (Blue Book 4.4.4 / 6.2.24).
 */
import type {
  BaseNameTarget,
  Data,
  DataAccessResult,
  SelectiveAccessDescriptor,
} from '@meteringlab/dlms-core';
import type { ObjectListEntry } from '../decoders.js';
import {
  logicalNameBytes,
  logicalNameText,
  normalizeLogicalName,
  type LogicalNameInput,
} from '../logical-name.js';
import {
  checkAccess,
  checkFound,
  defaultRights,
  objectKey,
  type AssociationRights,
  type RightsPolicy,
} from './access.js';
import { AssociationSn } from './association-sn.js';
import type { AccessContext, ActionReply, CosemObject, MaybePromise } from './object.js';
import type { ShortNameOptions } from './short-names.js';

/** Logical name of the current association. */
export const CURRENT_ASSOCIATION = '0.0.40.0.0.255';

/** The 48-bit number of 6 name bytes (the same number as dlms-core's `obisKey`). */
function nameNumber(b: Uint8Array): number {
  return ((b[0]! * 256 + b[1]!) * 256 + b[2]!) * 16_777_216 + ((b[3]! << 16) | (b[4]! << 8) | b[5]!);
}

/** {@link CURRENT_ASSOCIATION} as a name number. */
const CURRENT_ASSOCIATION_NUMBER = nameNumber(Uint8Array.of(0, 0, 40, 0, 0, 255));

/** Options of a {@link LogicalDevice}. */
export interface LogicalDeviceOptions {
  /** Objects to add at once. */
  readonly objects?: readonly CosemObject[];
}

/** An association that is also an object of the device (Association LN / SN). */
export type AssociationObject = CosemObject & AssociationRights;

/** A logical device and its objects. */
export class LogicalDevice {
  private readonly byKey = new Map<string, CosemObject>();
  private readonly byName = new Map<string, CosemObject[]>();
  /** The lists of `byName` by the name's 48-bit number: the lookup of a request's 6 bytes (no text). */
  private readonly byNumber = new Map<number, CosemObject[]>();
  private readonly associations = new Map<number, AssociationObject>();

  constructor(options: LogicalDeviceOptions = {}) {
    for (const o of options.objects ?? []) this.add(o);
  }

  /** Adds an object (replacing one with the same class and logical name) and attaches it. */
  add(obj: CosemObject): this {
    const key = objectKey(obj.classId, obj.logicalName);
    const old = this.byKey.get(key);
    const name = logicalNameText(obj.logicalName);
    const list = (this.byName.get(name) ?? []).filter((o) => o !== old);
    list.push(obj);
    this.byName.set(name, list);
    this.byNumber.set(nameNumber(obj.logicalName), list);
    this.byKey.set(key, obj);
    obj.attach?.(this);
    return this;
  }

  /**
   * Adds an association object and makes it the association of its client SAP. Its own logical
   * name is registered too (e.g. 0.0.40.0.1.255), and it answers 0.0.40.0.0.255 for that client.
   */
  addAssociation(assoc: AssociationObject): this {
    this.associations.set(assoc.clientSap, assoc);
    if (normalizeLogicalName(assoc.logicalName) !== CURRENT_ASSOCIATION) this.add(assoc);
    else assoc.attach?.(this);
    return this;
  }

  /** The association for a client SAP. */
  associationFor(clientSap: number): AssociationObject | undefined {
    return this.associations.get(clientSap);
  }

  /** Every association, by client SAP. */
  associationList(): readonly AssociationObject[] {
    return [...this.associations.values()];
  }

  /** The object of a class and logical name; 0.0.40.0.0.255 resolves to the caller's association. */
  find(classId: number, logicalName: LogicalNameInput, ctx?: AccessContext): CosemObject | undefined {
    if (logicalName instanceof Uint8Array && logicalName.length === 6) {
      // The request path: one lookup by the name's number, then the (one or few) classes under it.
      const n = nameNumber(logicalName);
      if (n === CURRENT_ASSOCIATION_NUMBER && ctx !== undefined) {
        const a = this.associations.get(ctx.clientSap);
        if (a !== undefined && a.classId === classId) return a;
      }
      const list = this.byNumber.get(n);
      if (list === undefined) return undefined;
      for (let i = 0; i < list.length; i++) if (list[i]!.classId === classId) return list[i];
      return undefined;
    }
    const name = normalizeLogicalName(logicalName);
    if (name === CURRENT_ASSOCIATION && ctx !== undefined) {
      const a = this.associations.get(ctx.clientSap);
      if (a !== undefined && a.classId === classId) return a;
    }
    return this.byKey.get(`${classId}/${name}`);
  }

  /** Any object with that logical name (the first added), whatever its class. */
  findByName(logicalName: LogicalNameInput, ctx?: AccessContext): CosemObject | undefined {
    if (logicalName instanceof Uint8Array && logicalName.length === 6) {
      const n = nameNumber(logicalName);
      if (n === CURRENT_ASSOCIATION_NUMBER && ctx !== undefined) {
        const a = this.associations.get(ctx.clientSap);
        if (a !== undefined) return a;
      }
      return this.byNumber.get(n)?.[0];
    }
    const name = normalizeLogicalName(logicalName);
    if (name === CURRENT_ASSOCIATION && ctx !== undefined) {
      const a = this.associations.get(ctx.clientSap);
      if (a !== undefined) return a;
    }
    return this.byName.get(name)?.[0];
  }

  /** Every object, in insertion order (associations with their own logical name included). */
  objects(): readonly CosemObject[] {
    return [...this.byKey.values()];
  }

  /**
   * The object list of an association (Association LN attribute 2): every object the policy makes
   * visible, with its rights. The association's own entry is listed under 0.0.40.0.0.255 when
   * `current` is that association.
   */
  objectList(policy: RightsPolicy = defaultRights, current?: AssociationObject): ObjectListEntry[] {
    const out: ObjectListEntry[] = [];
    const objs = [...this.objects()];
    if (current !== undefined && !objs.includes(current)) objs.unshift(current);
    for (const o of objs) {
      const accessRights = policy(o);
      if (accessRights === undefined) continue;
      out.push({
        classId: o.classId,
        version: o.version,
        logicalName: logicalNameText(o.logicalName),
        accessRights,
      });
    }
    return out;
  }

  /**
   * A context for requests on behalf of a client SAP; `extra` adds what an engine knows (request and
   * response protection, association status).
   */
  context(
    clientSap: number,
    authenticated = false,
    extra: Pick<AccessContext, 'protection' | 'responseProtection' | 'associationStatus'> = {},
  ): AccessContext {
    return { ...extra, clientSap, authenticated, device: this };
  }

  /**
   * The short-name map an SN association of `clientSap` serves (for `ServerAssociationConfig.baseNames`),
   * built now from the base names its Association SN lists; without `clientSap`, from the first
   * Association SN added. `undefined` when there is no such association.
   */
  baseNames(
    clientSap?: number,
    options: ShortNameOptions = {},
  ): ((shortName: number) => BaseNameTarget | undefined) | undefined {
    const a =
      clientSap === undefined
        ? this.associationList().find((x) => x instanceof AssociationSn)
        : this.associations.get(clientSap);
    return a instanceof AssociationSn ? a.shortNames(options) : undefined;
  }

  /** A context for the device's own requests (profile capture, push): access not checked. */
  internalContext(): AccessContext {
    return { clientSap: 0, authenticated: true, device: this, internal: true };
  }

  /** GET as a server engine does it: access check, then dispatch. */
  get(
    ctx: AccessContext,
    classId: number,
    logicalName: LogicalNameInput,
    attributeIndex: number,
    access?: SelectiveAccessDescriptor,
  ): MaybePromise<Data | DataAccessResult> {
    // One lookup per request: the access check is given the object it found.
    const c = ctx.device === this ? ctx : { ...ctx, device: this };
    const found = c.internal === true ? undefined : this.find(classId, logicalName, c);
    const allowed =
      c.internal === true
        ? checkAccess(c, classId, logicalName, attributeIndex, 'get')
        : checkFound(c, found, logicalName, attributeIndex, 'get');
    if (allowed !== 'success') return allowed;
    return (found ?? this.find(classId, logicalName, c)!).get(attributeIndex, c, access);
  }

  /** SET as a server engine does it: access check, then dispatch (with the SET's selective access). */
  set(
    ctx: AccessContext,
    classId: number,
    logicalName: LogicalNameInput,
    attributeIndex: number,
    value: Data,
    access?: SelectiveAccessDescriptor,
  ): MaybePromise<DataAccessResult> {
    // One lookup per request: the access check is given the object it found.
    const c = ctx.device === this ? ctx : { ...ctx, device: this };
    const found = c.internal === true ? undefined : this.find(classId, logicalName, c);
    const allowed =
      c.internal === true
        ? checkAccess(c, classId, logicalName, attributeIndex, 'set')
        : checkFound(c, found, logicalName, attributeIndex, 'set');
    if (allowed !== 'success') return allowed;
    const obj = found ?? this.find(classId, logicalName, c)!;
    return access === undefined
      ? obj.set(attributeIndex, value, c)
      : obj.set(attributeIndex, value, c, access);
  }

  /** ACTION as a server engine does it: access check, then dispatch. */
  action(
    ctx: AccessContext,
    classId: number,
    logicalName: LogicalNameInput,
    methodIndex: number,
    params?: Data,
  ): MaybePromise<ActionReply> {
    // One lookup per request: the access check is given the object it found.
    const c = ctx.device === this ? ctx : { ...ctx, device: this };
    const found = c.internal === true ? undefined : this.find(classId, logicalName, c);
    const allowed =
      c.internal === true
        ? checkAccess(c, classId, logicalName, methodIndex, 'action')
        : checkFound(c, found, logicalName, methodIndex, 'action');
    // The access-check results used here (object-undefined, object-class-inconsistent,
    // read-write-denied) carry the same names and codes in Action-Result.
    if (allowed !== 'success') return { result: allowed as ActionReply['result'] };
    return (found ?? this.find(classId, logicalName, c)!).action(methodIndex, params, c);
  }

  /**
   * Reads one attribute for the device itself (profile capture, push): no access check; the element
   * `dataIndex` (1-based) of a structure or array when not 0. `null-data` when the object is absent
   * or refuses.
   */
  async readInternal(
    classId: number,
    logicalName: LogicalNameInput,
    attributeIndex: number,
    dataIndex = 0,
  ): Promise<Data> {
    const ctx = this.internalContext();
    const obj = this.find(classId, logicalNameBytes(logicalName), ctx);
    if (obj === undefined) return { type: 'null-data' };
    const v = await obj.get(attributeIndex, ctx);
    if (typeof v === 'string' || typeof v === 'number') return { type: 'null-data' };
    if (dataIndex > 0) {
      if ((v.type === 'structure' || v.type === 'array') && dataIndex <= v.value.length)
        return v.value[dataIndex - 1]!;
      return { type: 'null-data' };
    }
    return v;
  }
}
