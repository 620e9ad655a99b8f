/**
 * The concentrator's configuration: defaults, the JSON config file (validated, each problem named by
 * its path), and the association settings turned into what the server engine and the object model
 * take (no authentication, LLS, or HLS-GMAC with security suite 0 ciphering).
 *
 * Precedence: command-line options over environment variables over the config file over defaults
 * (main.ts merges them). Not here: reading argv, opening anything but the files named.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  DataAccessResultCode,
  conformanceFromNames,
  fromHex,
  type DataAccessResult,
  type InvocationCounterStore,
  type ServerAssociationConfig,
} from '@meteringlab/dlms-core';
import { validateObjectMap, type DeviceAssociation, type ObjectMap } from './object-map.js';

/** One association offered by every mapped meter. */
export type AssociationSpec =
  | { readonly clientAddress: number; readonly authentication: 'none' }
  | { readonly clientAddress: number; readonly authentication: 'lls'; readonly password: string }
  | {
      readonly clientAddress: number;
      readonly authentication: 'hls-gmac';
      /** Global unicast encryption key, 16 bytes hex. */
      readonly blockCipherKey: string;
      /** Authentication key, 16 bytes hex. */
      readonly authenticationKey: string;
      /** Protection required on every request (default authenticated-encrypted). */
      readonly policy?: 'authenticated' | 'encrypted' | 'authenticated-encrypted';
    };

/** An API key and what it may do. */
export interface ApiKeySpec {
  readonly key: string;
  readonly scopes: readonly ('read' | 'write')[];
  readonly name?: string;
}

/** Everything the concentrator runs with. */
export interface ConcentratorConfig {
  readonly mqttUrl: string;
  /** 'auto': an in-process broker when nothing answers at mqttUrl; true: always; false: never. */
  readonly embeddedBroker: boolean | 'auto';
  /** Address the DLMS, HDLC and HTTP servers listen on. */
  readonly host: string;
  readonly dlmsPort: number;
  readonly hdlcPort: number | undefined;
  readonly httpPort: number;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** PostgreSQL schema of the tables (created when missing; tests use one per run). */
  readonly databaseSchema: string;
  readonly apiKeys: readonly ApiKeySpec[];
  /** GETs of the HTTP API need no key (default true). */
  readonly openReads: boolean;
  readonly objectMap: ObjectMap;
  readonly associations: readonly AssociationSpec[];
  /** Server system title for HLS-GMAC, 8 bytes hex (default "MLC" + 5 zero bytes... see DEFAULTS). */
  readonly systemTitle: string;
  readonly noReadingResult: DataAccessResult;
  /** DLMS connections served at once. */
  readonly maxConnections: number;
  readonly logLevel: string;
  readonly demo: boolean;
}

/** Where the shipped files (dashboard, object maps) are, from src/ and from dist/ alike. */
export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/** Shipped object maps by name. */
export const SHIPPED_MAPS = ['platform', 'water'] as const;

/** Loads an object map: a shipped name (`platform`, `water`) or a JSON file path. */
export async function loadObjectMap(nameOrPath: string): Promise<ObjectMap> {
  const path = (SHIPPED_MAPS as readonly string[]).includes(nameOrPath)
    ? `${PUBLIC_DIR}maps/${nameOrPath}.json`
    : nameOrPath;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ConfigError([`object map ${path}: ${(e as Error).message}`]);
  }
  const errors = validateObjectMap(parsed);
  if (errors.length > 0) throw new ConfigError(errors.map((e) => `object map ${path}: ${e}`));
  return parsed as ObjectMap;
}

/** A configuration that cannot be used; `problems` name each offending path. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Defaults (the object map is loaded separately). */
export const DEFAULTS: Omit<ConcentratorConfig, 'objectMap'> = {
  mqttUrl: 'mqtt://127.0.0.1:1883',
  embeddedBroker: 'auto',
  host: '0.0.0.0',
  dlmsPort: 4059,
  hdlcPort: undefined,
  httpPort: 8400,
  dataDir: './data',
  databaseUrl: undefined,
  databaseSchema: 'public',
  apiKeys: [],
  openReads: true,
  associations: [{ clientAddress: 16, authentication: 'none' }],
  // "MLC" (the FLAG-style manufacturer id of this stack) and five zero bytes.
  systemTitle: '4d4c430000000000',
  noReadingResult: 'temporary-failure',
  maxConnections: 1000,
  logLevel: 'info',
  demo: false,
};

