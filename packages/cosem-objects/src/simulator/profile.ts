/**
 * The meter simulator's profile: the JSON document that describes the logical devices a simulated
 * meter offers (server address, associations, objects with their values or generators, pushes), and
 * its validation. Every problem is reported with the JSON path of the member at fault
 * (`$.devices[0].objects[2].obis`), all problems at once, so a profile can be fixed in one go.
 *
 * Only the document is checked here (types, ranges, references between members, key lengths); turning
 * it into objects is `build.ts`. Nothing here reads a file: callers pass the parsed JSON.
 */
import { ArgumentError, dataFromJson, tryParseObis, type Data } from '@meteringlab/dlms-core';

/** Authentication mechanism names of a profile association and their ids (Green Book 9.4.2.2.2). */
export const MECHANISMS = {
  none: 0,
  lls: 1,
  'hls-md5': 3,
  'hls-sha1': 4,
  'hls-gmac': 5,
  'hls-sha256': 6,
} as const;

/** A mechanism name of {@link MECHANISMS}. */
export type MechanismName = keyof typeof MECHANISMS;

/** Security policy names (what every request of a ciphered association must carry). */
export type PolicyName = 'none' | 'authenticated' | 'encrypted' | 'authenticated-encrypted';

/** Suite 0 keys (16 bytes each, hex in the JSON). */
export interface ProfileKeys {
  readonly blockCipherKey: Uint8Array;
  readonly authenticationKey: Uint8Array;
}

/** One association a client may open. */
export interface ProfileAssociation {
  /** Client address (SAP): wrapper source wPort or HDLC client address. */
  readonly clientAddress: number;
  readonly mechanism: MechanismName;
  /** LLS password (text in the JSON). */
  readonly password?: Uint8Array;
  /** HLS secret for hls-md5/sha1/sha256 (text in the JSON). */
  readonly secret?: Uint8Array;
  /** 'none' (default): plain context; otherwise the ciphered context with the device's keys. */
  readonly policy: PolicyName;
  /** Which rights the association grants: read-only (default for none), full, or the class defaults. */
  readonly rights: 'read-only' | 'full' | 'default';
}

/** How a value changes with time. */
export type ProfileGenerator =
  /** start + ratePerHour × hours since `startAt` (an increasing energy register). */
  | {
      readonly kind: 'counter';
      readonly start: number;
      readonly ratePerHour: number;
      /** Instant of `start` in ms since the epoch; default: the build time. */
      readonly startAtMs?: number;
    }
  /** mean + amplitude × sin(2π t / periodS), rounded to an integer (raw units). */
  | { readonly kind: 'sine'; readonly mean: number; readonly amplitude: number; readonly periodS: number }
  /** A walk from `start` by ±step every `intervalS`, kept within [min, max]; seeded. */
  | {
      readonly kind: 'random-walk';
      readonly start: number;
      readonly step: number;
      readonly min: number;
      readonly max: number;
      readonly intervalS: number;
      readonly seed: number;
    };

/** A reference to one attribute (capture object, push object). */
export interface ProfileAttributeRef {
  readonly classId: number;
  readonly obis: string;
  readonly attribute: number;
  readonly dataIndex?: number;
}

/** One COSEM object of a device. */
export type ProfileObject =
  | {
      readonly class: 'data';
      readonly obis: string;
      readonly value: Data;
      readonly generator?: ProfileGenerator;
      readonly valueType: NumericType;
    }
  | {
      readonly class: 'register' | 'extended-register';
      readonly obis: string;
      readonly value: Data;
      readonly scaler: number;
      readonly unit: number;
      readonly generator?: ProfileGenerator;
      readonly valueType: NumericType;
    }
  | { readonly class: 'clock'; readonly obis: string; readonly timeZone: number }
  | {
      readonly class: 'profile-generic';
      readonly obis: string;
      readonly captureObjects: readonly ProfileAttributeRef[];
      readonly capturePeriodS: number;
      readonly profileEntries: number;
      /** Seconds of history computed at build time (from the generators), 0 for an empty buffer. */
      readonly prefillS: number;
    };

