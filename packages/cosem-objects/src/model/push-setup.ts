/**
 * Push setup (class 40, version 0; Blue Book 4.4.8): what to push, where and when. Method 1 `push`
 * reads the push_object_list from the logical device, builds the DataNotification (body: a structure
 * of the values, in list order) and hands it to an injected `send` callback; sending, retries,
 * randomisation and windows are the application's or driver's, which read the attributes here.
 *
 * The Blue Book's usual first element of push_object_list is the Push setup's own logical name
 * (class 40, attribute 1), which identifies the push to the receiver; it is read like any other.
 */
import {
  cosemDateTimeFromDate,
  encodeCosemDateTime,
  Writer,
  type Data,
  type DataNotification,
} from '@meteringlab/dlms-core';
import {
  captureObjectsFromData,
  captureObjectsToData,
  type CaptureObject,
  type CaptureObjectInput,
} from '../decoders.js';
import { normalizeLogicalName, type LogicalNameInput } from '../logical-name.js';
import { BaseObject, type AccessContext, type MaybePromise } from './object.js';

/** send_destination_and_method (attribute 3). */
export interface SendDestinationAndMethod {
  /** transport_service enum: 0 TCP, 1 UDP, 2 FTP, 3 SMTP, 4 SMS, 5 HDLC, 6 M-Bus, 7 ZigBee… */
  readonly transportService: number;
  /** destination, e.g. `'192.0.2.1:4059'` (octet string of the text). */
  readonly destination: string | Uint8Array;
  /** message enum: 0 A-XDR encoded xDLMS APDU, 1 XML encoded xDLMS APDU. */
  readonly message: number;
}

/** A communication window (attribute 4): start and end as octet-string(12) date-times (wildcards allowed). */
export interface CommunicationWindow {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
}

/** Options of a {@link PushSetup}. */
export interface PushSetupOptions {
  /** Default 0.0.25.9.0.255. */
  readonly logicalName?: LogicalNameInput;
  readonly pushObjectList: readonly CaptureObjectInput[];
  readonly sendDestinationAndMethod?: SendDestinationAndMethod;
  readonly communicationWindow?: readonly CommunicationWindow[];
  /** Seconds. Default 0. */
  readonly randomisationStartIntervalS?: number;
  /** Default 0. */
  readonly numberOfRetries?: number;
  /** Seconds. Default 0. */
  readonly repetitionDelayS?: number;
  /** Receives each push: the body, and the whole notification as built. */
  readonly send: (
    body: Data,
    notification: DataNotification,
    ctx: AccessContext | undefined,
  ) => MaybePromise<void>;
  /** When given, the notification carries this date-time in its header (UTC fields, deviation 0 unless `deviation`). */
  readonly now?: () => Date;
  /** Deviation (minutes, Blue Book sign) of the header date-time. Default 0. */
  readonly deviation?: number;
}

/** Push setup (class 40). */
export class PushSetup extends BaseObject {
  private list: CaptureObject[];
  private invokeId = 0;

  constructor(private readonly options: PushSetupOptions) {
    super(40, 0, options.logicalName ?? '0.0.25.9.0.255');
    this.list = options.pushObjectList.map((c) => ({
      classId: c.classId,
      logicalName: normalizeLogicalName(c.logicalName),
      attributeIndex: c.attributeIndex,
      dataIndex: c.dataIndex ?? 0,
    }));
    this.attributes.set(2, {
      get: () => captureObjectsToData(this.list),
      set: (v) => {
        const l = captureObjectsFromData(v);
        if (l === undefined) return 'type-unmatched';
        this.list = l;
        return 'success';
      },
    });
    const sdm = options.sendDestinationAndMethod ?? { transportService: 0, destination: '', message: 0 };
    const dest =
      typeof sdm.destination === 'string' ? new TextEncoder().encode(sdm.destination) : sdm.destination;
    this.stored(3, {
      type: 'structure',
      value: [
        { type: 'enum', value: sdm.transportService },
        { type: 'octet-string', value: dest },
        { type: 'enum', value: sdm.message },
      ],
    });
    this.stored(4, {
      type: 'array',
      value: (options.communicationWindow ?? []).map((w) => ({
        type: 'structure',
        value: [
          { type: 'octet-string', value: w.start },
          { type: 'octet-string', value: w.end },
        ],
      })),
    });
    this.stored(5, { type: 'long-unsigned', value: options.randomisationStartIntervalS ?? 0 });
    this.stored(6, { type: 'unsigned', value: options.numberOfRetries ?? 0 });
    this.stored(7, { type: 'long-unsigned', value: options.repetitionDelayS ?? 0 });
    this.methods.set(1, async (p, ctx) => {
      if (p !== undefined && p.type !== 'integer') return { result: 'type-unmatched' };
      await this.push(ctx);
      return { result: 'success' };
    });
  }

  /** The push object list. */
  pushObjectList(): readonly CaptureObject[] {
    return this.list;
  }

  /** Builds the notification of one push (without sending it). */
  async buildNotification(): Promise<DataNotification> {
    const values: Data[] = [];
    for (const c of this.list) {
      values.push(
        this.device === undefined
          ? { type: 'null-data' }
          : await this.device.readInternal(c.classId, c.logicalName, c.attributeIndex, c.dataIndex),
      );
    }
    this.invokeId = (this.invokeId + 1) & 0xffffff;
    const body: Data = { type: 'structure', value: values };
    const longInvokeIdAndPriority = {
      invokeId: this.invokeId,
      selfDescriptive: false,
      breakOnError: false,
      confirmed: false,
      highPriority: false,
    };
    if (this.options.now === undefined) return { type: 'data-notification', longInvokeIdAndPriority, body };
    const w = new Writer(12);
    encodeCosemDateTime(
      w,
      cosemDateTimeFromDate(this.options.now(), { deviation: this.options.deviation ?? 0 }),
    );
    return { type: 'data-notification', longInvokeIdAndPriority, dateTime: w.view().slice(), body };
  }

  /** Builds the notification and hands it to `send` (method 1 does this). */
  async push(ctx?: AccessContext): Promise<DataNotification> {
    const n = await this.buildNotification();
    await this.options.send(n.body, n, ctx);
    return n;
  }
}
