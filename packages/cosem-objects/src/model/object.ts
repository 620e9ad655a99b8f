/**
 * The server-side object model: the interface a server engine dispatches GET, SET and ACTION to, the
 * context of a request, and a base class that implements attribute/method dispatch from tables.
 *
 * Values come from providers (plain values or functions, sync or async) supplied by the application,
 * so a server serves live data. Nothing here does I/O or keeps time on its own: clocks are injected.
 * Access rights are not checked by objects; the engine checks them with `checkAccess` (access.ts)
 * before calling an object. The request context carries what the engine knows and an object may need:
 * the association's status and how the request was protected.
 */
import type {
  ActionResult,
  Data,
  DataAccessResult,
  DataType,
  SelectiveAccessDescriptor,
} from '@meteringlab/dlms-core';
import { logicalNameBytes, logicalNameText, type LogicalNameInput } from '../logical-name.js';
import type { LogicalDevice } from './logical-device.js';

/** A value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** A value, or a function (sync or async) that produces it at each request. */
export type Provider<T> = T | (() => MaybePromise<T>);

/** Resolves a {@link Provider}: its value, or what its function gives (a promise only if the function returns one). */
export function resolve<T>(p: Provider<T>): MaybePromise<T> {
  return typeof p === 'function' ? (p as () => MaybePromise<T>)() : p;
}

/** How an APDU is (or can be) protected: the security control bits and digital signing. */
export interface MessageProtection {
  readonly authenticated: boolean;
  readonly encrypted: boolean;
  /** Digitally signed (general-signing); absent means false. */
  readonly signed?: boolean;
}

/** association_status of Association LN (attribute 8): non-associated, association-pending, associated. */
export type AssociationStatus = 0 | 1 | 2;

/** Who is asking: the association the request arrives on. */
export interface AccessContext {
  /** Client SAP of the association (e.g. 16 public client, 1 management). */
  readonly clientSap: number;
  /**
   * True once the association's authentication is complete (LLS password checked, or HLS pass 3/4
   * done). Authenticated access modes require it.
   */
  readonly authenticated: boolean;
  /** The logical device the request is for; set by the engine. */
  readonly device?: LogicalDevice;
  /** True for requests the device makes to itself (profile capture, push): access is not checked. */
  readonly internal?: boolean;
  /**
   * How the request arrived (the engine's verified security control; absent: plain). Bit-mapped access
   * modes (Association LN version 3) that demand authenticated, encrypted or signed requests check it.
   */
  readonly protection?: MessageProtection;
  /**
   * The protection the engine can give the response (absent: none, the association is not ciphered).
   * Bit-mapped access modes that demand protected responses are refused when it cannot be given.
   */
  readonly responseProtection?: MessageProtection;
  /** The engine's association state (absent: `associated`, the only state the model is asked in). */
  readonly associationStatus?: AssociationStatus;
}

/** The reply of a method invocation. */
export interface ActionReply {
  readonly result: ActionResult;
  readonly returnValue?: Data;
}

/** What a server engine dispatches to: one COSEM object instance. */
export interface CosemObject {
  readonly classId: number;
  readonly version: number;
  /** The 6-byte logical name. */
  readonly logicalName: Uint8Array;
  /** Reads an attribute; a Data-Access-Result (a string or number) when it cannot. */
  get(
    attributeIndex: number,
    ctx: AccessContext,
    access?: SelectiveAccessDescriptor,
  ): MaybePromise<Data | DataAccessResult>;
  /** Writes an attribute, with the selective access the SET carried, if any. */
  set(
    attributeIndex: number,
    value: Data,
    ctx: AccessContext,
    access?: SelectiveAccessDescriptor,
  ): MaybePromise<DataAccessResult>;
  /** Invokes a method. */
  action(methodIndex: number, params: Data | undefined, ctx: AccessContext): MaybePromise<ActionReply>;
  /** Called by {@link LogicalDevice.add} so that objects can reach their siblings (profiles, push). */
  attach?(device: LogicalDevice): void;
}

/** True when a `get` result is a Data-Access-Result rather than Data. */
export function isDataAccessResult(v: Data | DataAccessResult): v is DataAccessResult {
  return typeof v === 'string' || typeof v === 'number';
}

/** An attribute's behaviour in a {@link BaseObject} table. */
export interface AttributeHandler {
  get?(ctx: AccessContext, access?: SelectiveAccessDescriptor): MaybePromise<Data | DataAccessResult>;
  set?(value: Data, ctx: AccessContext, access?: SelectiveAccessDescriptor): MaybePromise<DataAccessResult>;
  /** Selectors this attribute accepts (e.g. [1, 2] for a profile buffer), for GET and SET; others are refused. */
  readonly selectors?: readonly number[];
}

/** A method's behaviour in a {@link BaseObject} table. */
export type MethodHandler = (params: Data | undefined, ctx: AccessContext) => MaybePromise<ActionReply>;

/** The handler tables of a {@link BaseObject}: a `Map` that tells its object of every change. */
class TableMap<K, V> extends Map<K, V> {
  constructor(private readonly owner: { tableChanged(): void }) {
    super();
  }

