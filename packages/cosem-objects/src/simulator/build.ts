/**
 * Builds a simulated meter from a validated profile: per logical device, the object model (the
 * objects of the profile plus the Association LN objects and the logical device name), the server
 * association configurations per client address, a `DlmsServer` holding them all, the load profiles
 * to capture and the pushes to send, with their periods.
 *
 * Time comes from the injected `now()` (values of generated registers, the Clock, captures, push
 * headers). Nothing here arms a timer or opens a socket: {@link MeterSchedule} says what is due when,
 * and the driver (the `dlms sim` command) arms one timer and hands push APDUs to a transport.
 */
import {
  conformanceFromNames,
  cosemDateTimeFromDate,
  encodeApdu,
  MemoryCounterStore,
  protectApdu,
  type Data,
  type ServerAssociationConfig,
  type ServerAuthentication,
} from '@meteringlab/dlms-core';
import { captureObjectKey, dateTimeToData } from '../decoders.js';
import { scalerUnitToData } from '../scaler.js';
import { defaultRights, fullRights, readOnlyRights, type RightsPolicy } from '../model/access.js';
import { AssociationLn } from '../model/association-ln.js';
import { Clock } from '../model/clock.js';
import { DataObject } from '../model/data.js';
import { LogicalDevice } from '../model/logical-device.js';
import { ProfileGeneric } from '../model/profile-generic.js';
import { PushSetup } from '../model/push-setup.js';
import { ExtendedRegister, Register } from '../model/register.js';
import { DlmsServer } from '../server/dlms-server.js';
import { generatorFunction, numericData, type ValueAt } from './generators.js';
import {
  MECHANISMS,
  parseDestination,
  type ProfileAssociation,
  type ProfileAttributeRef,
  type ProfileDevice,
  type PushDestination,
  type SimulatorProfile,
} from './profile.js';

/** Options of {@link buildSimulatedMeter}. */
export interface SimulatedMeterOptions {
  /** The simulated wall clock (default `() => new Date()`). */
  readonly now?: () => Date;
  /**
   * Receives each push APDU (plain or ciphered, as it goes on the wire) with its description; a push
   * triggered by a client through the Push setup's method 1 goes here too. Default: dropped.
   */
  readonly transmit?: (push: SimulatedPush, apdu: Uint8Array) => void | Promise<void>;
  /** Conformance the associations offer (default get, set, action, selective-access, blocks, multiple references). */
  readonly conformance?: number;
  /** server-max-receive-pdu-size (default 1024). */
  readonly maxReceivePduSize?: number;
}

/** A periodic push of one logical device. */
export interface SimulatedPush {
  readonly serverAddress: number;
  /** Logical name of the Push setup object. */
  readonly obis: string;
  readonly intervalS: number;
  readonly destination: PushDestination;
  readonly ciphered: boolean;
  readonly sourceWPort: number;
  readonly destinationWPort: number;
  /** Reads the push objects, builds the DataNotification, ciphers it when asked, transmits it; resolves with the APDU. */
  trigger(): Promise<Uint8Array>;
}

/** A load profile and its capture period. */
export interface SimulatedCapture {
  readonly serverAddress: number;
  readonly profile: ProfileGeneric;
  readonly capturePeriodS: number;
  /** Appends the entry of the capture at `timeMs` (values as the generators give them then). */
  captureAt(timeMs: number): void;
}

/** One simulated logical device. */
export interface SimulatedDevice {
  readonly serverAddress: number;
  readonly name: string;
  readonly device: LogicalDevice;
  /** Server association configuration per client address. */
  readonly associations: ReadonlyMap<number, ServerAssociationConfig>;
  readonly captures: readonly SimulatedCapture[];
  readonly pushes: readonly SimulatedPush[];
}

/** A simulated meter: its logical devices and a server that serves them all. */
export interface SimulatedMeter {
  readonly devices: readonly SimulatedDevice[];
  readonly server: DlmsServer;
  /** The work due over time (captures, pushes). */
  readonly schedule: MeterSchedule;
}

/** The conformance a simulated meter offers by default. */
export const SIMULATOR_CONFORMANCE = conformanceFromNames([
  'get',
  'set',
  'action',
  'selective-access',
  'block-transfer-with-get-or-read',
  'multiple-references',
]);

