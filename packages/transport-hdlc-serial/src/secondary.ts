/**
 * The HDLC secondary station (the DLMS server) of IEC 62056-46, in normal response mode, sans-I/O.
 *
 * In NDM it answers SNRM with UA (carrying the negotiated parameters: each value is the smaller of its
 * own limit and the client's) and every other command with DM. In NRM it accepts I frames in sequence,
 * reassembles APDUs (LLC E6 E6 00 stripped, size capped), and transmits only when polled: up to
 * `windowTx` I frames with F=1 on the last, or RR F=1. After an APDU completed by a frame with P=1 it
 * keeps the poll until the application answers, so the response goes out at once. On a poll it
 * retransmits every frame the N(R) it received does not acknowledge (go-back-N).
 *
 * Errors follow ISO/IEC 13239 as profiled by IEC 62056-46: an I frame out of sequence is discarded and
 * answered (when it polls) with RR carrying the expected N(R) (DLMS has no REJ); an invalid N(R), an
 * unknown control field, an information field where none is allowed or one longer than negotiated put
 * the link in the FRMR condition: FRMR with the W/X/Y/Z reason bits, repeated on every poll, until SNRM
 * or DISC. Frames for other addresses are ignored.
 *
 * Every method takes the current time and returns frames and events; nothing here does I/O.
 */
import { ArgumentError, FramingError, ProtocolError, TransportError } from '@meteringlab/dlms-core';
import { type HdlcAddress, sameHdlcAddress } from './address.js';
import type { HdlcControl } from './control.js';
import { encodeHdlcControl } from './control.js';
import { type HdlcFrame, LLC_COMMAND, LLC_RESPONSE, encodeHdlcFrame } from './frame.js';
import {
  DEFAULT_MAX_INFO_LENGTH,
  DEFAULT_WINDOW_SIZE,
  type HdlcNegotiated,
  type HdlcParameters,
  MAX_INFO_LENGTH_LIMIT,
  MAX_WINDOW_SIZE,
  decodeHdlcParameters,
  encodeHdlcParameters,
  negotiateHdlcParameters,
} from './parameters.js';
import {
  type FrmrReason,
  type HdlcOutput,
  Reassembler,
  type Segment,
  encodeFrmrInfo,
  isStaleDuplicate,
  newOutput,
  seqDiff,
  segmentApdu,
  stripLlc,
  validNr,
} from './link-common.js';

/** Options of {@link HdlcSecondary}. */
export interface HdlcSecondaryOptions {
  /**
   * Which destination addresses this server answers (default: every address). Called for SNRM and for
   * frames received while disconnected; once connected only the address of the SNRM is accepted.
   */
  readonly accept?: (destination: HdlcAddress) => boolean;
  /** Largest information field this server sends (default 128). */
  readonly maxInfoTx?: number;
  /** Largest information field this server receives (default 128). */
  readonly maxInfoRx?: number;
  /** Window this server sends with (1..7, default 1). */
  readonly windowTx?: number;
  /** Window this server receives (1..7, default 1). */
  readonly windowRx?: number;
  /** Cap on a reassembled APDU (default 65535 bytes). */
  readonly maxApduLength?: number;
  /** Disconnect after this long without a frame from the client (default: never). */
  readonly inactivityTimeoutMs?: number;
}

/** States of the secondary: NDM, NRM, and NRM in the frame-reject condition. */
export type HdlcSecondaryState = 'disconnected' | 'connected' | 'frame-reject';

interface Sent extends Segment {
  readonly ns: number;
}

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new ArgumentError(`${name} ${v} is outside ${min}..${max}`);
  return v;
}

const EMPTY = new Uint8Array(0);

/** The HDLC secondary (server) link state machine; see the module notes. */
export class HdlcSecondary {
  private readonly accept: (destination: HdlcAddress) => boolean;
  private readonly limits: HdlcParameters;
  private readonly inactivityTimeoutMs: number | undefined;
  private readonly rx: Reassembler;

