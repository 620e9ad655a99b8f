/**
 * APDUs out of the HDLC frames a meter pushes on its customer interface (Landis+Gyr E450, Iskra AM550,
 * Siemens IM350, the Nordic HAN meters): UI frames, or I frames sent without a connection, with the LLC
 * header E6 E7 00 (IEC 62056-46 clause 6.2 / Green Book LLC sublayer: "response") in front of the first
 * segment, and the segmentation bit of the format field set on every segment but the last.
 *
 * Reassembly rules: a frame whose information field starts with an LLC header (E6 E7 00, or E6 E6 00
 * from meters that use the command form) starts an APDU; a first segment without LLC header is accepted
 * when it begins with the tag of a push APDU (Data-Notification 0x0F, general-glo/ded-ciphering 0xDB/0xDC,
 * General-Block-Transfer 0xE0), because some meters leave the LLC header out. A continuation segment
 * that arrives when no APDU is open (the reader started listening mid-sequence) is dropped with a
 * warning, and so is a partial APDU when a new one starts (restart) or when the send sequence number
 * N(S) of consecutive I frames skips one (a lost segment; UI frames carry no sequence number, so a lost UI
 * segment shows only when the joined APDU fails to decode). Frames without an information field (RR,
 * SNRM, UA…) are ignored. The size is capped.
 *
 * Not here: the HDLC frame codec and framer (`@meteringlab/transport-hdlc-serial`), deciphering and APDU
 * decoding.
 */
import { ArgumentError } from '@meteringlab/dlms-core';
import type { HdlcFrame } from '@meteringlab/transport-hdlc-serial';
import { DEFAULT_MAX_APDU_LENGTH, type ReassemblyItem } from './dlms-transport.js';

/** Tags that a push APDU begins with when a meter sends no LLC header. */
const PUSH_APDU_TAGS: ReadonlySet<number> = new Set([0x0f, 0xdb, 0xdc, 0xe0]);

function llcLength(info: Uint8Array): number {
  // E6 E7 00 (response) or E6 E6 00 (command): destination LSAP, source LSAP, quality.
  if (info.length >= 3 && info[0] === 0xe6 && (info[1] === 0xe7 || info[1] === 0xe6) && info[2] === 0x00)
    return 3;
  return 0;
}

/** Reassembles pushed APDUs out of HDLC frames. */
export interface HdlcPushReassembler {
  add(frame: HdlcFrame): ReassemblyItem[];
  reset(): void;
}

/** Creates an {@link HdlcPushReassembler}. */
export function createHdlcPushReassembler(
  options: { readonly maxApduLength?: number } = {},
): HdlcPushReassembler {
  const maxApduLength = options.maxApduLength ?? DEFAULT_MAX_APDU_LENGTH;
  if (!Number.isInteger(maxApduLength) || maxApduLength < 1) {
    throw new ArgumentError(`maxApduLength ${maxApduLength} is not a positive integer`);
  }
  let parts: Uint8Array[] = [];
  let total = 0;
  let open = false;
  let overflow = false;
  let skipping = false;
  // N(S) of the last I frame of the open APDU.
  let lastNs: number | undefined;

  const clear = (): void => {
    parts = [];
    total = 0;
    open = false;
    overflow = false;
    lastNs = undefined;
  };

  return {
    reset() {
      clear();
      skipping = false;
    },
    add(frame: HdlcFrame): ReassemblyItem[] {
      const out: ReassemblyItem[] = [];
      const c = frame.control.type;
      if ((c !== 'ui' && c !== 'i') || frame.information.length === 0) return out;
      const info = frame.information;
      const llc = llcLength(info);
      const ns = frame.control.type === 'i' ? frame.control.ns : undefined;
      if (open && llc === 0 && ns !== undefined && lastNs !== undefined && ns !== ((lastNs + 1) & 7)) {
        out.push({
          type: 'warning',
          code: 'GAP',
          message: `expected I frame N(S)=${(lastNs + 1) & 7}, got ${ns}`,
          dropped: total,
        });
        clear();
        skipping = frame.segmented;
        return out;
      }
      let piece: Uint8Array;
      if (llc > 0 || (!open && PUSH_APDU_TAGS.has(info[0]!) && !skipping)) {
        if (open) {
          out.push({
            type: 'warning',
            code: 'RESTART',
            message: 'a new APDU started before the previous one was complete',
            dropped: total,
          });
          clear();
        }
        skipping = false;
        open = true;
        piece = info.subarray(llc);
      } else if (open) {
        piece = info;
      } else {
        if (!skipping) {
          out.push({
            type: 'warning',
            code: 'MID_SEQUENCE',
            message: 'HDLC segment of an APDU whose first segment was not received',
            dropped: info.length,
          });
        }
        skipping = frame.segmented;
        return out;
      }
      lastNs = ns;
      if (!overflow) {
        if (total + piece.length > maxApduLength) {
          overflow = true;
          out.push({
            type: 'warning',
            code: 'LIMIT_EXCEEDED',
            message: `APDU exceeds ${maxApduLength} bytes`,
            dropped: total + piece.length,
          });
          parts = [];
        } else {
          parts.push(piece.slice());
          total += piece.length;
        }
      }
      if (frame.segmented) return out;
      const done = overflow ? undefined : parts;
      const length = total;
      clear();
      if (done !== undefined) {
        let apdu: Uint8Array;
        if (done.length === 1) apdu = done[0]!;
        else {
          apdu = new Uint8Array(length);
          let at = 0;
          for (const p of done) {
            apdu.set(p, at);
            at += p.length;
          }
        }
        out.push({ type: 'apdu', apdu, segments: done.length, stsap: 0, dtsap: 0 });
      }
      return out;
    },
  };
}
