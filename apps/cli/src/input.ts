/**
 * The frames a user hands to `dlms decode`: hex in command-line arguments or on standard input.
 *
 * Rules (also in `--help` and the README): each argument is one frame; hex may contain spaces, colons
 * or dashes between bytes; arguments of one byte each (hex pasted unquoted, `C0 01 C1 …`) are joined
 * into one frame. On standard input (`-`) each non-empty line is one frame and `#` starts a comment.
 *
 * It only turns text into bytes; what the bytes are is decided later.
 */
import { fromHex } from '@meteringlab/dlms-core';

/** Input the user got wrong: printed as one line, exit code 1. */
export class InputError extends Error {}

function parseHex(text: string, where: string): Uint8Array {
  const clean = text.replace(/^0x/i, '').replace(/[\s:-]/g, '');
  const bad = clean.search(/[^0-9a-fA-F]/);
  if (bad >= 0)
    throw new InputError(`${where} has a character that is not hex: '${clean[bad]}' (digit ${bad + 1})`);
  if (clean.length === 0) throw new InputError(`${where} is empty`);
  if (clean.length % 2 !== 0)
    throw new InputError(`${where} has an odd number of hex digits (${clean.length})`);
  return fromHex(clean);
}

/** The frames of command-line hex arguments (see the module header for the rules). */
export function framesOfArguments(args: readonly string[]): Uint8Array[] {
  const frames = args.map((a, i) =>
    parseHex(a, args.length === 1 ? 'the hex argument' : `argument ${i + 1}`),
  );
  if (frames.length > 1 && frames.every((f) => f.length === 1)) {
    const joined = new Uint8Array(frames.length);
    frames.forEach((f, i) => (joined[i] = f[0]!));
    return [joined];
  }
  return frames;
}

/** The frames of standard-input text: one per non-empty line, `#` comments removed. */
export function framesOfText(text: string): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const content = line.replace(/#.*$/, '').trim();
    if (content !== '') frames.push(parseHex(content, `line ${i + 1} of standard input`));
  });
  if (frames.length === 0) throw new InputError('standard input holds no hex');
  return frames;
}
