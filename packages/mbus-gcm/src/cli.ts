/**
 * The `mbus-gcm` command: `decode` (telegrams, frames or APDUs given as hex) and `read` (a USB M-Bus or
 * serial adapter on a meter's customer interface, to JSON lines and MQTT). Argument handling, help and
 * output only: decoding is `push-decoder.ts`, the port and MQTT are `read.ts`.
 *
 * `main(argv)` takes the arguments after the program name and resolves with the exit code: 0 on success,
 * 1 with one clear line on stderr for bad input. Keys are never printed.
 */
import { Command, CommanderError, Option } from 'commander';
import { DlmsError, fromHex, formatObis, tryParseObis } from '@meteringlab/dlms-core';
import { DEBUG_LAYERS, parseFormat, parseKey, readSettings, type ReadFlags } from './config.js';
import {
  createPushDecoder,
  type PushErrorEvent,
  type PushEvent,
  type PushReadingEvent,
} from './push-decoder.js';
import { pushToJson, type PushJson } from './push-json.js';
import { runRead, type ReadIo } from './read.js';

/** Streams and environment of one run (the process's by default; tests pass their own). */
export interface CliIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  /** Stops `read`; by default SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
}

const EVN_1 =
  '68FAFA6853FF000167DB084B464D675000000981F8200000002388D5AB4F97515AAFC6B88D2F85DAA7A0E3C0C40D004535C397C9D037AB7DBDA329107615444894A1A0DD7E85F02D496CECD3FF46AF5FB3C9229CFE8F3EE4606AB2E1F409F36AAD2E50900A4396FC6C2E083F373233A69616950758BFC7D63A9E9B6E99E21B2CBC2B934772CA51FD4D69830711CAB1F8CFF25F0A329337CBA51904F0CAED88D61968743C8454BA922EB00038182C22FE316D16F2A9F544D6F75D51A4E92A1C4EF8AB19A2B7FEAA32D0726C0ED80229AE6C0F7621A4209251ACE2B2BC66FF0327A653BB686C756BE033C7A281F1D2A7E1FA31C3983E15F8FD16CC5787E6F51716';
const EVN_2 = '6814146853FF110167419A3CFDA44BE438C96F0E38BF83D98316';
const EVN_KEY = '36C66639E48A8CA4D6BC8B282A793BBB';

const MAIN_HELP = `
What it is for:
  Smart meters with a customer interface push their readings every few seconds. Austrian Kaifa MA309M
  and Sagemcom T210-D meters push encrypted DLMS over M-Bus (you need a USB M-Bus adapter and the key
  from your grid operator); Landis+Gyr E450, Iskra AM550 and Siemens IM350 push HDLC frames; Nordic HAN
  meters (Kaifa MA304, Aidon, Kamstrup) push unencrypted HDLC lists. mbus-gcm turns those pushes into
  readings (OBIS code, value, unit), JSON lines and MQTT messages for Home Assistant.

Examples:
  # Try it without a meter: the two telegrams of the EVN documentation sample and its key
  mbus-gcm decode --key ${EVN_KEY} \\
    ${EVN_1.slice(0, 24)}…(full hex in the README) ${EVN_2}

  # Read a meter on a USB M-Bus adapter, print one JSON line per push
  mbus-gcm read --port /dev/ttyUSB0 --key <32 hex digits from your grid operator>

  # … and publish to MQTT with Home Assistant discovery
  mbus-gcm read --port /dev/ttyUSB0 --key <hex> --mqtt mqtt://homeassistant.local:1883 --ha-discovery

Keys may also come from the environment (MBUS_GCM_KEY, MBUS_GCM_AUTH_KEY) or a --config file.
`;

const DECODE_HELP = `
Arguments are hex strings (spaces, colons and dashes are ignored), in the order they came off the wire:
M-Bus telegrams (68 L L 68 …), HDLC frames (7E A0 … 7E) or whole APDUs (0F…, DB…, E0…). Telegrams of
one push that came in several parts are joined before deciphering.

Examples:
  mbus-gcm decode --key ${EVN_KEY} <telegram 1 hex> <telegram 2 hex>
  mbus-gcm decode --json --format hdlc 7EA02A410883130413E6E7000F40000000000101020309060100010700FF060000067D02020F00161B1C057E
  mbus-gcm decode --key <hex> --auth-key <hex> --format apdu DB08…

Encrypted pushes with an authentication tag need --auth-key to check the tag; --no-verify deciphers them
without checking (not recommended). Exit code 1 when nothing could be read.
`;

const READ_HELP = `
Wiring: connect the meter's customer interface (M-Bus: two wires, polarity does not matter; HDLC HAN
meters: RJ12/RJ45 with an M-Bus or TTL adapter as the utility describes) to a USB adapter and give its
device with --port (Linux /dev/ttyUSB0 or /dev/serial/by-id/…, macOS /dev/tty.usbserial-…, Windows COM3).

Output: one JSON line per push on stdout: {"meterTime", "systemTitle", "readings": [{obis, name, value,
raw, scaler, unit}]}. Warnings, errors and --debug logs go to stderr. Unplugging the adapter is fine:
the port is reopened when it comes back. Stop with Ctrl+C.

MQTT: --mqtt publishes each push to <topic>/<system title>/state (topic prefix --topic, default
mbus-gcm); --ha-discovery also publishes retained Home Assistant discovery messages, one sensor per
OBIS code, with unit, device_class and state_class.

Config file (--config meter.json), every field optional, flags win:
  { "port": "/dev/ttyUSB0", "baud": 2400, "parity": "none", "format": "auto",
    "key": "…", "authKey": "…", "noVerify": false,
    "mqtt": { "url": "mqtt://localhost:1883", "topic": "mbus-gcm", "haDiscovery": true,
              "username": "…", "password": "…" },
    "captureObjects": [{ "classId": 3, "logicalName": "1.0.1.7.0.255", "attributeIndex": 2,
                         "scalerUnit": { "scaler": 0, "unit": 27 } }],
    "scalerUnits": { "1.0.1.8.0.255": { "scaler": 0, "unit": 30 } },
    "debug": ["telegram"] }
  captureObjects: the meter's Push setup object list, for pushes that send bare values without OBIS
  codes (e.g. Norwegian Kaifa list 1).

Examples:
  mbus-gcm read --port /dev/ttyUSB0 --key <hex>
  MBUS_GCM_KEY=<hex> mbus-gcm read --port /dev/ttyUSB0 --debug telegram,readings
  mbus-gcm read --port /dev/ttyUSB0 --baud 2400 --parity even --format hdlc --mqtt mqtt://localhost
`;

class Failure extends Error {}

function obisText(dotted: string): string {
  const o = tryParseObis(dotted);
  return o === undefined ? dotted : formatObis(o, 'standard-dot');
}

function renderValue(v: PushJson['readings'][number]['value']): string {
  return v === null ? '-' : String(v);
}

/** A push as a table. */
export function renderTable(json: PushJson): string {
  const lines: string[] = [];
  if (json.meterTime !== undefined) lines.push(`Meter time:   ${json.meterTime}`);
  if (json.systemTitle !== undefined) lines.push(`System title: ${json.systemTitle}`);
  const rows = json.readings.map((r) => [obisText(r.obis), r.name ?? '', renderValue(r.value), r.unit ?? '']);
  const head = ['OBIS', 'Name', 'Value', 'Unit'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  lines.push(fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt));
  return lines.join('\n');
}