  private stateValue: HdlcSecondaryState = 'disconnected';
  private params: HdlcNegotiated = {
    maxInfoTx: DEFAULT_MAX_INFO_LENGTH,
    maxInfoRx: DEFAULT_MAX_INFO_LENGTH,
    windowTx: DEFAULT_WINDOW_SIZE,
    windowRx: DEFAULT_WINDOW_SIZE,
  };
  private clientValue: HdlcAddress | undefined;
  private serverValue: HdlcAddress | undefined;
  private vs = 0;
  private vr = 0;
  private va = 0;
  private queue: Uint8Array[] = [];
  private txSegments: Segment[] = [];
  private unacked: Sent[] = [];
  private hasPoll = false;
  private peerBusy = false;
  private resend = false;
  private busy = false;
  private frmr: Uint8Array = EMPTY;
  private lastFrameAt = 0;

  constructor(options: HdlcSecondaryOptions = {}) {
    this.accept = options.accept ?? (() => true);
    this.limits = {
      maxInfoTx: checkInt(
        'maxInfoTx',
        options.maxInfoTx ?? DEFAULT_MAX_INFO_LENGTH,
        1,
        MAX_INFO_LENGTH_LIMIT,
      ),
      maxInfoRx: checkInt(
        'maxInfoRx',
        options.maxInfoRx ?? DEFAULT_MAX_INFO_LENGTH,
        1,
        MAX_INFO_LENGTH_LIMIT,
      ),
      windowTx: checkInt('windowTx', options.windowTx ?? DEFAULT_WINDOW_SIZE, 1, MAX_WINDOW_SIZE),
      windowRx: checkInt('windowRx', options.windowRx ?? DEFAULT_WINDOW_SIZE, 1, MAX_WINDOW_SIZE),
    };
    this.inactivityTimeoutMs =
      options.inactivityTimeoutMs === undefined
        ? undefined
        : checkInt('inactivityTimeoutMs', options.inactivityTimeoutMs, 1, 0x7fffffff);
    this.rx = new Reassembler(
      LLC_COMMAND,
      checkInt('maxApduLength', options.maxApduLength ?? 65535, 1, 0x7fffffff),
    );
  }

  /** Current state. */
  get state(): HdlcSecondaryState {
    return this.stateValue;
  }

  /** Parameters in force. */
  get parameters(): HdlcNegotiated {
    return this.params;
  }

  /** The client address of the current link (from its SNRM). */
  get client(): HdlcAddress | undefined {
    return this.clientValue;
  }

  /** The server address the client addressed in its SNRM (logical device and physical address). */
  get server(): HdlcAddress | undefined {
    return this.serverValue;
  }

  /** When {@link tick} must be called next (inactivity timeout), or `undefined`. */
  get nextDeadlineMs(): number | undefined {
    if (this.inactivityTimeoutMs === undefined || this.stateValue === 'disconnected') return undefined;
    return this.lastFrameAt + this.inactivityTimeoutMs;
  }

  /**
   * Enters or leaves the busy condition: while busy, polls are answered with RNR (receive not ready)
   * and no I frame is sent; the primary polls again later. Leaving it sends nothing by itself (NRM: the
   * secondary waits for the next poll).
   */
  setBusy(busy: boolean): void {
    this.busy = busy;
  }

  /** Queues a response APDU; it goes out at once when this station holds the poll. */
  send(apdu: Uint8Array, _nowMs: number): HdlcOutput {
    if (this.stateValue !== 'connected')
      throw new TransportError('CLOSED', `cannot send while ${this.stateValue}`);
    this.queue.push(apdu);
    const out = newOutput();
    if (this.hasPoll && !this.peerBusy && !this.busy) this.sendWindow(out);
    return out;
  }