/** The numeric Data type a generator produces. */
export type NumericType =
  | 'double-long-unsigned'
  | 'double-long'
  | 'long-unsigned'
  | 'long'
  | 'unsigned'
  | 'integer'
  | 'long64-unsigned'
  | 'long64'
  | 'float32'
  | 'float64';

const NUMERIC_TYPES: readonly NumericType[] = [
  'double-long-unsigned',
  'double-long',
  'long-unsigned',
  'long',
  'unsigned',
  'integer',
  'long64-unsigned',
  'long64',
  'float32',
  'float64',
];

/** A periodic push. */
export interface ProfilePush {
  readonly obis: string;
  /** What is pushed (the Push setup's own logical name is put first when not listed). */
  readonly objects: readonly ProfileAttributeRef[];
  readonly intervalS: number;
  /** `tcp://host:port` or `udp://host:port`. */
  readonly destination: string;
  /** Cipher the DataNotification (general-glo-ciphering) with the device's keys. */
  readonly ciphered: boolean;
  /** Source wPort of the wrapper frame; default: the device's server address. */
  readonly sourceWPort?: number;
  /** Destination wPort of the wrapper frame; default 16. */
  readonly destinationWPort: number;
}

/** One logical device. */
export interface ProfileDevice {
  /** Server address: wrapper destination wPort and HDLC upper address (1..0x3FFF). */
  readonly serverAddress: number;
  /** Logical device name (0.0.42.0.0.255), a visible string; default `SIM` + address. */
  readonly name: string;
  /** Server system title (8 bytes, hex); required for ciphering, HLS-GMAC and ciphered pushes. */
  readonly systemTitle?: Uint8Array;
  readonly keys?: ProfileKeys;
  readonly associations: readonly ProfileAssociation[];
  readonly objects: readonly ProfileObject[];
  readonly pushes: readonly ProfilePush[];
}

/** A validated profile. */
export interface SimulatorProfile {
  readonly devices: readonly ProfileDevice[];
}

/** One problem of a profile. */
export interface ProfileIssue {
  /** JSON path of the member at fault, e.g. `$.devices[0].associations[1].password`. */
  readonly path: string;
  readonly message: string;
}

/** What {@link validateSimulatorProfile} answers. */
export type ProfileValidation =
  | { readonly ok: true; readonly profile: SimulatorProfile }
  | { readonly ok: false; readonly issues: readonly ProfileIssue[] };

type Json = unknown;

class Checker {
  readonly issues: ProfileIssue[] = [];

  fail(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  object(v: Json, path: string): Record<string, Json> | undefined {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.fail(path, 'must be an object');
    return v as Record<string, Json>;
  }

  unknownKeys(o: Record<string, Json>, path: string, known: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!known.includes(k))
        this.fail(`${path}.${k}`, `unknown member (expected one of: ${known.join(', ')})`);
    }
  }

  array(v: Json, path: string): readonly Json[] | undefined {
    if (!Array.isArray(v)) return this.fail(path, 'must be an array');
    return v;
  }

  int(v: Json, path: string, min: number, max: number): number | undefined {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      return this.fail(path, `must be an integer in ${min}..${max}`);
    return v;
  }

  num(v: Json, path: string, min = -Number.MAX_VALUE, max = Number.MAX_VALUE): number | undefined {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
      return this.fail(path, `must be a finite number${min > -Number.MAX_VALUE ? ` >= ${min}` : ''}`);
    return v;
  }

  str(v: Json, path: string): string | undefined {
    if (typeof v !== 'string') return this.fail(path, 'must be a string');
    return v;
  }

  bool(v: Json, path: string): boolean | undefined {
    if (typeof v !== 'boolean') return this.fail(path, 'must be true or false');
    return v;
  }

  oneOf<T extends string>(v: Json, path: string, choices: readonly T[]): T | undefined {
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v))
      return this.fail(path, `must be one of: ${choices.join(', ')}`);
    return v as T;
  }

  hex(v: Json, path: string, length: number): Uint8Array | undefined {
    if (typeof v !== 'string') return this.fail(path, `must be ${length} bytes in hex`);
    const clean = v.replace(/[\s:]/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(clean) || clean.length !== length * 2)
      return this.fail(path, `must be ${length} bytes in hex`);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
    return out;
  }

  obis(v: Json, path: string): string | undefined {
    if (typeof v !== 'string' || tryParseObis(v) === undefined)
      return this.fail(path, 'must be an OBIS code such as "1.0.1.8.0.255" or "1-0:1.8.0.255"');
    const o = tryParseObis(v)!;
    return `${o.a}.${o.b}.${o.c}.${o.d}.${o.e}.${o.f}`;
  }

  data(v: Json, path: string): Data | undefined {
    try {
      return dataFromJson(v);
    } catch (e) {
      // dataFromJson names the path inside the value from `$`; graft it onto ours.
      const inner = e instanceof Error ? e.message.replace(/^\$/, path) : String(e);
      return this.fail(path, `is not a typed Data value {type, value}: ${inner}`);
    }
  }
}

