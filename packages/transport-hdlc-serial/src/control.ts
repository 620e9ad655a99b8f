/**
 * The HDLC control field (ISO/IEC 13239 modulo 8, as profiled by IEC 62056-46 clause 6.4.3).
 *
 * Bit 0 is the least significant bit. I frames: `N(R) P/F N(S) 0`; supervisory: `N(R) P/F S S 0 1`;
 * unnumbered: `M M M P/F M M 1 1`. DLMS uses I, RR, RNR, SNRM, DISC, UA, DM, FRMR and UI; every other
 * value (REJ, SREJ, SABM...) decodes to the `unknown` arm so a secondary can answer it with FRMR.
 */

/** A decoded control field. `pf` is the poll bit in commands and the final bit in responses. */
export type HdlcControl =
  | { readonly type: 'i'; readonly ns: number; readonly nr: number; readonly pf: boolean }
  | { readonly type: 'rr'; readonly nr: number; readonly pf: boolean }
  | { readonly type: 'rnr'; readonly nr: number; readonly pf: boolean }
  | { readonly type: 'snrm'; readonly pf: boolean }
  | { readonly type: 'disc'; readonly pf: boolean }
  | { readonly type: 'ua'; readonly pf: boolean }
  | { readonly type: 'dm'; readonly pf: boolean }
  | { readonly type: 'frmr'; readonly pf: boolean }
  | { readonly type: 'ui'; readonly pf: boolean }
  | { readonly type: 'unknown'; readonly value: number };

/** Control values of the unnumbered frames with P/F = 0 (OR 0x10 for P/F = 1). */
const UNNUMBERED: Record<'snrm' | 'disc' | 'ua' | 'dm' | 'frmr' | 'ui', number> = {
  snrm: 0x83,
  disc: 0x43,
  ua: 0x63,
  dm: 0x0f,
  frmr: 0x87,
  ui: 0x03,
};

const BY_VALUE = new Map<number, 'snrm' | 'disc' | 'ua' | 'dm' | 'frmr' | 'ui'>(
  Object.entries(UNNUMBERED).map(([k, v]) => [v, k as 'snrm' | 'disc' | 'ua' | 'dm' | 'frmr' | 'ui']),
);

/** The control byte of `c`. */
export function encodeHdlcControl(c: HdlcControl): number {
  switch (c.type) {
    case 'i':
      return ((c.nr & 7) << 5) | (c.pf ? 0x10 : 0) | ((c.ns & 7) << 1);
    case 'rr':
      return ((c.nr & 7) << 5) | (c.pf ? 0x10 : 0) | 0x01;
    case 'rnr':
      return ((c.nr & 7) << 5) | (c.pf ? 0x10 : 0) | 0x05;
    case 'unknown':
      return c.value & 0xff;
    default:
      return UNNUMBERED[c.type] | (c.pf ? 0x10 : 0);
  }
}

/** The control field of byte `v`; never throws (unsupported values give the `unknown` arm). */
export function decodeHdlcControl(v: number): HdlcControl {
  const pf = (v & 0x10) !== 0;
  if ((v & 1) === 0) return { type: 'i', ns: (v >>> 1) & 7, nr: v >>> 5, pf };
  if ((v & 3) === 1) {
    const s = (v >>> 2) & 3;
    if (s === 0) return { type: 'rr', nr: v >>> 5, pf };
    if (s === 1) return { type: 'rnr', nr: v >>> 5, pf };
    return { type: 'unknown', value: v };
  }
  const t = BY_VALUE.get(v & ~0x10);
  return t === undefined ? { type: 'unknown', value: v } : { type: t, pf };
}

/** True for frame types that may carry an information field in DLMS (I, UI, SNRM, UA, FRMR). */
export function mayCarryInformation(c: HdlcControl): boolean {
  return c.type === 'i' || c.type === 'ui' || c.type === 'snrm' || c.type === 'ua' || c.type === 'frmr';
}