  /**
   * Sends a UI frame with `apdu` after the LLC response header, without waiting for a poll (as
   * push-only meter ports do). `destination` defaults to the connected client.
   */
  sendUi(apdu: Uint8Array, source: HdlcAddress, destination?: HdlcAddress): HdlcOutput {
    const to = destination ?? this.clientValue;
    if (to === undefined) throw new ProtocolError('INVALID_STATE', 'no client to send a UI frame to');
    const info = new Uint8Array(LLC_RESPONSE.length + apdu.length);
    info.set(LLC_RESPONSE);
    info.set(apdu, LLC_RESPONSE.length);
    const out = newOutput();
    out.frames.push(
      encodeHdlcFrame({
        destination: to,
        source,
        control: { type: 'ui', pf: false },
        segmented: false,
        information: info,
      }),
    );
    return out;
  }

  /** Handles the inactivity timeout. */
  tick(nowMs: number): HdlcOutput {
    const out = newOutput();
    const deadline = this.nextDeadlineMs;
    if (deadline !== undefined && nowMs >= deadline) {
      this.enterDisconnected();
      out.events.push({ type: 'disconnected', reason: 'inactivity' });
    }
    return out;
  }

  /** Handles one received frame. */
  receive(frame: HdlcFrame, nowMs: number): HdlcOutput {
    const out = newOutput();
    const c = frame.control;
    if (this.stateValue === 'disconnected') {
      if (!this.accept(frame.destination)) {
        out.events.push({
          type: 'error',
          error: new FramingError('UNKNOWN_ADDRESS', 'frame for another server'),
          action: 'ignored',
          frame,
        });
        return out;
      }
      this.lastFrameAt = nowMs;
      if (c.type === 'snrm') {
        this.snrm(out, frame);
      } else if (c.type === 'ui') {
        this.ui(out, frame);
      } else if (c.type !== 'unknown' && c.pf) {
        // ISO/IEC 13239 5.4.2: in NDM a secondary answers any other command with DM.
        out.events.push({
          type: 'error',
          error: new ProtocolError('INVALID_STATE', `${c.type} while disconnected`),
          action: 'dm',
          frame,
        });
        out.frames.push(
          encodeHdlcFrame({
            destination: frame.source,
            source: frame.destination,
            control: { type: 'dm', pf: true },
            segmented: false,
            information: EMPTY,
          }),
        );
      } else {
        out.events.push({
          type: 'error',
          error: new ProtocolError('INVALID_STATE', 'frame while disconnected'),
          action: 'ignored',
          frame,
        });
      }
      return out;
    }
    if (
      !sameHdlcAddress(frame.source, this.clientValue!) ||
      !sameHdlcAddress(frame.destination, this.serverValue!)
    ) {
      out.events.push({
        type: 'error',
        error: new FramingError('UNKNOWN_ADDRESS', 'frame for another link'),
        action: 'ignored',
        frame,
      });
      return out;
    }
    this.lastFrameAt = nowMs;
    if (c.type === 'snrm') {
      const dropped = this.queue.length + (this.txSegments.length > 0 || this.unacked.length > 0 ? 1 : 0);
      out.events.push({ type: 'reset', reason: 'snrm', droppedApdus: dropped });
      this.snrm(out, frame);
      return out;
    }
    if (c.type === 'disc') {
      this.respond(out, { type: 'ua', pf: true });
      this.enterDisconnected();
      out.events.push({ type: 'disconnected', reason: 'disc' });
      return out;
    }
    if (this.stateValue === 'frame-reject') {
      // 5.5.3.4.2.4: the FRMR condition lasts until SNRM or DISC; the FRMR is repeated on each poll.
      if (c.type !== 'unknown' && c.pf) this.respond(out, { type: 'frmr', pf: true }, this.frmr);
      out.events.push({
        type: 'error',
        error: new ProtocolError('INVALID_STATE', 'frame in the FRMR condition'),
        action: c.type !== 'unknown' && c.pf ? 'frmr' : 'ignored',
        frame,
      });
      return out;
    }
    switch (c.type) {
      case 'ui':
        this.ui(out, frame);
        return out;
      case 'i':
      case 'rr':
      case 'rnr':
        this.sequenced(out, frame, c);
        return out;
      case 'unknown':
        this.reject(
          out,
          frame,
          { w: true, x: false, y: false, z: false },
          new FramingError('UNKNOWN_CONTROL', `control field 0x${c.value.toString(16)}`),
        );
        return out;
      default:
        // UA, DM and FRMR are responses; a secondary never receives them as commands.
        this.reject(
          out,
          frame,
          { w: true, x: false, y: false, z: false },
          new FramingError('UNKNOWN_CONTROL', `${c.type} is not a command`),
        );
        return out;
    }
  }

