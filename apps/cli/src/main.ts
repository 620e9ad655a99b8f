/**
 * Entry point of the `dlms` command (`bin/dlms.js` calls {@link main} and sets the exit code).
 *
 * Commands: `dlms decode <hex...>` prints a frame or APDU as a readable tree or as JSON; `dlms sim` and
 * the meter commands (get, set, action, objects, profile, clock) are registered from `commands/`. This module
 * wires the command line (commander) to the pure decode pipeline (`decode.ts`) and the printers
 * (`render.ts`, `to-json.ts`); it holds no protocol logic. Exit codes: 0 success, 1 input that does
 * not decode (one line on stderr, never a stack trace), 2 usage errors.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import {
  DecodeError,
  DlmsError,
  FramingError,
  fromHex,
  toHex,
  type ProtectionEnvelope,
} from '@meteringlab/dlms-core';
import { formatHdlcAddress, type HdlcFrame } from '@meteringlab/transport-hdlc-serial';
import { registerClientCommands } from './commands/index.js';
import { registerSimCommand } from './commands/sim.js';
import { decodeFrames, FrameDecodeError, type DecodedMessage, type FormatOption } from './decode.js';
import { framesOfArguments, framesOfText, InputError } from './input.js';
import {
  describeSecurityControl,
  invocationCounterText,
  renderData,
  renderFields,
  renderTree,
} from './render.js';
import { toJson, toPlainJson, type Json } from './to-json.js';

export { detectFormat, type FrameFormat } from './detect.js';
export { renderTree, renderData } from './render.js';
export { toJson } from './to-json.js';
export { decodeFrames } from './decode.js';

/** Where the command reads and writes; tests pass their own. */
export interface CliIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  /** Read when the hex argument is `-`. */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
}

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_USAGE = 2;

/** A usage error found after commander has parsed the line (a key that is not hex, …). */
class UsageError extends Error {}

const EXAMPLES = `
Examples:
  A GET request (hex with or without spaces or colons):
    $ dlms decode C001C1000100002B0100FF0200
    $ dlms decode "C0 01 C1 00 01 00 00 2B 01 00 FF 02 00"

  A GET response as JSON (Data values in the typed form {type, value}):
    $ dlms decode --json C401C1000600001391

  An HDLC frame and a wrapper frame (the format is guessed; force it with --format):
    $ dlms decode 7EA02C02232110AF9FE6E600601DA109060760857405080101BE10040E01000000065F1F0400001E1DFFFFC5E47E
    $ dlms decode --format wrapper 000100100001000DC001C100080000010000FF0200

  Several frames that make one APDU (segmented HDLC, general block transfer, GET blocks):
    $ dlms decode <frame1> <frame2> <frame3>

  A ciphered APDU (Green Book example keys; keys are never printed):
    $ dlms decode --key 000102030405060708090A0B0C0D0E0F --auth-key D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF \\
        --system-title 4D4D4D0000BC614E C81E3001234567411312FF935A47566827C467BC7D825C3BE4A77C3FCC056B6B

  Frames from a file, one per line (# starts a comment):
    $ dlms decode - < frames.txt

Exit codes: 0 decoded, 1 the input does not decode (one line on stderr), 2 usage error.
`;

function parseKey(name: string, hex: string | undefined, lengths: readonly number[]): Uint8Array | undefined {
  if (hex === undefined) return undefined;
  const clean = hex.replace(/[\s:-]/g, '');
  if (!/^([0-9a-fA-F]{2})+$/.test(clean)) throw new UsageError(`${name} must be hex`);
  const n = clean.length / 2;
  if (!lengths.includes(n)) throw new UsageError(`${name} must be ${lengths.join(' or ')} bytes, not ${n}`);
  return fromHex(clean);
}

async function readAll(stdin: AsyncIterable<string | Uint8Array>): Promise<string> {
  const dec = new TextDecoder();
  let s = '';
  for await (const chunk of stdin)
    s += typeof chunk === 'string' ? chunk : dec.decode(chunk, { stream: true });
  return s + dec.decode();
}

/** Removes key material from anything printed (the security layer never returns keys; this is a guard). */
function withoutKeys(o: unknown): unknown {
  if (typeof o !== 'object' || o === null || o instanceof Uint8Array) return o;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) if (!/key/i.test(k)) out[k] = v;
  return out;
}