  override set(key: K, value: V): this {
    this.owner.tableChanged();
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    this.owner.tableChanged();
    return super.delete(key);
  }

  override clear(): void {
    this.owner.tableChanged();
    super.clear();
  }
}

/**
 * Table-driven base of the implementations. Attribute 1 (logical_name) is built in. An attribute
 * with no handler gives `object-undefined`; a set on an attribute without a setter gives
 * `read-write-denied`; selective access (GET or SET) on an attribute that does not declare the selector
 * gives `other-reason`; an unknown method gives `object-undefined`. Errors thrown by a provider propagate:
 * the engine decides how to answer them (typically `hardware-fault`).
 */
export abstract class BaseObject implements CosemObject {
  readonly logicalName: Uint8Array;
  protected readonly attributes: Map<number, AttributeHandler> = new TableMap<number, AttributeHandler>(this);
  protected readonly methods: Map<number, MethodHandler> = new TableMap<number, MethodHandler>(this);
  /** Bumped by every change of the attribute or method tables (see {@link tableVersion}). */
  private tableChanges = 0;
  protected device: LogicalDevice | undefined;

  constructor(
    readonly classId: number,
    readonly version: number,
    logicalName: LogicalNameInput,
  ) {
    this.logicalName = logicalNameBytes(logicalName);
  }

  /** Dotted text of the logical name. */
  get obis(): string {
    return logicalNameText(this.logicalName);
  }

  attach(device: LogicalDevice): void {
    this.device = device;
  }

  /**
   * A number that changes whenever an attribute or method handler is added, replaced or removed: what
   * is derived from the tables (the rights of the built-in policies) can be kept while it stays the same.
   */
  get tableVersion(): number {
    return this.tableChanges;
  }

  /** @internal Called by the tables on every change. */
  tableChanged(): void {
    this.tableChanges++;
  }

  /** Indices of the attributes this object implements, 1 included. */
  attributeIndices(): number[] {
    return [1, ...[...this.attributes.keys()].sort((a, b) => a - b)];
  }

  /** Indices of the methods this object implements. */
  methodIndices(): number[] {
    return [...this.methods.keys()].sort((a, b) => a - b);
  }

  /** Selectors an attribute accepts (for the object list's access_selectors). */
  attributeSelectors(index: number): readonly number[] | undefined {
    return this.attributes.get(index)?.selectors;
  }

  get(
    attributeIndex: number,
    ctx: AccessContext,
    access?: SelectiveAccessDescriptor,
  ): MaybePromise<Data | DataAccessResult> {
    if (attributeIndex === 1 && !this.attributes.has(1)) {
      return access === undefined ? { type: 'octet-string', value: this.logicalName } : 'other-reason';
    }
    const h = this.attributes.get(attributeIndex);
    if (h?.get === undefined) return 'object-undefined';
    if (access !== undefined && !(h.selectors ?? []).includes(access.accessSelector)) return 'other-reason';
    return h.get(ctx, access);
  }

  set(
    attributeIndex: number,
    value: Data,
    ctx: AccessContext,
    access?: SelectiveAccessDescriptor,
  ): MaybePromise<DataAccessResult> {
    if (attributeIndex === 1) return 'read-write-denied';
    const h = this.attributes.get(attributeIndex);
    if (h === undefined) return 'object-undefined';
    if (h.set === undefined) return 'read-write-denied';
    if (access === undefined) return h.set(value, ctx);
    // As for GET: a selector the attribute does not declare is refused, never silently ignored.
    if (!(h.selectors ?? []).includes(access.accessSelector)) return 'other-reason';
    return h.set(value, ctx, access);
  }

  action(methodIndex: number, params: Data | undefined, ctx: AccessContext): MaybePromise<ActionReply> {
    const m = this.methods.get(methodIndex);
    if (m === undefined) return { result: 'object-undefined' };
    return m(params, ctx);
  }

  /** Registers a read-only attribute from a provider. */
  protected readOnly(index: number, value: Provider<Data>): void {
    this.attributes.set(index, { get: () => resolve(value) });
  }

  /**
   * Registers a stored attribute of one Data type: read returns it, write replaces it after the type
   * check (and the optional validator, which returns a Data-Access-Result name to refuse).
   */
  protected stored(
    index: number,
    initial: Data,
    options: {
      types?: readonly DataType[];
      writable?: boolean;
      validate?: (v: Data) => DataAccessResult | undefined;
      onSet?: (v: Data) => void;
    } = {},
  ): { current: () => Data } {
    let value = initial;
    const types = options.types ?? [initial.type];
    const handler: AttributeHandler = {
      get: () => value,
      ...(options.writable === false
        ? {}
        : {
            set: (v: Data): DataAccessResult => {
              if (!types.includes(v.type)) return 'type-unmatched';
              const refused = options.validate?.(v);
              if (refused !== undefined) return refused;
              value = v;
              options.onSet?.(v);
              return 'success';
            },
          }),
    };
    this.attributes.set(index, handler);
    return { current: () => value };
  }
}

/** A successful action without return value. */
export const ACTION_SUCCESS: ActionReply = Object.freeze({ result: 'success' });