  private sequenced(out: HdlcOutput, frame: HdlcFrame, c: Extract<HdlcControl, { nr: number }>): void {
    if (c.type !== 'i' && frame.information.length > 0) {
      this.reject(
        out,
        frame,
        { w: true, x: true, y: false, z: false },
        new FramingError('BAD_FRAME', `${c.type} with an information field`),
      );
      return;
    }
    if (c.type === 'i' && isStaleDuplicate(c.ns, this.vr, this.params.windowRx)) {
      // A copy of a frame already accepted: its N(R) is stale and its information is dropped. A poll
      // is still answered with RR and the expected N(R) (IEC 62056-46: wrong N(S) -> RR, no REJ).
      out.events.push({
        type: 'error',
        error: new ProtocolError('SEQUENCE_ERROR', `N(S)=${c.ns}, expected ${this.vr}`),
        action: c.pf ? 'rr' : 'ignored',
        frame,
      });
      if (c.pf) this.giveBackPoll(out);
      return;
    }
    if (!validNr(c.nr, this.va, this.vs)) {
      if (c.type === 'i' && c.ns !== this.vr) {
        out.events.push({
          type: 'error',
          error: new ProtocolError('SEQUENCE_ERROR', 'out-of-sequence I frame with a stale N(R)'),
          action: 'ignored',
          frame,
        });
        return;
      }
      this.reject(
        out,
        frame,
        { w: false, x: false, y: false, z: true },
        new ProtocolError('INVALID_NR', `N(R)=${c.nr} outside [${this.va}, ${this.vs}]`),
      );
      return;
    }
    if (c.type === 'i' && frame.information.length > this.params.maxInfoRx) {
      this.reject(
        out,
        frame,
        { w: false, x: false, y: true, z: false },
        new FramingError('LIMIT_EXCEEDED', `information field of ${frame.information.length} bytes`),
      );
      return;
    }
    this.acknowledge(c.nr);
    this.peerBusy = c.type === 'rnr';
    let completed = false;
    let outOfSequence = false;
    if (c.type === 'i') {
      if (c.ns === this.vr) {
        this.vr = (this.vr + 1) & 7;
        const done = this.rx.add(frame.information, frame.segmented);
        if (done instanceof Uint8Array) {
          completed = true;
          out.events.push({ type: 'apdu', apdu: done });
        } else if (done !== undefined) {
          out.events.push({ type: 'error', error: done, action: 'ignored', frame });
        }
      } else {
        outOfSequence = true;
        out.events.push({
          type: 'error',
          error: new ProtocolError('SEQUENCE_ERROR', `N(S)=${c.ns}, expected ${this.vr}`),
          action: c.pf ? 'rr' : 'ignored',
          frame,
        });
      }
    }
    if (!c.pf) return;
    // Polled: go back to the first frame the client has not acknowledged.
    // V(S) is not rewound: a later N(R) acknowledging those frames stays valid.
    this.resend = this.unacked.length > 0;
    this.hasPoll = true;
    if (this.busy) {
      this.respond(out, { type: 'rnr', nr: this.vr, pf: true });
      this.hasPoll = false;
    } else if (outOfSequence || this.rx.inProgress || this.peerBusy) {
      this.giveBackPoll(out);
    } else if (this.hasData()) {
      this.sendWindow(out);
    } else if (!completed) {
      this.giveBackPoll(out);
    }
    // else: keep the poll until the application answers the APDU just delivered.
  }

  private hasData(): boolean {
    return this.resend || this.txSegments.length > 0 || this.queue.length > 0;
  }

