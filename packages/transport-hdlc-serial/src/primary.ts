/**
 * The HDLC primary station (the DLMS client) of IEC 62056-46, in normal response mode, sans-I/O.
 *
 * It sets the link up with SNRM/UA and negotiates the maximum information field lengths and window
 * sizes; segments outgoing APDUs (LLC E6 E6 00 on the first segment) and sends up to `windowTx` I frames
 * before handing the poll over (P=1 on the last); reassembles the secondary's segments, asking for the
 * next window with RR; checks N(S) and N(R); recovers from lost frames by checkpointing: when no final
 * frame arrives within `responseTimeoutMs` it polls with RR and retransmits from the N(R) the secondary
 * reports (go-back-N), giving up after `retries` with `LINK_FAILED`. A FRMR or an invalid N(R) makes it
 * re-establish the link (SNRM), as ISO/IEC 13239 clause 5.6 prescribes for the primary.
 *
 * Frames that are not for this link, stale duplicates and responses that arrive while the primary holds
 * the poll are discarded and reported as `error` events with action `ignored`.
 *
 * Every method takes the current time in milliseconds and returns the frames to write and the events;
 * `nextDeadlineMs` says when to call {@link HdlcPrimary.tick} next. Nothing here does I/O.
 */
import { ArgumentError, FramingError, ProtocolError, TransportError } from '@meteringlab/dlms-core';
import { type HdlcAddress, clientAddress, sameHdlcAddress, serverAddress } from './address.js';
import type { HdlcControl } from './control.js';
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
  type HdlcOutput,
  Reassembler,
  type Segment,
  decodeFrmrInfo,
  isStaleDuplicate,
  newOutput,
  seqDiff,
  segmentApdu,
  stripLlc,
  validNr,
} from './link-common.js';

/** Options of {@link HdlcPrimary}. */
export interface HdlcPrimaryOptions {
  /** Client address (1 byte, e.g. 16 for the public client). */
  readonly clientAddress: number;
  /** Upper HDLC address of the server (logical device); default 1 (management logical device). */
  readonly serverLogical?: number;
  /** Lower HDLC address of the server (physical device); absent for a 1-byte server address. */
  readonly serverPhysical?: number;
  /** Server address size on the wire (default: the shortest that holds the values). */
  readonly serverAddressLength?: 1 | 2 | 4;
  /** Largest information field this client wants to send (default 128). */
  readonly maxInfoTx?: number;
  /** Largest information field this client can receive (default 128). */
  readonly maxInfoRx?: number;
  /** Window this client wants to send with (1..7, default 1). */
  readonly windowTx?: number;
  /** Window this client can receive (1..7, default 1). */
  readonly windowRx?: number;
  /** Time to wait for a final frame before polling again (default 3000 ms). */
  readonly responseTimeoutMs?: number;
  /** Polls without any answer before the link fails with `LINK_FAILED` (default 3). */
  readonly retries?: number;
  /** Delay before polling a secondary that answered "nothing yet" (RR or RNR) again (default 100 ms). */
  readonly pollIntervalMs?: number;
  /** Cap on a reassembled APDU (default 65535 bytes). */
  readonly maxApduLength?: number;
  /** Send the negotiation parameters in SNRM (default true; false sends a bare SNRM). */
  readonly negotiate?: boolean;
  /**
   * Meter quirk: the meter repeats the LLC header (E6 E7 00) on every segment of a segmented response,
   * where IEC 62056-46 puts it on the first only. When set, it is removed from every segment.
   */
  readonly llcOnEverySegment?: boolean;
}

/** States of the primary. */
export type HdlcPrimaryState = 'disconnected' | 'connecting' | 'connected' | 'disconnecting' | 'failed';

interface Sent extends Segment {
  readonly ns: number;
}

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new ArgumentError(`${name} ${v} is outside ${min}..${max}`);
  return v;
}

/** The HDLC primary (client) link state machine; see the module notes. */
export class HdlcPrimary {
  readonly client: HdlcAddress;
  readonly server: HdlcAddress;
  private readonly proposal: HdlcParameters;
  private readonly negotiate: boolean;
  private readonly responseTimeoutMs: number;
  private readonly retries: number;
  private readonly pollIntervalMs: number;
  private readonly rx: Reassembler;

