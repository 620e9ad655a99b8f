/**
 * Settings of `mbus-gcm read`: the JSON config file, the environment and the command-line flags merged
 * into one checked object (flags win over the environment, the environment over the file).
 *
 * Keys are parsed here and nowhere else, and no message of this file ever contains key material: a bad
 * key is reported by where it came from and what is wrong with its shape.
 */
import { readFileSync } from 'node:fs';
import { ArgumentError, fromHex } from '@meteringlab/dlms-core';
import type { PushObjectInput, ScalerUnit } from '@meteringlab/cosem-objects';
import type { PushFormat } from './push-decoder.js';

/** Debug layers of `--debug`. */
export const DEBUG_LAYERS = ['serial', 'telegram', 'apdu', 'plaintext', 'readings'] as const;
export type DebugLayer = (typeof DEBUG_LAYERS)[number];

/** MQTT settings. */
export interface MqttSettings {
  readonly url: string;
  /** Topic prefix (default `mbus-gcm`): pushes go to `{topic}/{meter}/state`. */
  readonly topic: string;
  readonly haDiscovery: boolean;
  /** Default `homeassistant`. */
  readonly discoveryPrefix: string;
  readonly username?: string;
  readonly password?: string;
}

/** Everything `read` needs. */
export interface ReadSettings {
  readonly port: string;
  readonly baudRate: number;
  readonly parity: 'none' | 'even' | 'odd';
  readonly format: PushFormat;
  readonly key?: Uint8Array;
  readonly authKey?: Uint8Array;
  readonly allowUnverified: boolean;
  readonly captureObjects?: readonly PushObjectInput[];
  readonly scalerUnits?: Readonly<Record<string, ScalerUnit>>;
  readonly mqtt?: MqttSettings;
  readonly debug: ReadonlySet<DebugLayer>;
  /** Line silence that ends a received chunk (default 30 ms). */
  readonly interByteTimeoutMs: number;
  /** First reopen delay after the port vanished or failed to open (default 1000 ms), doubled up to `maxReopenDelayMs`. */
  readonly reopenDelayMs: number;
  readonly maxReopenDelayMs: number;
}

/** The config file (every field optional; flags and environment override it). */
export interface ConfigFile {
  port?: string;
  baud?: number;
  parity?: 'none' | 'even' | 'odd';
  format?: PushFormat;
  key?: string;
  authKey?: string;
  noVerify?: boolean;
  captureObjects?: PushObjectInput[];
  scalerUnits?: Record<string, ScalerUnit>;
  mqtt?: {
    url?: string;
    topic?: string;
    haDiscovery?: boolean;
    discoveryPrefix?: string;
    username?: string;
    password?: string;
  };
  debug?: string[];
}

/** A key from hex: 16 bytes (suites 0 and 1) or 32 bytes (suite 2). Never echoes the key. */
export function parseKey(text: string, what: string): Uint8Array {
  let b: Uint8Array;
  try {
    b = fromHex(text);
  } catch {
    throw new ArgumentError(`${what} is not hexadecimal`);
  }
  if (b.length !== 16 && b.length !== 32) {
    throw new ArgumentError(
      `${what} must be 32 hex digits (AES-128) or 64 (AES-256), not ${text.replace(/[\s:-]/g, '').length}`,
    );
  }
  return b;
}

export const FORMATS: readonly PushFormat[] = ['auto', 'mbus', 'hdlc', 'apdu'];

/** Parses `--format`. */
export function parseFormat(s: string): PushFormat {
  if (!(FORMATS as readonly string[]).includes(s))
    throw new ArgumentError(`--format must be one of ${FORMATS.join(', ')}, not "${s}"`);
  return s as PushFormat;
}

