/**
 * What every meter-talking command of `dlms` shares: the common options (authentication, keys, system
 * title, timeout, JSON, trace), turning them into `DlmsClient` options, opening the channel from the
 * URL, running the session (associate, work, release, close), the `--trace` printer and the one-line
 * error reports with their exit codes. Wiring only: the protocol lives in the packages.
 */
import { Command, Option } from 'commander';
import {
  ArgumentError,
  DlmsError,
  METER_QUIRKS,
  STRICT_PROFILE,
  apduName,
  dataToJson,
  decodeApdu,
  isCipheredApduTag,
  toHex,
  unprotectApdu,
  type Data,
  type HlsMechanism,
  type MeterProfile,
  type MeterQuirkName,
} from '@meteringlab/dlms-core';
import { DlmsClient, type DlmsClientOptions } from '@meteringlab/cosem-objects';
import { openApduChannel, parseMeterUrl } from '@meteringlab/transport-hdlc-serial';

/** Where a command writes; `main.ts`'s `CliIo` fits. */
export interface CommandIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

/** Exit codes of the client commands (same meaning as `dlms decode`). */
export const EXIT_OK = 0;
/** The meter refused, failed, or did not answer. */
export const EXIT_FAILED = 1;
/** The command line is wrong. */
export const EXIT_USAGE = 2;

/** A usage error found after commander parsed the line. */
export class UsageError extends Error {}

/** Authentication choices of `--auth`. */
export const AUTH_CHOICES = [
  'none',
  'low',
  'hls-md5',
  'hls-sha1',
  'hls-gmac',
  'hls-sha256',
  'hls-ecdsa',
] as const;
export type AuthChoice = (typeof AUTH_CHOICES)[number];

/** The options every client command takes (as commander hands them over). */
export interface CommonOptions {
  readonly auth: AuthChoice;
  readonly password?: string;
  readonly key?: string;
  readonly authKey?: string;
  readonly systemTitle?: string;
  readonly serverSystemTitle?: string;
  readonly security: 'authenticated' | 'encrypted' | 'authenticated-encrypted';
  readonly invocationCounter?: string;
  readonly privateKey?: string;
  readonly serverPublicKey?: string;
  readonly referencing: 'ln' | 'sn';
  readonly timeout: string;
  readonly maxPdu: string;
  readonly quirks?: string;
  readonly json?: boolean;
  readonly trace?: boolean;
}

/** Adds the common options to a command. */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--auth <mechanism>', 'authentication').choices([...AUTH_CHOICES]).default('none'))
    .option('--password <text>', 'LLS password, or the HLS secret for hls-md5, hls-sha1 and hls-sha256')
    .option('--key <hex>', 'block cipher key (16 or 32 bytes): use a ciphered association')
    .option('--auth-key <hex>', 'authentication key (16 or 32 bytes)')
    .option(
      '--system-title <hex>',
      "this client's system title (8 bytes), needed for ciphering and hls-gmac/-sha256/-ecdsa",
    )
    .option(
      '--server-system-title <hex>',
      "the meter's system title (8 bytes), for hls-sha256/-ecdsa without ciphering",
    )
    .addOption(
      new Option('--security <policy>', 'protection of every request and response when ciphering')
        .choices(['authenticated', 'encrypted', 'authenticated-encrypted'])
        .default('authenticated-encrypted'),
    )
    .option(
      '--invocation-counter <n>',
      'next invocation counter; read from 0-0:43.1.0.255 over client 16 when absent',
    )
    .option('--private-key <hex>', 'own ECDSA private key (hls-ecdsa)')
    .option('--server-public-key <hex>', "the meter's ECDSA public key X||Y (hls-ecdsa)")
    .addOption(
      new Option('--referencing <kind>', 'logical or short names').choices(['ln', 'sn']).default('ln'),
    )
    .option('--timeout <ms>', 'time allowed for each answer, in milliseconds', '10000')
    .option(
      '--max-pdu <bytes>',
      'client-max-receive-pdu-size proposed to the meter (longer answers come in blocks)',
      '65535',
    )
    .option(
      '--quirks <names>',
      `known meter quirks to tolerate, comma-separated: ${Object.keys(METER_QUIRKS).join(', ')}`,
    )
    .option('--json', 'print JSON (Data values in the typed form {type, value})')
    .option('--trace', 'print every APDU sent and received, decoded, on standard error');
}