  private stateValue: HdlcPrimaryState = 'disconnected';
  private params: HdlcNegotiated = {
    maxInfoTx: DEFAULT_MAX_INFO_LENGTH,
    maxInfoRx: DEFAULT_MAX_INFO_LENGTH,
    windowTx: DEFAULT_WINDOW_SIZE,
    windowRx: DEFAULT_WINDOW_SIZE,
  };
  private vs = 0;
  private vr = 0;
  private va = 0;
  private queue: Uint8Array[] = [];
  private txSegments: Segment[] = [];
  private unacked: Sent[] = [];
  private awaitingFinal = false;
  private deadline = Infinity;
  private pollAt = Infinity;
  private retryCount = 0;
  private remoteBusy = false;
  private expectResponse = false;
  private sequenceError = false;
  private resend = false;
  /** The last P=1 went out on an I frame (not on an RR checkpoint). */
  private lastPollByI = false;

  constructor(options: HdlcPrimaryOptions) {
    this.client = clientAddress(options.clientAddress);
    this.server = serverAddress(
      options.serverLogical ?? 1,
      options.serverPhysical,
      options.serverAddressLength,
    );
    this.proposal = {
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
    this.negotiate = options.negotiate ?? true;
    this.responseTimeoutMs = checkInt('responseTimeoutMs', options.responseTimeoutMs ?? 3000, 1, 3_600_000);
    this.retries = checkInt('retries', options.retries ?? 3, 0, 1000);
    this.pollIntervalMs = checkInt('pollIntervalMs', options.pollIntervalMs ?? 100, 0, 3_600_000);
    this.rx = new Reassembler(
      LLC_RESPONSE,
      checkInt('maxApduLength', options.maxApduLength ?? 65535, 1, 0x7fffffff),
      options.llcOnEverySegment ?? false,
    );
  }

  /** Current state. */
  get state(): HdlcPrimaryState {
    return this.stateValue;
  }

  /** Parameters in force (the defaults until a UA has been received). */
  get parameters(): HdlcNegotiated {
    return this.params;
  }

  /** When {@link tick} must be called next, or `undefined` when no timer is needed. */
  get nextDeadlineMs(): number | undefined {
    const t = Math.min(this.deadline, this.pollAt);
    return t === Infinity ? undefined : t;
  }

  /** Sends SNRM (with the negotiation parameters) and waits for UA. */
  connect(nowMs: number): HdlcOutput {
    const out = newOutput();
    if (this.stateValue === 'connecting' || this.stateValue === 'connected') {
      throw new ProtocolError('INVALID_STATE', `cannot connect while ${this.stateValue}`);
    }
    this.resetSequence();
    this.queue = [];
    this.txSegments = [];
    this.stateValue = 'connecting';
    this.retryCount = 0;
    this.sendSnrm(out, nowMs);
    return out;
  }

  /** Queues `apdu` (segmented as needed) and sends what the window allows. */
  send(apdu: Uint8Array, nowMs: number): HdlcOutput {
    if (this.stateValue !== 'connected' && this.stateValue !== 'connecting') {
      throw new TransportError('CLOSED', `cannot send while ${this.stateValue}`);
    }
    this.queue.push(apdu);
    const out = newOutput();
    this.pump(out, nowMs);
    return out;
  }

  /** Sends a UI frame (no sequence numbers, no acknowledgement) carrying `information` as is. */
  sendUi(information: Uint8Array): HdlcOutput {
    const out = newOutput();
    this.emit(out, { type: 'ui', pf: false }, information, false);
    return out;
  }

  /** Sends DISC and waits for UA or DM. */
  disconnect(nowMs: number): HdlcOutput {
    const out = newOutput();
    if (this.stateValue === 'disconnected' || this.stateValue === 'failed') return out;
    this.stateValue = 'disconnecting';
    this.retryCount = 0;
    this.pollAt = Infinity;
    this.emit(out, { type: 'disc', pf: true });
    this.awaitingFinal = true;
    this.deadline = nowMs + this.responseTimeoutMs;
    return out;
  }

  /** Handles the expiry of the response timer or of a poll delay. */
  tick(nowMs: number): HdlcOutput {
    const out = newOutput();
    if (nowMs >= this.deadline) {
      this.deadline = Infinity;
      this.awaitingFinal = false;
      if (this.retryCount >= this.retries) {
        this.fail(
          out,
          new TransportError(
            'LINK_FAILED',
            `no answer from the secondary after ${this.retries + 1} attempt(s)`,
          ),
        );
        return out;
      }
      this.retryCount++;
      switch (this.stateValue) {
        case 'connecting':
          this.sendSnrm(out, nowMs);
          break;
        case 'disconnecting':
          this.emit(out, { type: 'disc', pf: true });
          this.awaitingFinal = true;
          this.deadline = nowMs + this.responseTimeoutMs;
          break;
        case 'connected':
          // Checkpoint (ISO/IEC 13239 5.6.2.1): ask the secondary where it stands with RR P=1.
          this.poll(out, nowMs);
          break;
        default:
          break;
      }
      return out;
    }
    if (nowMs >= this.pollAt) {
      this.pollAt = Infinity;
      if (this.stateValue === 'connected' && !this.awaitingFinal) {
        if (this.remoteBusy || !this.pump(out, nowMs)) this.poll(out, nowMs);
      }
    }
    return out;
  }

  /** Handles one received frame. */
  receive(frame: HdlcFrame, nowMs: number): HdlcOutput {
    const out = newOutput();
    if (!sameHdlcAddress(frame.destination, this.client) || !sameHdlcAddress(frame.source, this.server)) {
      if (frame.control.type === 'ui' && sameHdlcAddress(frame.destination, this.client)) {
        this.ui(out, frame);
        return out;
      }
      this.ignore(out, new FramingError('UNKNOWN_ADDRESS', 'frame for another link'), frame);
      return out;
    }
    const c = frame.control;
    if (c.type === 'ui') {
      this.ui(out, frame);
      return out;
    }
    switch (this.stateValue) {
      case 'connecting':
        if (c.type === 'ua') {
          let remote: HdlcParameters;
          try {
            remote = decodeHdlcParameters(frame.information);
          } catch (e) {
            this.ignore(out, e as FramingError, frame);
            return out;
          }
          this.params = negotiateHdlcParameters(this.proposal, remote);
          this.stateValue = 'connected';
          this.awaitingFinal = false;
          this.deadline = Infinity;
          this.retryCount = 0;
          out.events.push({
            type: 'connected',
            parameters: this.params,
            client: this.client,
            server: this.server,
          });
          this.pump(out, nowMs);
        } else if (c.type === 'dm') {
          this.fail(out, new TransportError('CONNECT_FAILED', 'the secondary refused SNRM with DM'));
        } else {
          this.ignore(out, new ProtocolError('UNEXPECTED_APDU', `${c.type} while waiting for UA`), frame);
        }
        return out;
      case 'disconnecting':
        if (c.type === 'ua' || c.type === 'dm') {
          this.stateValue = 'disconnected';
          this.awaitingFinal = false;
          this.deadline = Infinity;
          out.events.push({ type: 'disconnected', reason: 'local' });
        } else {
          this.ignore(out, new ProtocolError('UNEXPECTED_APDU', `${c.type} while waiting for UA`), frame);
        }
        return out;
      case 'connected':
        this.receiveConnected(out, frame, c, nowMs);
        return out;
      default:
        this.ignore(
          out,
          new ProtocolError('INVALID_STATE', `frame received while ${this.stateValue}`),
          frame,
        );
        return out;
    }
  }

  private receiveConnected(out: HdlcOutput, frame: HdlcFrame, c: HdlcControl, nowMs: number): void {
    switch (c.type) {
      case 'dm':
        this.stateValue = 'disconnected';
        this.clearAll();
        out.events.push({ type: 'disconnected', reason: 'dm' });
        return;
      case 'frmr': {
        const info = decodeFrmrInfo(frame.information);
        const what = info ? `W=${+info.w} X=${+info.x} Y=${+info.y} Z=${+info.z}` : 'no reason';
        out.events.push({
          type: 'error',
          error: new ProtocolError('FRAME_REJECTED', `FRMR received (${what})`),
          action: 'reset',
          frame,
        });
        this.reset(out, nowMs, 'frmr');
        return;
      }
      case 'i':
      case 'rr':
      case 'rnr':
        break;
      case 'unknown':
        this.ignore(
          out,
          new FramingError('UNKNOWN_CONTROL', `control field 0x${c.value.toString(16)}`),
          frame,
        );
        return;
      default:
        this.ignore(out, new ProtocolError('UNEXPECTED_APDU', `${c.type} while connected`), frame);
        return;
    }
    if (!this.awaitingFinal) {
      // NRM: a secondary transmits only after a poll; this is a stale or duplicated response.
      this.ignore(
        out,
        new ProtocolError('UNEXPECTED_APDU', 'response while the primary holds the poll'),
        frame,
      );
      return;
    }
    if (c.type === 'i' && isStaleDuplicate(c.ns, this.vr, this.params.windowRx)) {
      // A copy of a frame already accepted: its N(R) and F bit are stale too, so it is dropped whole
      // (acting on its F bit would poll again and provoke yet another retransmission).
      this.ignore(out, new ProtocolError('SEQUENCE_ERROR', `duplicate I frame N(S)=${c.ns}`), frame);
      return;
    }
    if (!validNr(c.nr, this.va, this.vs)) {
      if (c.type !== 'i' || c.ns !== this.vr) {
        // A supervisory frame or an out-of-sequence I frame carries no new data, so an N(R) outside the
        // window is taken as a stale copy and dropped; only an in-sequence I frame proves the secondary
        // is confused, and that resets the link (ISO/IEC 13239 5.6.4).
        this.ignore(
          out,
          new ProtocolError('INVALID_NR', `stale N(R)=${c.nr} outside [${this.va}, ${this.vs}]`),
          frame,
        );
        return;
      }
      out.events.push({
        type: 'error',
        error: new ProtocolError('INVALID_NR', `N(R)=${c.nr} outside [${this.va}, ${this.vs}]`),
        action: 'reset',
        frame,
      });
      this.reset(out, nowMs, 'invalid-nr');
      return;
    }
    if (c.type !== 'i' && c.pf && this.lastPollByI && c.nr === this.va && this.unacked.length > 0) {
      // A final RR/RNR acknowledging none of the I frames just sent is either the answer of a secondary
      // that lost all of them, or a stale copy of an earlier answer. Retransmitting at once would let
      // copies multiply, so the primary waits for its timer and polls with RR: the answer to that
      // checkpoint is trusted (ISO/IEC 13239 5.6.2.1, checkpoint retransmission).
      this.ignore(
        out,
        new ProtocolError('SEQUENCE_ERROR', 'final frame acknowledging nothing after an I-frame poll'),
        frame,
      );
      return;
    }
    this.acknowledge(c.nr);
    if (c.type === 'i') {
      if (frame.information.length > this.params.maxInfoRx) {
        out.events.push({
          type: 'error',
          error: new FramingError('LIMIT_EXCEEDED', `information field of ${frame.information.length} bytes`),
          action: 'reset',
          frame,
        });
        this.reset(out, nowMs, 'information-too-long');
        return;
      }
      this.remoteBusy = false;
      if (c.ns === this.vr) {
        this.vr = (this.vr + 1) & 7;
        const done = this.rx.add(frame.information, frame.segmented);
        if (done instanceof Uint8Array) {
          this.expectResponse = false;
          out.events.push({ type: 'apdu', apdu: done });
        } else if (done !== undefined) {
          out.events.push({ type: 'error', error: done, action: 'ignored', frame });
        }
      } else {
        this.sequenceError = true;
        out.events.push({
          type: 'error',
          error: new ProtocolError('SEQUENCE_ERROR', `N(S)=${c.ns}, expected ${this.vr}`),
          action: 'rr',
          frame,
        });
      }
    } else {
      this.remoteBusy = c.type === 'rnr';
    }
    if (!c.pf) return;
    // Final frame: the poll is back with us.
    this.awaitingFinal = false;
    this.deadline = Infinity;
    this.retryCount = 0;
    if (this.sequenceError || this.rx.inProgress) {
      this.sequenceError = false;
      this.poll(out, nowMs);
      return;
    }
    // Go-back-N: what the secondary did not acknowledge in its final frame is sent again (with the
    // same N(S); V(S) is not rewound, so a late N(R) acknowledging those frames stays valid).
    this.resend = this.unacked.length > 0;
    if (this.remoteBusy) {
      this.pollAt = nowMs + this.pollIntervalMs;
      return;
    }
    if (!this.pump(out, nowMs) && this.expectResponse) this.pollAt = nowMs + this.pollIntervalMs;
  }

  /** Sends what the window allows; returns true when frames were sent. */
  private pump(out: HdlcOutput, nowMs: number): boolean {
    if (this.stateValue !== 'connected' || this.awaitingFinal || this.remoteBusy) return false;
    const window = this.params.windowTx;
    const again: Sent[] = this.resend ? this.unacked.slice() : [];
    this.resend = false;
    const burst: Sent[] = [];
    while (this.unacked.length + burst.length < window) {
      if (this.txSegments.length === 0) {
        const apdu = this.queue.shift();
        if (apdu === undefined) break;
        this.txSegments = segmentApdu(apdu, LLC_COMMAND, this.params.maxInfoTx);
      }
      const seg = this.txSegments.shift()!;
      burst.push({ ...seg, ns: this.vs });
      this.vs = (this.vs + 1) & 7;
    }
    if (burst.length + again.length === 0) return false;
    const all = again.concat(burst);
    for (let i = 0; i < all.length; i++) {
      const s = all[i]!;
      const last = i === all.length - 1;
      this.emit(out, { type: 'i', ns: s.ns, nr: this.vr, pf: last }, s.information, s.segmented);
      if (!s.segmented) this.expectResponse = true;
    }
    this.unacked.push(...burst);
    this.pollAt = Infinity;
    this.awaitingFinal = true;
    this.lastPollByI = true;
    this.deadline = nowMs + this.responseTimeoutMs;
    return true;
  }

  private poll(out: HdlcOutput, nowMs: number): void {
    this.emit(out, { type: 'rr', nr: this.vr, pf: true });
    this.lastPollByI = false;
    this.pollAt = Infinity;
    this.awaitingFinal = true;
    this.deadline = nowMs + this.responseTimeoutMs;
  }

  private acknowledge(nr: number): void {
    const n = seqDiff(nr, this.va);
    if (n > 0) {
      this.unacked.splice(0, n);
      this.va = nr;
    }
  }

  private sendSnrm(out: HdlcOutput, nowMs: number): void {
    const info = this.negotiate ? encodeHdlcParameters(this.proposal) : new Uint8Array(0);
    this.emit(out, { type: 'snrm', pf: true }, info);
    this.awaitingFinal = true;
    this.deadline = nowMs + this.responseTimeoutMs;
  }

  private reset(
    out: HdlcOutput,
    nowMs: number,
    reason: 'frmr' | 'invalid-nr' | 'information-too-long',
  ): void {
    const dropped = this.queue.length + (this.txSegments.length > 0 || this.unacked.length > 0 ? 1 : 0);
    this.clearAll();
    out.events.push({ type: 'reset', reason, droppedApdus: dropped });
    this.stateValue = 'connecting';
    this.retryCount = 0;
    this.sendSnrm(out, nowMs);
  }

  private fail(out: HdlcOutput, error: TransportError): void {
    this.stateValue = 'failed';
    this.clearAll();
    out.events.push({ type: 'failed', error });
  }

  private clearAll(): void {
    this.resetSequence();
    this.queue = [];
    this.txSegments = [];
  }

  private resetSequence(): void {
    this.vs = 0;
    this.vr = 0;
    this.va = 0;
    this.unacked = [];
    this.awaitingFinal = false;
    this.deadline = Infinity;
    this.pollAt = Infinity;
    this.remoteBusy = false;
    this.expectResponse = false;
    this.sequenceError = false;
    this.resend = false;
    this.rx.clear();
  }

  private ui(out: HdlcOutput, frame: HdlcFrame): void {
    out.events.push({
      type: 'ui',
      information: frame.information,
      apdu: stripLlc(frame.information, LLC_RESPONSE),
      source: frame.source,
    });
  }

  private ignore(out: HdlcOutput, error: FramingError | ProtocolError, frame: HdlcFrame): void {
    out.events.push({ type: 'error', error, action: 'ignored', frame });
  }

  private emit(
    out: HdlcOutput,
    control: HdlcControl,
    information: Uint8Array = EMPTY,
    segmented = false,
  ): void {
    out.frames.push(
      encodeHdlcFrame({ destination: this.server, source: this.client, control, segmented, information }),
    );
  }
}

const EMPTY = new Uint8Array(0);
