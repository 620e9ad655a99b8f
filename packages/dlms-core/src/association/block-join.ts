/**
 * Joining captured block-transfer APDUs back into the message they carry, for tools that decode a
 * recorded exchange (the live client and server associations reassemble as blocks arrive).
 *
 * - General-Block-Transfer (Green Book 9.3.10): block numbers count up by one, the last block is
 *   flagged; the joined block-data is one complete APDU.
 * - GET-Response-With-Datablock: block numbers count up by one, the last block is flagged; the joined
 *   raw-data is one encoded Data value, returned as the GET-Response-Normal it stands for. A block
 *   carrying a data-access-result ends the transfer with that result.
 *
 * A gap, a repeat or a block after the last one is a `ProtocolError` `BLOCK_SEQUENCE`; a total above
 * `maxBytes` is `LIMIT_EXCEEDED`. Nothing here decodes the joined GBT content (callers decide how).
 */
import { DecodeError, ProtocolError } from '../errors.js';
import { decodeDataBytes, type DataLimits } from '../axdr/data.js';
import type { GeneralBlockTransfer } from '../xdlms/general-block-transfer.js';
import type { GetResponseNormal, GetResponseWithDatablock } from '../xdlms/get.js';
import { BlockReassembler } from './blocks.js';

/** Default cap on joined bytes: 16 MiB. */
export const DEFAULT_MAX_JOINED_BYTES = 16 * 1024 * 1024;

function join(
  blocks: readonly { readonly number: number; readonly data: Uint8Array; readonly last: boolean }[],
  what: string,
  maxBytes: number,
): Uint8Array {
  if (blocks.length === 0) throw new ProtocolError('BLOCK_SEQUENCE', `no ${what} blocks to join`);
  const r = new BlockReassembler(maxBytes, blocks[0]!.number);
  for (const [i, b] of blocks.entries()) {
    const res = r.push(b.number, b.data, b.last);
    if (res === 'too-large') {
      throw new DecodeError('LIMIT_EXCEEDED', `${what} blocks exceed ${maxBytes} bytes`, r.length);
    }
    if (res === 'block-number-invalid') {
      const prev = blocks[i - 1]!;
      throw new ProtocolError(
        'BLOCK_SEQUENCE',
        prev.last
          ? `${what} block ${b.number} follows the last block ${prev.number}`
          : `${what} block ${b.number} follows block ${prev.number}: a block is missing or out of order`,
      );
    }
  }
  if (!blocks[blocks.length - 1]!.last) {
    throw new ProtocolError('BLOCK_SEQUENCE', `the last ${what} block is missing`);
  }
  return r.joined();
}

/** The APDU bytes carried by a complete run of General-Block-Transfer blocks. */
export function joinGeneralBlockTransfer(
  blocks: readonly GeneralBlockTransfer[],
  maxBytes = DEFAULT_MAX_JOINED_BYTES,
): Uint8Array {
  return join(
    blocks.map((b) => ({ number: b.blockNumber, data: b.blockData, last: b.lastBlock })),
    'general-block-transfer',
    maxBytes,
  );
}

/** The GET-Response-Normal that a complete run of GET-Response-With-Datablock stands for. */
export function joinGetDatablocks(
  blocks: readonly GetResponseWithDatablock[],
  options: { readonly maxBytes?: number; readonly dataLimits?: DataLimits } = {},
): GetResponseNormal {
  if (blocks.length === 0) throw new ProtocolError('BLOCK_SEQUENCE', 'no GET data blocks to join');
  const first = blocks[0]!;
  const failedAt = blocks.findIndex((b) => b.block.result.type === 'data-access-result');
  const upTo = failedAt < 0 ? blocks.length : failedAt + 1;
  const raw = join(
    blocks.slice(0, upTo).map((b) => ({
      number: b.block.blockNumber,
      data: b.block.result.type === 'raw-data' ? b.block.result.rawData : new Uint8Array(0),
      // A data-access-result ends the transfer (Green Book: the server aborts it with the result).
      last: b.block.lastBlock || b.block.result.type === 'data-access-result',
    })),
    'GET data',
    options.maxBytes ?? DEFAULT_MAX_JOINED_BYTES,
  );
  if (upTo < blocks.length) {
    throw new ProtocolError('BLOCK_SEQUENCE', 'GET data blocks follow a block that ended the transfer');
  }
  const failed = failedAt < 0 ? undefined : blocks[failedAt]!.block.result;
  if (failed !== undefined && failed.type === 'data-access-result') {
    return {
      type: 'get-response-normal',
      invokeIdAndPriority: first.invokeIdAndPriority,
      result: { type: 'data-access-result', result: failed.result },
    };
  }
  return {
    type: 'get-response-normal',
    invokeIdAndPriority: first.invokeIdAndPriority,
    result: { type: 'data', data: decodeDataBytes(raw, options.dataLimits) },
  };
}