/** The keys a config file may hold (the object map by name or path). */
export type ConfigFile = Partial<Omit<ConcentratorConfig, 'objectMap' | 'demo'>> & {
  readonly objectMap?: string;
};

const HEX16 = /^[0-9a-fA-F]{32}$/;
const HEX8 = /^[0-9a-fA-F]{16}$/;

function port(v: unknown, allowUndefined: boolean): boolean {
  return (
    (allowUndefined && v === undefined) ||
    (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535)
  );
}

/** Validates a parsed config file; throws {@link ConfigError} listing every problem. */
export function validateConfigFile(value: unknown, where: string): ConfigFile {
  const errors: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError([`${where}: must be a JSON object`]);
  const c = value as Record<string, unknown>;
  const known = new Set([...Object.keys(DEFAULTS), 'objectMap']);
  known.delete('demo');
  for (const k of Object.keys(c))
    if (!known.has(k)) errors.push(`$.${k}: unknown setting (known: ${[...known].join(', ')})`);
  const str = (k: string) =>
    c[k] === undefined || typeof c[k] === 'string' || errors.push(`$.${k}: must be a string`);
  [
    'mqttUrl',
    'host',
    'dataDir',
    'databaseUrl',
    'databaseSchema',
    'objectMap',
    'logLevel',
    'noReadingResult',
  ].forEach(str);
  if (c.databaseSchema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(String(c.databaseSchema)))
    errors.push('$.databaseSchema: lower-case letters, digits and _');
  for (const k of ['dlmsPort', 'httpPort', 'hdlcPort'])
    if (!port(c[k], true)) errors.push(`$.${k}: a port number 0..65535`);
  if (c.embeddedBroker !== undefined && c.embeddedBroker !== 'auto' && typeof c.embeddedBroker !== 'boolean')
    errors.push('$.embeddedBroker: true, false or "auto"');
  if (
    c.noReadingResult !== undefined &&
    (c.noReadingResult === 'success' || !Object.hasOwn(DataAccessResultCode, String(c.noReadingResult)))
  )
    errors.push(
      '$.noReadingResult: a Data-Access-Result name such as temporary-failure or object-unavailable',
    );
  if (c.openReads !== undefined && typeof c.openReads !== 'boolean')
    errors.push('$.openReads: true or false');
  if (
    c.maxConnections !== undefined &&
    (!Number.isInteger(c.maxConnections) || (c.maxConnections as number) < 1)
  )
    errors.push('$.maxConnections: a positive integer');
  if (c.systemTitle !== undefined && !HEX8.test(String(c.systemTitle)))
    errors.push('$.systemTitle: 8 bytes in hex (16 digits)');
  if (c.apiKeys !== undefined) {
    if (!Array.isArray(c.apiKeys)) errors.push('$.apiKeys: must be an array');
    else
      c.apiKeys.forEach((k: unknown, i) => {
        const o = (k ?? {}) as Record<string, unknown>;
        if (typeof o.key !== 'string' || o.key.length < 8)
          errors.push(`$.apiKeys[${i}].key: a string of at least 8 characters`);
        if (
          !Array.isArray(o.scopes) ||
          o.scopes.length === 0 ||
          !o.scopes.every((s) => s === 'read' || s === 'write')
        )
          errors.push(`$.apiKeys[${i}].scopes: an array of "read" and/or "write"`);
      });
  }
  if (c.associations !== undefined) {
    if (!Array.isArray(c.associations) || c.associations.length === 0)
      errors.push('$.associations: a non-empty array');
    else {
      const saps = new Set<number>();
      c.associations.forEach((a: unknown, i) => {
        const o = (a ?? {}) as Record<string, unknown>;
        const p = `$.associations[${i}]`;
        if (
          !Number.isInteger(o.clientAddress) ||
          (o.clientAddress as number) < 1 ||
          (o.clientAddress as number) > 0x7f
        )
          errors.push(`${p}.clientAddress: a client SAP in 1..127 (16 is the public client)`);
        else if (saps.has(o.clientAddress as number))
          errors.push(`${p}.clientAddress: ${String(o.clientAddress)} appears twice`);
        else saps.add(o.clientAddress as number);
        if (o.authentication === 'lls') {
          if (typeof o.password !== 'string' || o.password === '')
            errors.push(`${p}.password: the LLS password, a string`);
        } else if (o.authentication === 'hls-gmac') {
          if (!HEX16.test(String(o.blockCipherKey)))
            errors.push(`${p}.blockCipherKey: 16 bytes in hex (32 digits)`);
          if (!HEX16.test(String(o.authenticationKey)))
            errors.push(`${p}.authenticationKey: 16 bytes in hex (32 digits)`);
          if (
            o.policy !== undefined &&
            !['authenticated', 'encrypted', 'authenticated-encrypted'].includes(String(o.policy))
          )
            errors.push(`${p}.policy: authenticated, encrypted or authenticated-encrypted`);
        } else if (o.authentication !== 'none')
          errors.push(`${p}.authentication: "none", "lls" or "hls-gmac"`);
      });
    }
  }
  if (errors.length > 0) throw new ConfigError(errors.map((e) => `${where}: ${e}`));
  return c as ConfigFile;
}

