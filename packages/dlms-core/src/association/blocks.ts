/**
 * Block-transfer helpers shared by the server (and later the client) association: cutting an encoded
 * value into numbered blocks, joining numbered blocks back with a size cap, and the per-APDU overheads
 * used to size the blocks so every APDU fits the peer's max-receive-pdu-size.
 *
 * Green Book (IEC 62056-5-3) service-specific block transfer numbers blocks from 1 and the receiver
 * names the last block it received (GET-Request-Next, ACTION-Request-Next-Pblock) or echoes the block
 * it got (SET-Response-Datablock, ACTION-Response-Next-Pblock). General-Block-Transfer numbers blocks
 * from 1 in each direction, with acknowledgements in `block-number-ack`.
 *
 * Pure functions and small value classes; no I/O, no timers. Blocks are views into the input, not copies.
 */
import { ArgumentError } from '../errors.js';

/** Splits `bytes` into views of at most `size` bytes (at least one block, possibly empty). */
export function splitBlocks(bytes: Uint8Array, size: number): Uint8Array[] {
  if (!Number.isInteger(size) || size < 1)
    throw new ArgumentError(`block size ${size} must be a positive integer`);
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size)
    out.push(bytes.subarray(at, Math.min(at + size, bytes.length)));
  if (out.length === 0) out.push(bytes.subarray(0, 0));
  return out;
}

/** What {@link BlockReassembler.push} found. */
export type BlockPushResult = 'ok' | 'complete' | 'block-number-invalid' | 'too-large';

/**
 * Joins blocks numbered `first`, `first + 1`, … into one byte string, refusing a block out of sequence
 * and a total above `maxBytes` (a limit on what a peer may make us hold).
 */
export class BlockReassembler {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  private next: number;
  private done = false;

  constructor(
    private readonly maxBytes: number,
    first = 1,
  ) {
    this.next = first;
  }

  /** The block number expected next. */
  get expected(): number {
    return this.next;
  }

  /** Number of the last block accepted (`first - 1` before any). */
  get lastAccepted(): number {
    return this.next - 1;
  }

  /** Bytes held so far. */
  get length(): number {
    return this.size;
  }

  /** Adds one block. The data is copied (the caller's frame buffer may be reused). */
  push(blockNumber: number, data: Uint8Array, last: boolean): BlockPushResult {
    if (this.done || blockNumber !== this.next) return 'block-number-invalid';
    if (this.size + data.length > this.maxBytes) return 'too-large';
    this.parts.push(data.slice());
    this.size += data.length;
    this.next++;
    if (last) this.done = true;
    return last ? 'complete' : 'ok';
  }

  /** The joined bytes (one copy). */
  joined(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Bytes an A-XDR length prefix takes for `n` (1 below 128, then 0x81/0x82/0x83/0x84 forms). */
export function axdrLengthSize(n: number): number {
  if (n < 0x80) return 1;
  if (n <= 0xff) return 2;
  if (n <= 0xffff) return 3;
  if (n <= 0xffffff) return 4;
  return 5;
}

/**
 * Overhead of a GET-Response-With-Datablock around its raw-data of `n` bytes: tag, choice,
 * invoke-id, last-block, block-number (4), result choice, length prefix.
 */
export function getDatablockOverhead(n: number): number {
  return 1 + 1 + 1 + 1 + 4 + 1 + axdrLengthSize(n);
}

/**
 * Overhead of an ACTION-Response-With-Pblock (or any DataBlock-SA APDU) around its raw-data of `n`
 * bytes: tag, choice, invoke-id, last-block, block-number (4), length prefix.
 */
export function pblockOverhead(n: number): number {
  return 1 + 1 + 1 + 1 + 4 + axdrLengthSize(n);
}

/**
 * Overhead of a General-Block-Transfer around its block-data of `n` bytes: tag, block-control,
 * block-number (2), block-number-ack (2), length prefix.
 */
export function gbtOverhead(n: number): number {
  return 1 + 1 + 2 + 2 + axdrLengthSize(n);
}

/**
 * The largest payload `p` such that `p + overhead(p) <= budget`, or 0 when none fits. Used to size
 * blocks whose length prefix grows with the payload.
 */
export function largestPayload(budget: number, overhead: (n: number) => number): number {
  let p = Math.max(0, budget - overhead(budget));
  while (p > 0 && p + overhead(p) > budget) p--;
  // A larger payload may fit when the length prefix shrank with it.
  while (p + 1 + overhead(p + 1) <= budget) p++;
  return p;
}