function hint(e: PushErrorEvent): string {
  switch (e.error.code) {
    case 'MISSING_KEY':
      return ' (encrypted push: pass --key <hex>; for a push with an authentication tag also --auth-key <hex>, or --no-verify)';
    case 'AUTHENTICATION_FAILED':
      return ' (wrong key or authentication key, or the frame was altered)';
    default:
      return '';
  }
}

interface DecodeFlags {
  key?: string;
  authKey?: string;
  format?: string;
  json?: boolean;
  verify?: boolean;
}

function decodeCommand(hex: string[], flags: DecodeFlags, io: CliIo): number {
  const format = parseFormat(flags.format ?? 'auto');
  const keyText = flags.key ?? io.env['MBUS_GCM_KEY'];
  const authText = flags.authKey ?? io.env['MBUS_GCM_AUTH_KEY'];
  const chunks = hex.map((h, i) => {
    try {
      return fromHex(h);
    } catch (e) {
      throw new Failure(`argument ${i + 1} is not hex: ${(e as Error).message}`);
    }
  });
  const decoder = createPushDecoder({
    format,
    ...(keyText === undefined || keyText === ''
      ? {}
      : { key: parseKey(keyText, flags.key !== undefined ? '--key' : 'MBUS_GCM_KEY') }),
    ...(authText === undefined || authText === ''
      ? {}
      : { authKey: parseKey(authText, flags.authKey !== undefined ? '--auth-key' : 'MBUS_GCM_AUTH_KEY') }),
    allowUnverified: flags.verify === false,
  });
  const events: PushEvent[] = chunks.flatMap((c) => decoder.push(c));
  const pushes = events.filter((e): e is PushReadingEvent => e.type === 'reading');
  const errors = events.filter((e): e is PushErrorEvent => e.type === 'error');
  for (const e of events) {
    if (e.type === 'warning' && pushes.length > 0)
      io.stderr.write(`warning [${e.layer}] ${e.code}: ${e.message}\n`);
  }
  if (pushes.length === 0) {
    const first = errors[0];
    if (first !== undefined) throw new Failure(`${first.error.code}: ${first.error.message}${hint(first)}`);
    const warning = events.find((e) => e.type === 'warning');
    if (warning !== undefined && warning.type === 'warning')
      throw new Failure(`no push decoded: ${warning.code}: ${warning.message}`);
    throw new Failure(
      decoder.format === 'auto'
        ? 'no push decoded: the input is neither an M-Bus telegram, an HDLC frame nor an APDU (try --format)'
        : 'no push decoded: the input ends inside a frame or a multi-telegram push (give every telegram)',
    );
  }
  for (const e of errors)
    io.stderr.write(`error [${e.layer}] ${e.error.code}: ${e.error.message}${hint(e)}\n`);
  for (const p of pushes) {
    const json = pushToJson(p);
    if (flags.json === true) io.stdout.write(`${JSON.stringify(json)}\n`);
    else {
      io.stdout.write(`${renderTable(json)}\n`);
      if (p.unparsed !== undefined)
        io.stdout.write(
          '(body layout not recognised: give the Push setup capture objects in a config file)\n',
        );
    }
  }
  return 0;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Builds the commander program (exported for the help test). */
export function buildProgram(io: CliIo, result: { code: number }): Command {
  const program = new Command('mbus-gcm');
  program
    .description(
      'Read the pushes of smart-meter customer interfaces (M-Bus, HDLC, raw DLMS) into readings, JSON and MQTT.',
    )
    .addHelpText('after', MAIN_HELP)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const format = new Option('--format <format>', 'wire format of the input')
    .choices(['auto', 'mbus', 'hdlc', 'apdu'])
    .default('auto');
  program
    .command('decode')
    .description('decode telegrams, HDLC frames or APDUs given as hex, in wire order, and print the readings')
    .argument('<hex...>', 'telegrams / frames / APDUs in hex')
    .option('--key <hex>', 'global encryption key (32 hex digits); or MBUS_GCM_KEY')
    .option('--auth-key <hex>', 'authentication key, to check tags (32 hex digits); or MBUS_GCM_AUTH_KEY')
    .option('--no-verify', 'decipher tagged pushes without checking the tag (diagnostics only)')
    .addOption(format)
    .option('--json', 'print {meterTime, systemTitle, readings} as JSON, one line per push')
    .addHelpText('after', DECODE_HELP)
    .action((hex: string[], flags: DecodeFlags) => {
      result.code = decodeCommand(hex, flags, io);
    });

  program
    .command('read')
    .description(
      'listen on a serial port (USB M-Bus adapter) and print one JSON line per push; optionally publish to MQTT',
    )
    .option('--port <path>', 'serial device, e.g. /dev/ttyUSB0 or COM3')
    .option('--baud <rate>', 'baud rate (default 2400)')
    .addOption(
      new Option('--parity <parity>', 'parity (default none; standard M-Bus is even)').choices([
        'none',
        'even',
        'odd',
      ]),
    )
    .option('--key <hex>', 'global encryption key (32 hex digits); or MBUS_GCM_KEY, or "key" in --config')
    .option('--auth-key <hex>', 'authentication key (32 hex digits); or MBUS_GCM_AUTH_KEY')
    .option('--no-verify', 'decipher tagged pushes without checking the tag (diagnostics only)')
    .addOption(
      new Option('--format <format>', 'wire format (default auto)').choices(['auto', 'mbus', 'hdlc', 'apdu']),
    )
    .option('--mqtt <url>', 'publish each push to this MQTT broker, e.g. mqtt://localhost:1883')
    .option('--topic <prefix>', 'MQTT topic prefix (default mbus-gcm)')
    .option('--ha-discovery', 'publish Home Assistant MQTT discovery messages (retained)')
    .option('--config <file>', 'JSON config file (see below)')
    .option(
      '--debug <layers>',
      `log layers to stderr: ${DEBUG_LAYERS.join(',')} or all`,
      collect,
      [] as string[],
    )
    .addHelpText('after', READ_HELP)
    .action(async (flags: ReadFlags) => {
      const settings = readSettings(flags, io.env);
      if (flags.haDiscovery === true && settings.mqtt === undefined)
        throw new Failure('--ha-discovery needs --mqtt <url>');
      let signal = io.signal;
      let cleanup = (): void => {};
      if (signal === undefined) {
        const ac = new AbortController();
        const stop = (): void => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        cleanup = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        };
        signal = ac.signal;
      }
      const readIo: ReadIo = { stdout: io.stdout, stderr: io.stderr, signal };
      try {
        result.code = await runRead(settings, readIo);
      } finally {
        cleanup();
      }
    });
  return program;
}

/** Entry point of the `mbus-gcm` command: `argv` without node and the script. Resolves with the exit code. */
export async function main(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const result = { code: 0 };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof Failure || e instanceof DlmsError) {
      io.stderr.write(`mbus-gcm: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`mbus-gcm: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