const CLASS_NAMES: Readonly<Record<string, ProfileObject['class']>> = {
  '1': 'data',
  data: 'data',
  '3': 'register',
  register: 'register',
  '4': 'extended-register',
  'extended-register': 'extended-register',
  '7': 'profile-generic',
  'profile-generic': 'profile-generic',
  '8': 'clock',
  clock: 'clock',
};

function generator(
  c: Checker,
  v: Json,
  path: string,
  device: number,
  index: number,
): ProfileGenerator | undefined {
  const o = c.object(v, path);
  if (o === undefined) return undefined;
  const kind = c.oneOf(o['kind'], `${path}.kind`, ['counter', 'sine', 'random-walk'] as const);
  switch (kind) {
    case 'counter': {
      c.unknownKeys(o, path, ['kind', 'start', 'ratePerHour', 'startAt']);
      const start = c.num(o['start'] ?? 0, `${path}.start`, 0);
      const ratePerHour = c.num(o['ratePerHour'], `${path}.ratePerHour`, 0);
      let startAtMs: number | undefined;
      if (o['startAt'] !== undefined) {
        const t = typeof o['startAt'] === 'string' ? Date.parse(o['startAt']) : NaN;
        if (Number.isNaN(t)) c.fail(`${path}.startAt`, 'must be an ISO 8601 date-time');
        else startAtMs = t;
      }
      if (start === undefined || ratePerHour === undefined) return undefined;
      return startAtMs === undefined ? { kind, start, ratePerHour } : { kind, start, ratePerHour, startAtMs };
    }
    case 'sine': {
      c.unknownKeys(o, path, ['kind', 'mean', 'amplitude', 'periodS']);
      const mean = c.num(o['mean'], `${path}.mean`);
      const amplitude = c.num(o['amplitude'], `${path}.amplitude`, 0);
      const periodS = c.num(o['periodS'] ?? 86400, `${path}.periodS`, 1);
      if (mean === undefined || amplitude === undefined || periodS === undefined) return undefined;
      return { kind, mean, amplitude, periodS };
    }
    case 'random-walk': {
      c.unknownKeys(o, path, ['kind', 'start', 'step', 'min', 'max', 'intervalS', 'seed']);
      const start = c.num(o['start'], `${path}.start`);
      const step = c.num(o['step'] ?? 1, `${path}.step`, 0);
      const min = c.num(o['min'] ?? -Number.MAX_SAFE_INTEGER, `${path}.min`);
      const max = c.num(o['max'] ?? Number.MAX_SAFE_INTEGER, `${path}.max`);
      const intervalS = c.num(o['intervalS'] ?? 1, `${path}.intervalS`, 0.001);
      const seed = c.int(o['seed'] ?? device * 1000 + index, `${path}.seed`, 0, 0xffffffff);
      if (min !== undefined && max !== undefined && min > max) c.fail(`${path}.min`, 'must not exceed max');
      if (
        start === undefined ||
        step === undefined ||
        min === undefined ||
        max === undefined ||
        intervalS === undefined ||
        seed === undefined
      )
        return undefined;
      return { kind, start, step, min, max, intervalS, seed };
    }
    default:
      return undefined;
  }
}