  private sendWindow(out: HdlcOutput): void {
    const again: Sent[] = this.resend ? this.unacked.slice() : [];
    this.resend = false;
    const burst: Sent[] = [];
    while (this.unacked.length + burst.length < this.params.windowTx) {
      if (this.txSegments.length === 0) {
        const apdu = this.queue.shift();
        if (apdu === undefined) break;
        this.txSegments = segmentApdu(apdu, LLC_RESPONSE, this.params.maxInfoTx);
      }
      const seg = this.txSegments.shift()!;
      burst.push({ ...seg, ns: this.vs });
      this.vs = (this.vs + 1) & 7;
    }
    if (burst.length + again.length === 0) {
      this.giveBackPoll(out);
      return;
    }
    const all = again.concat(burst);
    for (let i = 0; i < all.length; i++) {
      const s = all[i]!;
      this.respond(
        out,
        { type: 'i', ns: s.ns, nr: this.vr, pf: i === all.length - 1 },
        s.information,
        s.segmented,
      );
    }
    this.unacked.push(...burst);
    this.hasPoll = false;
  }

  private giveBackPoll(out: HdlcOutput): void {
    this.respond(out, { type: 'rr', nr: this.vr, pf: true });
    this.hasPoll = false;
  }

  private acknowledge(nr: number): void {
    const n = seqDiff(nr, this.va);
    if (n > 0) {
      this.unacked.splice(0, n);
      this.va = nr;
    }
  }

  private snrm(out: HdlcOutput, frame: HdlcFrame): void {
    let remote: HdlcParameters;
    try {
      remote = decodeHdlcParameters(frame.information);
    } catch (e) {
      out.events.push({ type: 'error', error: e as FramingError, action: 'dm', frame });
      out.frames.push(
        encodeHdlcFrame({
          destination: frame.source,
          source: frame.destination,
          control: { type: 'dm', pf: true },
          segmented: false,
          information: EMPTY,
        }),
      );
      return;
    }
    this.enterDisconnected();
    this.params = negotiateHdlcParameters(this.limits, remote);
    this.clientValue = frame.source;
    this.serverValue = frame.destination;
    this.stateValue = 'connected';
    // The UA states the values in force, from the server's side (Green Book, HDLC parameter negotiation).
    this.respond(out, { type: 'ua', pf: true }, encodeHdlcParameters(this.params));
    out.events.push({
      type: 'connected',
      parameters: this.params,
      client: frame.source,
      server: frame.destination,
    });
  }

  private reject(
    out: HdlcOutput,
    frame: HdlcFrame,
    reason: FrmrReason,
    error: FramingError | ProtocolError,
  ): void {
    const rejectedControl = encodeHdlcControl(frame.control);
    this.frmr = encodeFrmrInfo({ ...reason, rejectedControl, vs: this.vs, vr: this.vr, response: false });
    this.stateValue = 'frame-reject';
    this.respond(out, { type: 'frmr', pf: true }, this.frmr);
    out.events.push({ type: 'error', error, action: 'frmr', frame });
  }

  private enterDisconnected(): void {
    this.stateValue = 'disconnected';
    this.vs = 0;
    this.vr = 0;
    this.va = 0;
    this.queue = [];
    this.txSegments = [];
    this.unacked = [];
    this.hasPoll = false;
    this.peerBusy = false;
    this.resend = false;
    this.busy = false;
    this.frmr = EMPTY;
    this.rx.clear();
  }

  private ui(out: HdlcOutput, frame: HdlcFrame): void {
    out.events.push({
      type: 'ui',
      information: frame.information,
      apdu: stripLlc(frame.information, LLC_COMMAND),
      source: frame.source,
    });
  }

  private respond(
    out: HdlcOutput,
    control: HdlcControl,
    information: Uint8Array = EMPTY,
    segmented = false,
  ): void {
    out.frames.push(
      encodeHdlcFrame({
        destination: this.clientValue!,
        source: this.serverValue!,
        control,
        segmented,
        information,
      }),
    );
  }
}