/** The envelope of a deciphered APDU: form, security control, system title, invocation counter. */
function securityLines(env: ProtectionEnvelope, verified: boolean | undefined, indent = ''): string[] {
  const form =
    env.service !== undefined ? `${env.type === 'ded-ciphered' ? 'ded' : 'glo'}-${env.service}` : env.type;
  const lines = [`${indent}security: ${form}`];
  const inner = indent + '  ';
  if (env.securityControl)
    lines.push(`${inner}security-control: ${describeSecurityControl(env.securityControl)}`);
  if (env.systemTitle) lines.push(`${inner}system-title: ${toHex(env.systemTitle)}`);
  if (env.invocationCounter !== undefined) {
    lines.push(`${inner}invocation-counter: ${invocationCounterText(env.invocationCounter)}`);
  }
  if (env.signatureVerified !== undefined) lines.push(`${inner}signature-verified: ${env.signatureVerified}`);
  if (verified !== undefined) {
    lines.push(
      `${inner}verified: ${verified ? 'yes' : 'NO (deciphered without checking the authentication tag)'}`,
    );
  }
  if (env.inner) lines.push(...securityLines(env.inner, undefined, inner));
  return lines;
}

/** The envelope as JSON, without the ciphered bytes (and never a key). */
function securityJson(env: ProtectionEnvelope): Json {
  const { apdu: _apdu, inner, ...rest } = env;
  const out = toPlainJson(withoutKeys(rest)) as { [k: string]: Json };
  if (inner) out['inner'] = securityJson(inner);
  return out;
}

type HdlcHeader = Pick<HdlcFrame, 'destination' | 'source' | 'control' | 'segmented'>;

/** `I N(S)=0 N(R)=1 P/F=1, from 16 (1-byte) to 1/17 (2-byte)`: control by its IEC 62056-46 name. */
function hdlcHeaderText(h: HdlcHeader): string {
  const c = h.control;
  let control: string;
  switch (c.type) {
    case 'i':
      control = `I N(S)=${c.ns} N(R)=${c.nr} P/F=${c.pf ? 1 : 0}`;
      break;
    case 'rr':
    case 'rnr':
      control = `${c.type.toUpperCase()} N(R)=${c.nr} P/F=${c.pf ? 1 : 0}`;
      break;
    case 'unknown':
      control = `control 0x${c.value.toString(16).toUpperCase().padStart(2, '0')} (unknown)`;
      break;
    default:
      control = `${c.type.toUpperCase()} P/F=${c.pf ? 1 : 0}`;
  }
  const address = (a: HdlcHeader['source']): string => `${formatHdlcAddress(a)} (${a.length}-byte)`;
  return `${control}, from ${address(h.source)} to ${address(h.destination)}${h.segmented ? ', segmented (more follows)' : ''}`;
}

const CIPHERED_TYPES = new Set([
  'glo-ciphered',
  'ded-ciphered',
  'general-glo-ciphering',
  'general-ded-ciphering',
  'general-ciphering',
  'general-signing',
]);

function treeOf(m: DecodedMessage, total: number, index: number): string {
  const lines: string[] = [];
  const framed = total > 1 || m.format === 'wrapper' || m.format === 'hdlc' || m.frames.length > 1;
  if (framed) {
    const f = m.frames;
    const consecutive = f.every((n, i) => i === 0 || n === f[i - 1]! + 1);
    const which =
      f.length === 1
        ? `frame ${f[0]}`
        : `frames ${consecutive ? `${f[0]}-${f[f.length - 1]}` : f.join(', ')}`;
    lines.push(`# message ${index + 1}: ${which} (${m.format})`);
  }
  for (const t of m.transport ?? []) {
    if (m.format === 'hdlc') lines.push(`hdlc frame: ${hdlcHeaderText(t as HdlcHeader)}`);
    else lines.push(...renderFields({ [`${m.format} frame`]: t }));
  }
  for (const n of m.notes) lines.push(`# ${n}`);
  if (m.security) lines.push(...securityLines(m.security.envelope, m.security.verified));
  if (m.apdu) lines.push(renderTree(m.apdu));
  if (m.apdu && !m.security && CIPHERED_TYPES.has(m.apdu.type)) {
    lines.push('# ciphered: pass --key <hex> (and --auth-key <hex>, --system-title <hex>) to decipher');
  }
  if (m.data) lines.push(...renderData(m.data));
  if (m.parameters !== undefined) lines.push(...renderFields({ parameters: m.parameters }));
  if (m.partial !== undefined) lines.push(...renderFields({ partialApdu: m.partial }));
  return lines.join('\n');
}