function attributeRef(c: Checker, v: Json, path: string): ProfileAttributeRef | undefined {
  const o = c.object(v, path);
  if (o === undefined) return undefined;
  c.unknownKeys(o, path, ['classId', 'obis', 'attribute', 'dataIndex']);
  const classId = c.int(o['classId'], `${path}.classId`, 0, 0xffff);
  const obis = c.obis(o['obis'], `${path}.obis`);
  const attribute = c.int(o['attribute'] ?? 2, `${path}.attribute`, 1, 127);
  const dataIndex =
    o['dataIndex'] === undefined ? undefined : c.int(o['dataIndex'], `${path}.dataIndex`, 0, 0xffff);
  if (classId === undefined || obis === undefined || attribute === undefined) return undefined;
  return dataIndex === undefined ? { classId, obis, attribute } : { classId, obis, attribute, dataIndex };
}

function objectOf(
  c: Checker,
  v: Json,
  path: string,
  device: number,
  index: number,
): ProfileObject | undefined {
  const o = c.object(v, path);
  if (o === undefined) return undefined;
  const cls = CLASS_NAMES[String(o['class'])];
  if (cls === undefined) {
    return c.fail(
      `${path}.class`,
      'must be one of: data (1), register (3), extended-register (4), profile-generic (7), clock (8)',
    );
  }
  switch (cls) {
    case 'clock': {
      c.unknownKeys(o, path, ['class', 'obis', 'timeZone']);
      const obis = c.obis(o['obis'] ?? '0.0.1.0.0.255', `${path}.obis`);
      const timeZone = c.int(o['timeZone'] ?? 0, `${path}.timeZone`, -720, 720);
      if (obis === undefined || timeZone === undefined) return undefined;
      return { class: cls, obis, timeZone };
    }
    case 'profile-generic': {
      c.unknownKeys(o, path, [
        'class',
        'obis',
        'captureObjects',
        'capturePeriodS',
        'profileEntries',
        'prefillS',
      ]);
      const obis = c.obis(o['obis'], `${path}.obis`);
      const list = c.array(o['captureObjects'], `${path}.captureObjects`);
      const captureObjects = (list ?? []).map((x, i) => attributeRef(c, x, `${path}.captureObjects[${i}]`));
      const capturePeriodS = c.int(o['capturePeriodS'] ?? 900, `${path}.capturePeriodS`, 0, 0xffffffff);
      const profileEntries = c.int(o['profileEntries'] ?? 1000, `${path}.profileEntries`, 1, 100000);
      const prefillS = c.int(o['prefillS'] ?? 0, `${path}.prefillS`, 0, 366 * 86400);
      if (prefillS !== undefined && prefillS > 0 && capturePeriodS === 0)
        c.fail(`${path}.prefillS`, 'needs a capturePeriodS above 0');
      if (
        obis === undefined ||
        list === undefined ||
        capturePeriodS === undefined ||
        profileEntries === undefined ||
        prefillS === undefined
      )
        return undefined;
      if (captureObjects.some((x) => x === undefined)) return undefined;
      return {
        class: cls,
        obis,
        captureObjects: captureObjects as ProfileAttributeRef[],
        capturePeriodS,
        profileEntries,
        prefillS,
      };
    }
    default: {
      const register = cls !== 'data';
      c.unknownKeys(
        o,
        path,
        register
          ? ['class', 'obis', 'value', 'generator', 'scaler', 'unit', 'type']
          : ['class', 'obis', 'value', 'generator', 'type'],
      );
      const obis = c.obis(o['obis'], `${path}.obis`);
      const gen =
        o['generator'] === undefined
          ? undefined
          : generator(c, o['generator'], `${path}.generator`, device, index);
      let value: Data | undefined;
      if (o['value'] !== undefined) value = c.data(o['value'], `${path}.value`);
      else if (o['generator'] === undefined)
        c.fail(`${path}.value`, 'is required when there is no generator');
      let valueType: NumericType = 'double-long-unsigned';
      if (o['type'] !== undefined) {
        const t = c.oneOf(o['type'], `${path}.type`, NUMERIC_TYPES);
        if (t !== undefined) valueType = t;
      } else if (value !== undefined && (NUMERIC_TYPES as readonly string[]).includes(value.type)) {
        valueType = value.type as NumericType;
      } else if (gen !== undefined && gen.kind !== 'counter') {
        valueType = 'long';
      }
      if (gen !== undefined && value !== undefined && value.type !== valueType)
        c.fail(
          `${path}.type`,
          `the generator's type ${valueType} differs from the value's type ${value.type}`,
        );
      const scaler = register ? c.int(o['scaler'] ?? 0, `${path}.scaler`, -128, 127) : 0;
      const unit = register ? c.int(o['unit'] ?? 255, `${path}.unit`, 0, 255) : 255;
      if (obis === undefined || scaler === undefined || unit === undefined) return undefined;
      if (o['generator'] !== undefined && gen === undefined) return undefined;
      if (o['value'] !== undefined && value === undefined) return undefined;
      const v0 = value ?? { type: 'null-data' as const };
      const base =
        gen === undefined ? { obis, value: v0, valueType } : { obis, value: v0, valueType, generator: gen };
      return register ? { class: cls, ...base, scaler, unit } : { class: 'data', ...base };
    }
  }
}