/** The meter profile named by `--quirks` (strict when absent). */
export function profileFromQuirks(text: string | undefined): MeterProfile {
  if (text === undefined || text.trim() === '') return STRICT_PROFILE;
  const profile: Record<string, unknown> = { name: 'command line' };
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (!Object.prototype.hasOwnProperty.call(METER_QUIRKS, name)) {
      throw new UsageError(`unknown quirk '${name}' (known: ${Object.keys(METER_QUIRKS).join(', ')})`);
    }
    profile[METER_QUIRKS[name as MeterQuirkName]] = true;
  }
  return profile as unknown as MeterProfile;
}

function hex(name: string, text: string | undefined, lengths: readonly number[]): Uint8Array | undefined {
  if (text === undefined) return undefined;
  const clean = text.replace(/[\s:-]/g, '');
  if (!/^([0-9a-fA-F]{2})+$/.test(clean)) throw new UsageError(`${name} must be hex`);
  const n = clean.length / 2;
  if (lengths.length > 0 && !lengths.includes(n))
    throw new UsageError(`${name} must be ${lengths.join(' or ')} bytes, not ${n}`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The client options of the command line, and how to read the invocation counter. */
export function clientOptions(url: string, o: CommonOptions, io: CommandIo): DlmsClientOptions {
  const key = hex('--key', o.key, [16, 32]);
  const authKey = hex('--auth-key', o.authKey, [16, 32]);
  const systemTitle = hex('--system-title', o.systemTitle, [8]);
  const serverSystemTitle = hex('--server-system-title', o.serverSystemTitle, [8]);
  const timeoutMs = Number(o.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new UsageError('--timeout must be a positive number of milliseconds');
  const maxReceivePduSize = Number(o.maxPdu);
  if (!Number.isInteger(maxReceivePduSize) || maxReceivePduSize < 12 || maxReceivePduSize > 0xffff) {
    throw new UsageError('--max-pdu must be 12..65535');
  }
  const secret = o.password === undefined ? undefined : new TextEncoder().encode(o.password);
  const needSecret = (): Uint8Array => {
    if (secret === undefined) throw new UsageError(`--auth ${o.auth} needs --password`);
    return secret;
  };
  let authentication: DlmsClientOptions['authentication'];
  switch (o.auth) {
    case 'none':
      authentication = { mechanism: 0 };
      break;
    case 'low':
      authentication = { mechanism: 1, password: needSecret() };
      break;
    case 'hls-md5':
      authentication = { mechanism: 3, secret: needSecret() };
      break;
    case 'hls-sha1':
      authentication = { mechanism: 4, secret: needSecret() };
      break;
    case 'hls-sha256':
      authentication = { mechanism: 6, secret: needSecret() };
      break;
    case 'hls-gmac':
      if (key === undefined || authKey === undefined)
        throw new UsageError('--auth hls-gmac needs --key and --auth-key');
      authentication = { mechanism: 5, encryptionKey: key, authenticationKey: authKey };
      break;
    case 'hls-ecdsa': {
      const privateKey = hex('--private-key', o.privateKey, [32, 48]);
      const peerPublicKey = hex('--server-public-key', o.serverPublicKey, [64, 96]);
      if (privateKey === undefined || peerPublicKey === undefined)
        throw new UsageError('--auth hls-ecdsa needs --private-key and --server-public-key');
      const m: HlsMechanism = {
        mechanism: 7,
        suite: privateKey.length === 32 ? 1 : 2,
        privateKey,
        peerPublicKey,
      };
      authentication = m;
      break;
    }
  }
  if (
    (o.auth === 'hls-gmac' || o.auth === 'hls-sha256' || o.auth === 'hls-ecdsa' || key !== undefined) &&
    systemTitle === undefined
  ) {
    throw new UsageError(`--system-title is needed with ${key !== undefined ? '--key' : `--auth ${o.auth}`}`);
  }
  if (key !== undefined && authKey === undefined) throw new UsageError('--key needs --auth-key');
  let invocationCounter: number | undefined;
  if (o.invocationCounter !== undefined) {
    invocationCounter = Number(o.invocationCounter);
    if (!Number.isInteger(invocationCounter) || invocationCounter < 0 || invocationCounter > 0xffffffff) {
      throw new UsageError('--invocation-counter must be 0..4294967295');
    }
  }
  const options: DlmsClientOptions = {
    referencing: o.referencing,
    profile: profileFromQuirks(o.quirks),
    authentication,
    maxReceivePduSize,
    ...(serverSystemTitle === undefined ? {} : { serverSystemTitle }),
    timeoutMs,
    ...(key !== undefined && authKey !== undefined && systemTitle !== undefined
      ? {
          security: {
            policy: o.security,
            key,
            authKey,
            systemTitle,
            ...(invocationCounter === undefined ? {} : { invocationCounter }),
          },
          openPublicChannel: async () => (await openApduChannel(publicUrl(url))).channel,
        }
      : systemTitle !== undefined
        ? { systemTitle }
        : {}),
  };
  if (!o.trace) return options;
  const trace = makeTracer(key, authKey, systemTitle);
  return { ...options, onApdu: (t) => io.stderr.write(trace(t.direction, t.bytes)) };
}

/** The same meter URL with client address 16 (the public client). */
export function publicUrl(url: string): string {
  const [base, query = ''] = url.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  params.set('client', '16');
  return `${base}?${params.toString()}`;
}

/**
 * A trace printer for one session: each call gives one line (direction, APDU name, its fields as
 * compact JSON); ciphered APDUs are deciphered when the keys allow (the server's system title is taken
 * from the AARE as it passes).
 */
export function makeTracer(
  key?: Uint8Array,
  authKey?: Uint8Array,
  ownTitle?: Uint8Array,
): (direction: 'sent' | 'received', bytes: Uint8Array) => string {
  let serverTitle: Uint8Array | undefined;
  return (direction, bytes) => {
    const arrow = direction === 'sent' ? '>' : '<';
    let plain = bytes;
    let note = '';
    try {
      if (bytes.length > 0 && isCipheredApduTag(bytes[0]!) && key !== undefined) {
        const title = direction === 'sent' ? ownTitle : serverTitle;
        const u = unprotectApdu(bytes, {
          key,
          ...(authKey === undefined ? {} : { authKey }),
          ...(title === undefined ? {} : { systemTitle: title }),
          allowUnverified: true,
        });
        note = ` [${apduName(decodeApdu(bytes))}, ic ${u.envelope.invocationCounter ?? '-'}]`;
        plain = u.plaintext;
      }
      const apdu = decodeApdu(plain);
      if (apdu.type === 'aare' && apdu.respondingApTitle !== undefined)
        serverTitle = apdu.respondingApTitle.slice();
      return `${arrow} ${apduName(apdu)}${note} ${JSON.stringify(apdu, jsonReplacer)}\n`;
    } catch {
      return `${arrow} ${bytes.length} bytes ${toHex(bytes)}\n`;
    }
  };
}

/** JSON.stringify replacer: bytes as hex, bigints as strings, Data values in the typed form. */
export function jsonReplacer(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** The typed JSON form of a Data value. */
export function dataJson(d: Data): unknown {
  return dataToJson(d);
}

/** A Data value on one line: `type value`, structures and arrays as typed JSON. */
export function dataText(d: Data): string {
  const j = dataToJson(d) as { type: string; value?: unknown; iso?: string; text?: string };
  if (d.type === 'array' || d.type === 'structure' || d.type === 'compact-array')
    return `${d.type} ${JSON.stringify(j.value)}`;
  if (j.iso !== undefined) return `${d.type} ${j.iso}`;
  if (j.text !== undefined) return `${d.type} ${j.text}`;
  if (j.value === undefined) return d.type;
  return `${d.type} ${typeof j.value === 'string' && d.type !== 'octet-string' ? JSON.stringify(j.value) : String(j.value)}`;
}

/** The one line printed for an error (without the `dlms: ` prefix). */
export function clientErrorLine(e: unknown): string {
  if (e instanceof UsageError) return e.message;
  if (e instanceof DlmsError) {
    const text = e.message.replace(/ \(at offset \d+\)$/, '');
    return `${e.code}: ${text}`;
  }
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * Runs one session: checks the URL, opens the channel, associates, runs `work`, releases and closes.
 * Resolves to the exit code; never throws.
 */
export async function runSession(
  url: string,
  o: CommonOptions,
  io: CommandIo,
  work: (client: DlmsClient) => Promise<number>,
  extra: Partial<DlmsClientOptions> = {},
): Promise<number> {
  let options: DlmsClientOptions;
  try {
    parseMeterUrl(url);
    options = { ...clientOptions(url, o, io), ...extra };
  } catch (e) {
    io.stderr.write(`dlms: ${clientErrorLine(e)} (see dlms --help)\n`);
    return EXIT_USAGE;
  }
  let client: DlmsClient | undefined;
  try {
    const { channel } = await openApduChannel(url, {
      connectTimeoutMs: options.timeoutMs ?? 10_000,
      ...(options.profile === undefined ? {} : { profile: options.profile }),
    });
    client = new DlmsClient(channel, options);
    await client.associate();
    const code = await work(client);
    await client.release();
    return code;
  } catch (e) {
    io.stderr.write(`dlms: ${clientErrorLine(e)}\n`);
    return e instanceof UsageError || e instanceof ArgumentError ? EXIT_USAGE : EXIT_FAILED;
  } finally {
    if (client !== undefined) await client.channel.close().catch(() => undefined);
  }
}
