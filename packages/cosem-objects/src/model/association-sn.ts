/**
 * Association SN (class 12, version 4; Blue Book 4.4.3), minimal: the short-name object list
 * (attribute 2) from base names the application assigns, and reply_to_HLS_authentication (method 8)
 * delegated to the engine. access_rights_list is served empty; user_list and current_user are not
 * implemented. It also answers the access check like an Association LN (same rights policy), and gives
 * the short-name map of the objects it lists (`shortNames()`, see short-names.ts) for the engine.
 */
import type { BaseNameTarget } from '@meteringlab/dlms-core';
import type { AccessRights } from '../decoders.js';
import { shortNameObjectListToData } from '../decoders.js';
import { logicalNameText, type LogicalNameInput } from '../logical-name.js';
import { defaultRights, objectKey, type AssociationRights, type RightsPolicy } from './access.js';
import {
  BaseObject,
  type AccessContext,
  type ActionReply,
  type CosemObject,
  type MaybePromise,
} from './object.js';
import { shortNameResolver, type ShortNameEntry, type ShortNameOptions } from './short-names.js';

/** Options of an {@link AssociationSn}. */
export interface AssociationSnOptions {
  /** Default 0.0.40.0.0.255. */
  readonly logicalName?: LogicalNameInput;
  readonly clientSap: number;
  /** Base names by object key (`${classId}/${obis}`, see `objectKey`); objects without one are not listed. */
  readonly baseNames: ReadonlyMap<string, number>;
  readonly rights?: RightsPolicy;
  /** HLS pass 3: checks the client's f(StoC) and returns f(CtoS), or `undefined` on failure. */
  readonly replyToHlsAuthentication?: (
    clientResponse: Uint8Array,
    ctx: AccessContext,
  ) => MaybePromise<Uint8Array | undefined>;
}

/** Association SN (class 12). */
export class AssociationSn extends BaseObject implements AssociationRights {
  readonly clientSap: number;
  private readonly policy: RightsPolicy;

  constructor(private readonly options: AssociationSnOptions) {
    super(12, 4, options.logicalName ?? '0.0.40.0.0.255');
    this.clientSap = options.clientSap;
    this.policy = options.rights ?? defaultRights;
    this.attributes.set(2, { get: () => shortNameObjectListToData(this.objectList()) });
    this.attributes.set(3, { get: () => ({ type: 'array', value: [] }) });
    this.attributes.set(4, {
      get: () => ({ type: 'octet-string', value: Uint8Array.of(0, 0, 43, 0, 0, 255) }),
    });
    this.methods.set(8, async (p, ctx): Promise<ActionReply> => {
      if (p?.type !== 'octet-string') return { result: 'type-unmatched' };
      const reply = await options.replyToHlsAuthentication?.(p.value, ctx);
      if (reply === undefined) return { result: 'other-reason' };
      return { result: 'success', returnValue: { type: 'octet-string', value: reply } };
    });
  }

  rightsFor(obj: CosemObject): AccessRights | undefined {
    return this.policy(obj);
  }

  /** The SN object list: every visible object that has a base name, by base name. */
  objectList(): { baseName: number; classId: number; version: number; logicalName: string }[] {
    return this.shortNameEntries().map(({ baseName, object: o }) => ({
      baseName,
      classId: o.classId,
      version: o.version,
      logicalName: logicalNameText(o.logicalName),
    }));
  }

  /** The visible objects that have a base name, with it, by base name (this association included). */
  shortNameEntries(): ShortNameEntry[] {
    const objs = this.device === undefined ? [] : [...this.device.objects()];
    if (!objs.includes(this)) objs.unshift(this);
    const out: ShortNameEntry[] = [];
    for (const o of objs) {
      const baseName = this.options.baseNames.get(objectKey(o.classId, o.logicalName));
      if (baseName === undefined || this.policy(o) === undefined) continue;
      out.push({ baseName, object: o });
    }
    return out.sort((a, b) => a.baseName - b.baseName);
  }

  /**
   * The short-name map of this association (for `ServerAssociationConfig.baseNames`): attributes and
   * methods of every object it lists, reply_to_HLS_authentication included.
   */
  shortNames(options: ShortNameOptions = {}): (shortName: number) => BaseNameTarget | undefined {
    return shortNameResolver(this.shortNameEntries(), options);
  }
}