const RIGHTS: Readonly<Record<ProfileAssociation['rights'], RightsPolicy>> = {
  'read-only': readOnlyRights,
  full: fullRights,
  default: defaultRights,
};

function authenticationOf(a: ProfileAssociation, d: ProfileDevice): ServerAuthentication {
  switch (a.mechanism) {
    case 'none':
      return { mechanism: 0 };
    case 'lls':
      return { mechanism: 1, password: a.password! };
    case 'hls-md5':
      return { mechanism: 3, secret: a.secret! };
    case 'hls-sha1':
      return { mechanism: 4, secret: a.secret! };
    case 'hls-sha256':
      return { mechanism: 6, secret: a.secret! };
    case 'hls-gmac':
      return {
        mechanism: 5,
        encryptionKey: d.keys!.blockCipherKey,
        authenticationKey: d.keys!.authenticationKey,
      };
  }
}

/** The clock attribute value at an instant, as the Clock object would serve it then. */
function clockAt(timeMs: number, timeZone: number): Data {
  return dateTimeToData(cosemDateTimeFromDate(new Date(timeMs), { deviation: timeZone, clockStatus: 0 }));
}

function buildDevice(
  d: ProfileDevice,
  options: SimulatedMeterOptions,
  now: () => Date,
  nowMs: () => number,
): SimulatedDevice {
  const buildTimeMs = nowMs();
  const device = new LogicalDevice();
  const counters = new MemoryCounterStore();
  /** Values at an instant, by capture-object key, for captures and the prefilled history. */
  const valuesAt = new Map<string, (timeMs: number) => Data>();
  const key = (classId: number, obis: string, attribute: number) =>
    captureObjectKey({ classId, logicalName: obis, attributeIndex: attribute });

  const ldn: Data = { type: 'visible-string', value: d.name };
  device.add(new DataObject({ logicalName: '0.0.42.0.0.255', value: ldn }));
  valuesAt.set(key(1, '0.0.42.0.0.255', 2), () => ldn);

  const profiles: {
    obis: string;
    captureObjects: readonly ProfileAttributeRef[];
    capturePeriodS: number;
    profileEntries: number;
    prefillS: number;
  }[] = [];
  for (const o of d.objects) {
    switch (o.class) {
      case 'clock': {
        device.add(new Clock({ logicalName: o.obis, now, timeZone: o.timeZone }));
        valuesAt.set(key(8, o.obis, 2), (t) => clockAt(t, o.timeZone));
        break;
      }
      case 'profile-generic':
        profiles.push(o);
        break;
      default: {
        let at: ((t: number) => Data) | undefined;
        if (o.generator !== undefined) {
          const f: ValueAt = generatorFunction(o.generator, buildTimeMs);
          at = (t) => numericData(o.valueType, f(t));
        }
        // Read on every GET: the host clock in ms, without a Date per read when no clock is injected.
        const value = at === undefined ? o.value : () => at(nowMs());
        const classId = o.class === 'data' ? 1 : o.class === 'register' ? 3 : 4;
        if (o.class === 'data')
          device.add(new DataObject({ logicalName: o.obis, value, writable: at === undefined }));
        else {
          const scalerUnit = { scaler: o.scaler, unit: o.unit };
          const reg = { logicalName: o.obis, scalerUnit, value, writable: at === undefined };
          device.add(o.class === 'register' ? new Register(reg) : new ExtendedRegister(reg));
          const su = scalerUnitToData(scalerUnit);
          valuesAt.set(key(classId, o.obis, 3), () => su);
        }
        const fixed = o.value;
        valuesAt.set(key(classId, o.obis, 2), at ?? (() => fixed));
      }
    }
  }

  const rowAt = (columns: readonly ProfileAttributeRef[], t: number): Data[] =>
    columns.map((c) => {
      const f = valuesAt.get(key(c.classId, c.obis, c.attribute));
      const v = f === undefined ? ({ type: 'null-data' } as Data) : f(t);
      if ((c.dataIndex ?? 0) > 0) {
        if ((v.type === 'structure' || v.type === 'array') && c.dataIndex! <= v.value.length)
          return v.value[c.dataIndex! - 1]!;
        return { type: 'null-data' };
      }
      return v;
    });

  const captures: SimulatedCapture[] = [];
  for (const p of profiles) {
    const periodMs = p.capturePeriodS * 1000;
    const buffer: Data[][] = [];
    if (p.prefillS > 0 && periodMs > 0) {
      const last = Math.floor(buildTimeMs / periodMs) * periodMs;
      const n = Math.min(p.profileEntries, Math.floor((p.prefillS * 1000) / periodMs));
      for (let i = n - 1; i >= 0; i--) buffer.push(rowAt(p.captureObjects, last - i * periodMs));
    }
    const profile = new ProfileGeneric({
      logicalName: p.obis,
      captureObjects: p.captureObjects.map((c) => ({
        classId: c.classId,
        logicalName: c.obis,
        attributeIndex: c.attribute,
        ...(c.dataIndex === undefined ? {} : { dataIndex: c.dataIndex }),
      })),
      capturePeriodS: p.capturePeriodS,
      profileEntries: p.profileEntries,
      buffer,
    });
    device.add(profile);
    if (p.capturePeriodS > 0) {
      captures.push({
        serverAddress: d.serverAddress,
        profile,
        capturePeriodS: p.capturePeriodS,
        captureAt: (t) => profile.append(rowAt(p.captureObjects, t)),
      });
    }
  }

  const pushes: SimulatedPush[] = [];
  for (const p of d.pushes) {
    let lastApdu: Uint8Array = new Uint8Array(0);
    let described: SimulatedPush;
    const objects = p.objects.some((o) => o.classId === 40 && o.obis === p.obis && o.attribute === 1)
      ? p.objects
      : [{ classId: 40, obis: p.obis, attribute: 1 }, ...p.objects];
    const setup = new PushSetup({
      logicalName: p.obis,
      pushObjectList: objects.map((c) => ({
        classId: c.classId,
        logicalName: c.obis,
        attributeIndex: c.attribute,
        ...(c.dataIndex === undefined ? {} : { dataIndex: c.dataIndex }),
      })),
      sendDestinationAndMethod: {
        transportService: p.destination.startsWith('udp:') ? 1 : 0,
        destination: p.destination.replace(/^[a-z]+:\/\//, ''),
        message: 0,
      },
      now,
      send: async (_body, notification) => {
        const plain = encodeApdu(notification);
        lastApdu = p.ciphered
          ? await protectApdu(plain, {
              form: 'general-glo',
              systemTitle: d.systemTitle!,
              key: d.keys!.blockCipherKey,
              authKey: d.keys!.authenticationKey,
              counters,
            })
          : plain;
        await options.transmit?.(described, lastApdu);
      },
    });
    device.add(setup);
    described = {
      serverAddress: d.serverAddress,
      obis: p.obis,
      intervalS: p.intervalS,
      destination: parseDestination(p.destination)!,
      ciphered: p.ciphered,
      sourceWPort: p.sourceWPort ?? d.serverAddress,
      destinationWPort: p.destinationWPort,
      trigger: async () => {
        await setup.push(device.internalContext());
        return lastApdu;
      },
    };
    pushes.push(described);
  }

  const associations = new Map<number, ServerAssociationConfig>();
  const single = d.associations.length === 1;
  d.associations.forEach((a, i) => {
    const ciphered = a.policy !== 'none';
    const mechanism = MECHANISMS[a.mechanism];
    device.addAssociation(
      new AssociationLn({
        logicalName: single ? '0.0.40.0.0.255' : `0.0.40.0.${i + 1}.255`,
        clientSap: a.clientAddress,
        serverSap: d.serverAddress,
        rights: RIGHTS[a.rights],
        applicationContext: ciphered ? 3 : 1,
        mechanism,
      }),
    );
    associations.set(a.clientAddress, {
      referencing: 'ln',
      ciphered,
      authentication: authenticationOf(a, d),
      conformance: options.conformance ?? SIMULATOR_CONFORMANCE,
      maxReceivePduSize: options.maxReceivePduSize ?? 1024,
      ...(ciphered
        ? {
            security: {
              policy: a.policy,
              suite: 0 as const,
              blockCipherKey: d.keys!.blockCipherKey,
              authenticationKey: d.keys!.authenticationKey,
            },
          }
        : {}),
      ...(d.systemTitle === undefined ? {} : { systemTitle: d.systemTitle }),
      ...(ciphered || mechanism === 5 ? { counters } : {}),
    });
  });

  return { serverAddress: d.serverAddress, name: d.name, device, associations, captures, pushes };
}

/**
 * Builds the logical devices, server and schedule of a profile (validate it first with
 * `parseSimulatorProfile`). Load profiles with `prefillS` get their history computed from the
 * generators at build time; only clock time, generated and fixed values, and register scaler_units can
 * be computed for past instants (other columns are null-data in prefilled and scheduled entries).
 */
export function buildSimulatedMeter(
  profile: SimulatorProfile,
  options: SimulatedMeterOptions = {},
): SimulatedMeter {
  const now = options.now ?? (() => new Date());
  const injected = options.now;
  const nowMs = injected === undefined ? Date.now : () => injected().getTime();
  const devices = profile.devices.map((d) => buildDevice(d, options, now, nowMs));
  const server = new DlmsServer();
  for (const d of devices) server.addDevice(d.serverAddress, d.device, d.associations);
  return { devices, server, schedule: new MeterSchedule(devices, nowMs()) };
}

/** One task of a {@link MeterSchedule}. */
export type ScheduledTask =
  | { readonly kind: 'capture'; readonly atMs: number; readonly capture: SimulatedCapture }
  | { readonly kind: 'push'; readonly atMs: number; readonly push: SimulatedPush };

/**
 * What is due when: captures at every multiple of their capture period (aligned to the epoch, as
 * meters align to the clock), pushes every `intervalS` from the build time. Sans-I/O: the driver asks
 * {@link next} for the next deadline, arms one timer, and calls {@link due} with the current time.
 */
export class MeterSchedule {
  private readonly captureNext: { capture: SimulatedCapture; atMs: number }[];
  private readonly pushNext: { push: SimulatedPush; atMs: number }[];

  constructor(devices: readonly SimulatedDevice[], startMs: number) {
    this.captureNext = devices.flatMap((d) =>
      d.captures.map((capture) => {
        const p = capture.capturePeriodS * 1000;
        return { capture, atMs: (Math.floor(startMs / p) + 1) * p };
      }),
    );
    this.pushNext = devices.flatMap((d) =>
      d.pushes.map((push) => ({ push, atMs: startMs + push.intervalS * 1000 })),
    );
  }

  /** Every push of the meter. */
  get pushes(): readonly SimulatedPush[] {
    return this.pushNext.map((p) => p.push);
  }

  /** The next deadline (ms since the epoch), `undefined` when nothing is scheduled. */
  next(): number | undefined {
    let m: number | undefined;
    for (const c of this.captureNext) if (m === undefined || c.atMs < m) m = c.atMs;
    for (const p of this.pushNext) if (m === undefined || p.atMs < m) m = p.atMs;
    return m;
  }

  /**
   * The tasks due at `nowMs`, oldest first, and advances past them. Captures missed while the process
   * slept are all returned (the buffer gets every entry, at its own instant); a push that fell behind
   * is returned once.
   */
  due(nowMs: number): ScheduledTask[] {
    const out: ScheduledTask[] = [];
    for (const c of this.captureNext) {
      const p = c.capture.capturePeriodS * 1000;
      while (c.atMs <= nowMs) {
        out.push({ kind: 'capture', atMs: c.atMs, capture: c.capture });
        c.atMs += p;
      }
    }
    for (const p of this.pushNext) {
      if (p.atMs <= nowMs) {
        out.push({ kind: 'push', atMs: p.atMs, push: p.push });
        const period = p.push.intervalS * 1000;
        p.atMs += Math.max(1, Math.ceil((nowMs - p.atMs + 1) / period)) * period;
      }
    }
    return out.sort((a, b) => a.atMs - b.atMs);
  }

  /** Runs the due tasks: captures are appended, pushes triggered; push failures go to `onError`. */
  async run(nowMs: number, onError?: (e: unknown, task: ScheduledTask) => void): Promise<ScheduledTask[]> {
    const tasks = this.due(nowMs);
    for (const t of tasks) {
      if (t.kind === 'capture') t.capture.captureAt(t.atMs);
      else {
        try {
          await t.push.trigger();
        } catch (e) {
          onError?.(e, t);
        }
      }
    }
    return tasks;
  }
}