function jsonOf(m: DecodedMessage): Json {
  const out: { [k: string]: Json } = { format: m.format, frames: [...m.frames] };
  if (m.transport) out['transport'] = toPlainJson(m.transport);
  if (m.notes.length) out['notes'] = [...m.notes];
  if (m.security) {
    out['security'] = { ...(securityJson(m.security.envelope) as object), verified: m.security.verified };
  }
  if (m.apdu) out['apdu'] = toJson(m.apdu);
  if (m.data) out['data'] = toPlainJson(m.data);
  if (m.parameters !== undefined) out['parameters'] = toPlainJson(m.parameters);
  if (m.partial !== undefined) out['partialApdu'] = toPlainJson(m.partial);
  return out;
}

/** The one line printed for an error (without the `dlms: ` prefix). */
export function errorLine(e: unknown, hasAuthKey: boolean): string {
  if (e instanceof FrameDecodeError) {
    const cause = e.cause;
    const where = e.where ? ` ${e.where}` : '';
    const code = cause instanceof DlmsError ? cause.code : undefined;
    const text = (cause instanceof Error ? cause.message : String(cause)).replace(/ \(at offset \d+\)$/, '');
    if (e.stage === 'decipher') {
      if (code === 'AUTHENTICATION_FAILED') {
        return `cannot decipher${where}: AUTHENTICATION_FAILED: the authentication tag does not match (wrong --key, --auth-key or --system-title, or altered bytes)`;
      }
      if (code === 'MISSING_KEY' && !hasAuthKey) {
        return `cannot decipher${where}: MISSING_KEY: ${text} (the APDU carries an authentication tag: pass --auth-key <hex> to check it, or --no-verify to decipher without checking)`;
      }
      if (code === 'INVALID_SYSTEM_TITLE') {
        return `cannot decipher${where}: INVALID_SYSTEM_TITLE: ${text} (pass --system-title <hex>: the glo-/ded- forms do not carry it)`;
      }
      return `cannot decipher${where}: ${code ?? 'ERROR'}: ${text}`;
    }
    if (e.stage === 'reassemble') return `cannot reassemble${where}: ${code ? `${code}: ` : ''}${text}`;
    const at = e.offset !== undefined ? ` at offset ${e.offset}` : '';
    return `cannot decode${where}: ${code ?? 'ERROR'}${at}: ${text}${e.hint ? ` (${e.hint})` : ''}`;
  }
  if (e instanceof InputError) return `bad input: ${e.message}`;
  if (e instanceof DecodeError || e instanceof FramingError) {
    const at = e.offset !== undefined ? ` at offset ${e.offset}` : '';
    return `cannot decode: ${e.code}${at}: ${e.message.replace(/ \(at offset \d+\)$/, '')}`;
  }
  if (e instanceof DlmsError) return `${e.code}: ${e.message}`;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}

interface DecodeCliOptions {
  readonly format: FormatOption;
  readonly json?: boolean;
  readonly key?: string;
  readonly authKey?: string;
  readonly systemTitle?: string;
  readonly verify: boolean;
}