/** Parses `--debug serial,telegram,…` (or `all`). */
export function parseDebug(list: readonly string[]): Set<DebugLayer> {
  const out = new Set<DebugLayer>();
  for (const item of list
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    if (item === 'all') DEBUG_LAYERS.forEach((l) => out.add(l));
    else if ((DEBUG_LAYERS as readonly string[]).includes(item)) out.add(item as DebugLayer);
    else throw new ArgumentError(`--debug layer "${item}" is not one of ${DEBUG_LAYERS.join(', ')}, all`);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkType(path: string, v: unknown, type: 'string' | 'number' | 'boolean'): void {
  if (v !== undefined && typeof v !== type) throw new ArgumentError(`config ${path} must be a ${type}`);
}

/** Reads and checks a config file. Errors name the file and the field. */
export function loadConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ArgumentError(
      `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ArgumentError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return checkConfig(v, path);
}

const KNOWN = new Set([
  'port',
  'baud',
  'parity',
  'format',
  'key',
  'authKey',
  'noVerify',
  'captureObjects',
  'scalerUnits',
  'mqtt',
  'debug',
]);

/** Checks the shape of a parsed config file. */
export function checkConfig(v: unknown, where = 'config'): ConfigFile {
  if (!isRecord(v)) throw new ArgumentError(`${where}: the top level must be a JSON object`);
  for (const k of Object.keys(v))
    if (!KNOWN.has(k))
      throw new ArgumentError(`${where}: unknown field "${k}" (known: ${[...KNOWN].join(', ')})`);
  checkType('port', v['port'], 'string');
  checkType('baud', v['baud'], 'number');
  checkType('key', v['key'], 'string');
  checkType('authKey', v['authKey'], 'string');
  checkType('noVerify', v['noVerify'], 'boolean');
  if (v['parity'] !== undefined && !['none', 'even', 'odd'].includes(v['parity'] as string))
    throw new ArgumentError(`${where}: parity must be none, even or odd`);
  if (v['format'] !== undefined) parseFormat(String(v['format']));
  if (v['debug'] !== undefined) {
    if (!Array.isArray(v['debug']))
      throw new ArgumentError(`${where}: debug must be an array of layer names`);
    parseDebug(v['debug'].map(String));
  }
  const co = v['captureObjects'];
  if (co !== undefined) {
    if (!Array.isArray(co)) throw new ArgumentError(`${where}: captureObjects must be an array`);
    co.forEach((c: unknown, i) => {
      if (
        !isRecord(c) ||
        typeof c['classId'] !== 'number' ||
        typeof c['logicalName'] !== 'string' ||
        typeof c['attributeIndex'] !== 'number'
      ) {
        throw new ArgumentError(
          `${where}: captureObjects[${i}] must be { classId: number, logicalName: "1.0.1.8.0.255", attributeIndex: number, scalerUnit?: { scaler, unit } }`,
        );
      }
    });
  }
  const su = v['scalerUnits'];
  if (su !== undefined) {
    if (!isRecord(su))
      throw new ArgumentError(
        `${where}: scalerUnits must be an object { "1.0.1.8.0.255": { "scaler": 0, "unit": 30 } }`,
      );
    for (const [k, x] of Object.entries(su)) {
      if (!isRecord(x) || typeof x['scaler'] !== 'number' || typeof x['unit'] !== 'number')
        throw new ArgumentError(`${where}: scalerUnits["${k}"] must be { scaler: number, unit: number }`);
    }
  }
  const m = v['mqtt'];
  if (m !== undefined) {
    if (!isRecord(m)) throw new ArgumentError(`${where}: mqtt must be an object`);
    for (const k of ['url', 'topic', 'discoveryPrefix', 'username', 'password'])
      checkType(`mqtt.${k}`, m[k], 'string');
    checkType('mqtt.haDiscovery', m['haDiscovery'], 'boolean');
  }
  return v as ConfigFile;
}

/** Command-line options of `read` as commander gives them. */
export interface ReadFlags {
  port?: string;
  baud?: string;
  parity?: string;
  format?: string;
  key?: string;
  authKey?: string;
  verify?: boolean;
  mqtt?: string;
  topic?: string;
  haDiscovery?: boolean;
  config?: string;
  debug?: string[];
}

/** Merges flags, environment and config file into {@link ReadSettings}. */
export function readSettings(flags: ReadFlags, env: NodeJS.ProcessEnv): ReadSettings {
  const file: ConfigFile = flags.config === undefined ? {} : loadConfigFile(flags.config);
  const port = flags.port ?? file.port;
  if (port === undefined)
    throw new ArgumentError('--port is required (e.g. --port /dev/ttyUSB0), or "port" in the config file');
  const baudText = flags.baud ?? (file.baud === undefined ? '2400' : String(file.baud));
  const baudRate = Number(baudText);
  if (!Number.isInteger(baudRate) || baudRate < 300 || baudRate > 921600)
    throw new ArgumentError(`--baud must be a whole number of baud (e.g. 2400), not "${baudText}"`);
  const parity = flags.parity ?? file.parity ?? 'none';
  if (parity !== 'none' && parity !== 'even' && parity !== 'odd')
    throw new ArgumentError(`--parity must be none, even or odd, not "${parity}"`);
  const format = parseFormat(flags.format ?? file.format ?? 'auto');
  const keySource =
    flags.key !== undefined
      ? '--key'
      : env['MBUS_GCM_KEY'] !== undefined
        ? 'MBUS_GCM_KEY'
        : 'the config file key';
  const keyText = flags.key ?? env['MBUS_GCM_KEY'] ?? file.key;
  const authSource =
    flags.authKey !== undefined
      ? '--auth-key'
      : env['MBUS_GCM_AUTH_KEY'] !== undefined
        ? 'MBUS_GCM_AUTH_KEY'
        : 'the config file authKey';
  const authText = flags.authKey ?? env['MBUS_GCM_AUTH_KEY'] ?? file.authKey;
  const mqttUrl = flags.mqtt ?? file.mqtt?.url;
  const debug = parseDebug([...(file.debug ?? []), ...(flags.debug ?? [])]);
  return {
    port,
    baudRate,
    parity,
    format,
    ...(keyText === undefined || keyText === '' ? {} : { key: parseKey(keyText, keySource) }),
    ...(authText === undefined || authText === '' ? {} : { authKey: parseKey(authText, authSource) }),
    allowUnverified: flags.verify === false || file.noVerify === true,
    ...(file.captureObjects === undefined ? {} : { captureObjects: file.captureObjects }),
    ...(file.scalerUnits === undefined ? {} : { scalerUnits: file.scalerUnits }),
    ...(mqttUrl === undefined
      ? {}
      : {
          mqtt: {
            url: mqttUrl,
            topic: flags.topic ?? file.mqtt?.topic ?? 'mbus-gcm',
            haDiscovery: flags.haDiscovery === true || file.mqtt?.haDiscovery === true,
            discoveryPrefix: file.mqtt?.discoveryPrefix ?? 'homeassistant',
            ...(file.mqtt?.username === undefined ? {} : { username: file.mqtt.username }),
            ...(file.mqtt?.password === undefined ? {} : { password: file.mqtt.password }),
          },
        }),
    debug,
    interByteTimeoutMs: 30,
    reopenDelayMs: 1000,
    maxReopenDelayMs: 30000,
  };
}