/** Reads and validates a config file. */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ConfigError([`${path}: ${(e as Error).message}`]);
  }
  return validateConfigFile(parsed, path);
}

/** Conformance the concentrator offers: reading only (GET, selective access, blocks, multiple references). */
export const SERVER_CONFORMANCE = conformanceFromNames([
  'get',
  'selective-access',
  'block-transfer-with-get-or-read',
  'multiple-references',
]);

/**
 * The server engine's configuration and the object model's association of each spec. HLS-GMAC
 * associations use the ciphered LN context with security suite 0 (AES-128-GCM) and `counters`.
 */
export function associationConfigs(
  specs: readonly AssociationSpec[],
  systemTitle: string,
  counters: InvocationCounterStore | undefined,
): { engine: Map<number, ServerAssociationConfig>; model: DeviceAssociation[] } {
  const engine = new Map<number, ServerAssociationConfig>();
  const model: DeviceAssociation[] = [];
  const base = { referencing: 'ln', conformance: SERVER_CONFORMANCE, maxReceivePduSize: 1024 } as const;
  for (const s of specs) {
    if (s.authentication === 'none') {
      engine.set(s.clientAddress, { ...base, ciphered: false, authentication: { mechanism: 0 } });
      model.push({
        clientSap: s.clientAddress,
        mechanism: 0,
        applicationContext: 1,
        conformance: SERVER_CONFORMANCE,
      });
    } else if (s.authentication === 'lls') {
      engine.set(s.clientAddress, {
        ...base,
        ciphered: false,
        authentication: { mechanism: 1, password: new TextEncoder().encode(s.password) },
      });
      model.push({
        clientSap: s.clientAddress,
        mechanism: 1,
        applicationContext: 1,
        conformance: SERVER_CONFORMANCE,
      });
    } else {
      if (counters === undefined) throw new ConfigError(['HLS-GMAC needs an invocation counter store']);
      const ek = fromHex(s.blockCipherKey);
      const ak = fromHex(s.authenticationKey);
      engine.set(s.clientAddress, {
        ...base,
        ciphered: true,
        authentication: { mechanism: 5, encryptionKey: ek, authenticationKey: ak },
        security: {
          policy: s.policy ?? 'authenticated-encrypted',
          suite: 0,
          blockCipherKey: ek,
          authenticationKey: ak,
        },
        systemTitle: fromHex(systemTitle),
        counters,
      });
      model.push({
        clientSap: s.clientAddress,
        mechanism: 5,
        applicationContext: 3,
        conformance: SERVER_CONFORMANCE,
      });
    }
  }
  return { engine, model };
}