function buildProgram(io: CliIo, setCode: (c: number) => void): Command {
  const program = new Command('dlms')
    .description('Tools for DLMS/COSEM (IEC 62056) meters: decode frames and APDUs, read and write meters.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`dlms: ${s.replace(/^error: /, '').trimEnd()} (see dlms --help)\n`),
    });

  program
    .command('decode')
    .summary('print a frame or APDU given in hex as a readable tree or JSON')
    .description(
      'Decode DLMS/COSEM messages given in hex: a bare APDU (GET, SET, ACTION, DataNotification, AARQ/AARE, ' +
        '...), a wrapper frame (IEC 62056-47, TCP/UDP) or an HDLC frame (IEC 62056-46). The output names every ' +
        'field, shows Data values with their types, OBIS codes as A-B:C.D.E.F with their well-known name, ' +
        'date-times with their wildcards (*), conformance bits and result codes by name.\n\n' +
        'Each argument is one frame; hex may contain spaces, colons or dashes. Bytes pasted unquoted ' +
        '(C0 01 C1 ...) are joined into one frame. Several frames that are pieces of one APDU (segmented HDLC, ' +
        'general block transfer, GET with data blocks) are put back together.',
    )
    .argument('<hex...>', 'the frame(s) in hex, or - to read frames from standard input (one per line)')
    .addOption(
      new Option(
        '-f, --format <format>',
        'what the hex is: auto guesses per frame (7E...7E: hdlc, 00 01: wrapper, else apdu); data is a bare A-XDR Data value',
      )
        .choices(['auto', 'apdu', 'wrapper', 'hdlc', 'data'])
        .default('auto'),
    )
    .option(
      '-j, --json',
      'print JSON instead of a tree (Data as {type, value}, bytes as hex, integers beyond 2^53 as strings)',
    )
    .option('-k, --key <hex>', 'block cipher key (16 or 32 bytes) to decipher a ciphered APDU')
    .option('-a, --auth-key <hex>', 'authentication key (16 or 32 bytes) to check the authentication tag')
    .option('-s, --system-title <hex>', "the sender's system title (8 bytes), for APDUs that do not carry it")
    .option('--no-verify', 'decipher without checking the authentication tag (says so in the output)')
    .addHelpText('after', EXAMPLES)
    .action(async (hex: string[], opts: DecodeCliOptions) => {
      setCode(await runDecode(hex, opts, io));
    });

  // The simulator and the meter commands (get, set, action, objects, profile, clock) live in `commands/`.
  registerSimCommand(program, io, setCode);
  return registerClientCommands(program, io, setCode);
}

async function runDecode(hex: readonly string[], opts: DecodeCliOptions, io: CliIo): Promise<number> {
  let key: Uint8Array | undefined;
  let authKey: Uint8Array | undefined;
  let systemTitle: Uint8Array | undefined;
  try {
    key = parseKey('--key', opts.key, [16, 32]);
    authKey = parseKey('--auth-key', opts.authKey, [16, 32]);
    systemTitle = parseKey('--system-title', opts.systemTitle, [8]);
    if (hex.includes('-') && hex.length > 1)
      throw new UsageError('- (standard input) must be the only hex argument');
  } catch (e) {
    io.stderr.write(`dlms: ${(e as Error).message} (see dlms decode --help)\n`);
    return EXIT_USAGE;
  }
  try {
    let frames: Uint8Array[];
    if (hex.length === 1 && hex[0] === '-') {
      frames = framesOfText(await readAll(io.stdin ?? process.stdin));
    } else {
      frames = framesOfArguments(hex);
    }
    const messages = decodeFrames(frames, {
      format: opts.format,
      key,
      authKey,
      systemTitle,
      noVerify: !opts.verify,
    });
    if (opts.json) {
      for (const m of messages) io.stdout.write(JSON.stringify(jsonOf(m), null, 2) + '\n');
    } else {
      io.stdout.write(messages.map((m, i) => treeOf(m, messages.length, i)).join('\n\n') + '\n');
    }
    return EXIT_OK;
  } catch (e) {
    io.stderr.write(`dlms: ${errorLine(e, authKey !== undefined)}\n`);
    return EXIT_BAD_INPUT;
  }
}

/**
 * Runs the command line `argv` (without `node` and the script) and resolves to the exit code.
 * Never throws and never calls `process.exit`.
 */
export async function main(argv: readonly string[], io?: CliIo): Promise<number> {
  const streams: CliIo = io ?? { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
  let code = EXIT_OK;
  const program = buildProgram(streams, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with exit code 0; help shown because no command was given, unknown
      // options, missing arguments and bad choices are usage errors.
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    streams.stderr.write(`dlms: ${errorLine(e, false)}\n`);
    return EXIT_BAD_INPUT;
  }
}