function association(
  c: Checker,
  v: Json,
  path: string,
  keysGiven: boolean,
  titleGiven: boolean,
): ProfileAssociation | undefined {
  const o = c.object(v, path);
  if (o === undefined) return undefined;
  c.unknownKeys(o, path, ['clientAddress', 'mechanism', 'password', 'secret', 'policy', 'rights']);
  const clientAddress = c.int(o['clientAddress'], `${path}.clientAddress`, 1, 0x7f);
  const mechanism = c.oneOf(
    o['mechanism'] ?? 'none',
    `${path}.mechanism`,
    Object.keys(MECHANISMS) as MechanismName[],
  );
  const policy = c.oneOf(o['policy'] ?? 'none', `${path}.policy`, [
    'none',
    'authenticated',
    'encrypted',
    'authenticated-encrypted',
  ] as const);
  const rights = c.oneOf(o['rights'] ?? (mechanism === 'none' ? 'read-only' : 'full'), `${path}.rights`, [
    'read-only',
    'full',
    'default',
  ] as const);
  const text = new TextEncoder();
  let password: Uint8Array | undefined;
  let secret: Uint8Array | undefined;
  if (mechanism === 'lls') {
    const p = c.str(o['password'], `${path}.password`);
    if (p !== undefined) password = text.encode(p);
  } else if (o['password'] !== undefined) c.fail(`${path}.password`, 'is only used with mechanism "lls"');
  if (mechanism === 'hls-md5' || mechanism === 'hls-sha1' || mechanism === 'hls-sha256') {
    const s = c.str(o['secret'], `${path}.secret`);
    if (s !== undefined) secret = text.encode(s);
  } else if (o['secret'] !== undefined)
    c.fail(`${path}.secret`, 'is only used with mechanisms hls-md5, hls-sha1, hls-sha256');
  if ((mechanism === 'hls-gmac' || (policy !== undefined && policy !== 'none')) && !keysGiven)
    c.fail(
      `${path}.${mechanism === 'hls-gmac' ? 'mechanism' : 'policy'}`,
      'needs the device keys ($.devices[n].keys)',
    );
  if ((mechanism === 'hls-gmac' || (policy !== undefined && policy !== 'none')) && !titleGiven)
    c.fail(
      `${path}.${mechanism === 'hls-gmac' ? 'mechanism' : 'policy'}`,
      'needs the device system title ($.devices[n].systemTitle)',
    );
  if (clientAddress === undefined || mechanism === undefined || policy === undefined || rights === undefined)
    return undefined;
  return {
    clientAddress,
    mechanism,
    policy,
    rights,
    ...(password === undefined ? {} : { password }),
    ...(secret === undefined ? {} : { secret }),
  };
}

function push(
  c: Checker,
  v: Json,
  path: string,
  keysGiven: boolean,
  titleGiven: boolean,
): ProfilePush | undefined {
  const o = c.object(v, path);
  if (o === undefined) return undefined;
  c.unknownKeys(o, path, [
    'obis',
    'objects',
    'intervalS',
    'destination',
    'ciphered',
    'sourceWPort',
    'destinationWPort',
  ]);
  const obis = c.obis(o['obis'] ?? '0.0.25.9.0.255', `${path}.obis`);
  const list = c.array(o['objects'], `${path}.objects`);
  const objects = (list ?? []).map((x, i) => attributeRef(c, x, `${path}.objects[${i}]`));
  const intervalS = c.num(o['intervalS'] ?? 60, `${path}.intervalS`, 0.01);
  const destination = c.str(o['destination'], `${path}.destination`);
  if (destination !== undefined && parseDestination(destination) === undefined)
    c.fail(`${path}.destination`, 'must be tcp://host:port or udp://host:port');
  const ciphered = c.bool(o['ciphered'] ?? false, `${path}.ciphered`);
  if (ciphered === true && !keysGiven)
    c.fail(`${path}.ciphered`, 'needs the device keys ($.devices[n].keys)');
  if (ciphered === true && !titleGiven)
    c.fail(`${path}.ciphered`, 'needs the device system title ($.devices[n].systemTitle)');
  const sourceWPort =
    o['sourceWPort'] === undefined ? undefined : c.int(o['sourceWPort'], `${path}.sourceWPort`, 0, 0xffff);
  const destinationWPort = c.int(o['destinationWPort'] ?? 16, `${path}.destinationWPort`, 0, 0xffff);
  if (
    obis === undefined ||
    list === undefined ||
    intervalS === undefined ||
    destination === undefined ||
    ciphered === undefined ||
    destinationWPort === undefined
  )
    return undefined;
  if (objects.some((x) => x === undefined)) return undefined;
  return {
    obis,
    objects: objects as ProfileAttributeRef[],
    intervalS,
    destination,
    ciphered,
    destinationWPort,
    ...(sourceWPort === undefined ? {} : { sourceWPort }),
  };
}

/** A push destination: transport, host and port. */
export interface PushDestination {
  readonly transport: 'tcp' | 'udp';
  readonly host: string;
  readonly port: number;
}

/** Parses `tcp://host:port` or `udp://host:port` (IPv6 hosts in brackets); `undefined` when malformed. */
export function parseDestination(text: string): PushDestination | undefined {
  const m = /^(tcp|udp):\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d{1,5})\/?$/.exec(text);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { transport: m[1] as 'tcp' | 'udp', host: m[2]!.replace(/^\[|\]$/g, ''), port };
}

function device(c: Checker, v: Json, path: string, index: number): ProfileDevice | undefined {
  const o = c.object(v, path);
  if (o === undefined) return undefined;
  c.unknownKeys(o, path, [
    'serverAddress',
    'name',
    'systemTitle',
    'keys',
    'associations',
    'objects',
    'pushes',
  ]);
  const serverAddress = c.int(o['serverAddress'] ?? index + 1, `${path}.serverAddress`, 1, 0x3fff);
  const name = c.str(
    o['name'] ?? `SIM${String(serverAddress ?? index + 1).padStart(13, '0')}`,
    `${path}.name`,
  );
  const systemTitle =
    o['systemTitle'] === undefined ? undefined : c.hex(o['systemTitle'], `${path}.systemTitle`, 8);
  let keys: ProfileKeys | undefined;
  if (o['keys'] !== undefined) {
    const k = c.object(o['keys'], `${path}.keys`);
    if (k !== undefined) {
      c.unknownKeys(k, `${path}.keys`, ['blockCipherKey', 'authenticationKey']);
      const blockCipherKey = c.hex(k['blockCipherKey'], `${path}.keys.blockCipherKey`, 16);
      const authenticationKey = c.hex(k['authenticationKey'], `${path}.keys.authenticationKey`, 16);
      if (blockCipherKey !== undefined && authenticationKey !== undefined)
        keys = { blockCipherKey, authenticationKey };
    }
  }
  const keysGiven = o['keys'] !== undefined;
  const titleGiven = o['systemTitle'] !== undefined;
  const assocList = c.array(o['associations'] ?? [{ clientAddress: 16 }], `${path}.associations`) ?? [];
  const associations = assocList.map((x, i) =>
    association(c, x, `${path}.associations[${i}]`, keysGiven, titleGiven),
  );
  const seen = new Map<number, number>();
  associations.forEach((a, i) => {
    if (a === undefined) return;
    const first = seen.get(a.clientAddress);
    if (first !== undefined)
      c.fail(
        `${path}.associations[${i}].clientAddress`,
        `client address ${a.clientAddress} is already used by associations[${first}]`,
      );
    else seen.set(a.clientAddress, i);
  });
  const objList = c.array(o['objects'] ?? [], `${path}.objects`) ?? [];
  const objects = objList.map((x, i) => objectOf(c, x, `${path}.objects[${i}]`, index, i));
  const names = new Map<string, number>();
  objects.forEach((ob, i) => {
    if (ob === undefined) return;
    const key = `${ob.class}/${ob.obis}`;
    const first = names.get(key);
    if (first !== undefined)
      c.fail(`${path}.objects[${i}].obis`, `${ob.obis} is already defined by objects[${first}]`);
    else names.set(key, i);
  });
  const pushList = c.array(o['pushes'] ?? [], `${path}.pushes`) ?? [];
  const pushes = pushList.map((x, i) => push(c, x, `${path}.pushes[${i}]`, keysGiven, titleGiven));
  if (serverAddress === undefined || name === undefined) return undefined;
  if (
    associations.some((x) => x === undefined) ||
    objects.some((x) => x === undefined) ||
    pushes.some((x) => x === undefined)
  )
    return undefined;
  if ((titleGiven && systemTitle === undefined) || (keysGiven && keys === undefined)) return undefined;
  return {
    serverAddress,
    name,
    ...(systemTitle === undefined ? {} : { systemTitle }),
    ...(keys === undefined ? {} : { keys }),
    associations: associations as ProfileAssociation[],
    objects: objects as ProfileObject[],
    pushes: pushes as ProfilePush[],
  };
}

/**
 * Checks a parsed JSON profile and returns it typed (OBIS codes normalised to dotted form, keys as
 * bytes), or every problem with its JSON path.
 */
export function validateSimulatorProfile(json: unknown): ProfileValidation {
  const c = new Checker();
  const root = c.object(json, '$');
  let devices: (ProfileDevice | undefined)[] = [];
  if (root !== undefined) {
    c.unknownKeys(root, '$', ['$schema', 'description', 'devices']);
    const list = c.array(root['devices'], '$.devices');
    if (list !== undefined && list.length === 0) c.fail('$.devices', 'must list at least one device');
    devices = (list ?? []).map((d, i) => device(c, d, `$.devices[${i}]`, i));
    const seen = new Map<number, number>();
    devices.forEach((d, i) => {
      if (d === undefined) return;
      const first = seen.get(d.serverAddress);
      if (first !== undefined)
        c.fail(
          `$.devices[${i}].serverAddress`,
          `server address ${d.serverAddress} is already used by devices[${first}]`,
        );
      else seen.set(d.serverAddress, i);
    });
  }
  if (c.issues.length > 0) return { ok: false, issues: c.issues };
  return { ok: true, profile: { devices: devices as ProfileDevice[] } };
}

/**
 * As {@link validateSimulatorProfile}, throwing an `ArgumentError` (code `INVALID_ARGUMENT`) whose
 * message lists every problem as `path: message`, one per line; the issues are its `cause`.
 */
export function parseSimulatorProfile(json: unknown): SimulatorProfile {
  const r = validateSimulatorProfile(json);
  if (r.ok) return r.profile;
  throw new ArgumentError(
    `invalid simulator profile:\n${r.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
    {
      cause: r.issues,
    },
  );
}
