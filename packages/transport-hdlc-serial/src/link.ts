/**
 * Async drivers that run the HDLC state machines over any `ByteChannel` and offer an `ApduChannel`:
 * {@link connectHdlc} (client, primary) and {@link acceptHdlc} (server, secondary).
 *
 * A driver only moves bytes and time: it feeds received chunks to the framer, frames to the state
 * machine, writes the frames it returns in order, and arms one timer at the machine's next deadline.
 * Framing problems (noise on the line) are reported through `onEvent` and never end the link; the state
 * machine recovers by retransmission. A link that fails (`LINK_FAILED`, channel error) ends `receive()`
 * with the error and closes the channel.
 */
import { type ApduChannel, type ByteChannel, type DlmsError, TransportError } from '@meteringlab/dlms-core';
import type { HdlcAddress } from './address.js';
import type { HdlcFrame } from './frame.js';
import { createHdlcFramer } from './framer.js';
import type { HdlcLinkEvent, HdlcOutput } from './link-common.js';
import type { HdlcNegotiated } from './parameters.js';
import { HdlcPrimary, type HdlcPrimaryOptions } from './primary.js';
import { HdlcSecondary, type HdlcSecondaryOptions } from './secondary.js';
import { AsyncQueue } from './queue.js';

/** Options common to both drivers. */
export interface HdlcDriverOptions {
  /** Called with every event of the state machine (errors, resets, UI frames...), for logs and tests. */
  readonly onEvent?: (event: HdlcLinkEvent) => void;
  /** Deliver APDUs received in UI frames through `receive()` too (default true). */
  readonly deliverUi?: boolean;
  /** Framer cap, flags included (default 2049). */
  readonly maxFrameLength?: number;
  /** Clock (default `Date.now`); tests may pass their own. */
  readonly now?: () => number;
}

interface Machine {
  receive(frame: HdlcFrame, nowMs: number): HdlcOutput;
  tick(nowMs: number): HdlcOutput;
  readonly nextDeadlineMs: number | undefined;
}

abstract class HdlcLinkBase implements ApduChannel {
  protected readonly apdus = new AsyncQueue<Uint8Array>();
  protected readonly now: () => number;
  protected closed = false;
  private readonly framer;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writes: Promise<void> = Promise.resolve();
  private closedChannel = false;
  private readonly listeners: ((e: HdlcLinkEvent) => void)[] = [];
  private readonly deliverUi: boolean;

  protected constructor(
    protected readonly channel: ByteChannel,
    protected readonly machine: Machine,
    options: HdlcDriverOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.deliverUi = options.deliverUi ?? true;
    if (options.onEvent) this.listeners.push(options.onEvent);
    this.framer = createHdlcFramer(
      options.maxFrameLength === undefined ? {} : { maxFrameLength: options.maxFrameLength },
    );
  }

  /** Adds a listener for state machine events. */
  onEvent(listener: (e: HdlcLinkEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Starts reading the channel. */
  protected start(): void {
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    try {
      for await (const chunk of this.channel.chunks) {
        if (this.closed) return;
        for (const item of this.framer.push(chunk)) {
          if (item.type === 'frame') this.apply(this.machine.receive(item.frame, this.now()));
          else this.dispatch({ type: 'error', error: item.error, action: 'ignored' });
        }
      }
      this.finish();
    } catch (e) {
      this.finish(e instanceof Error ? e : new TransportError('LINK_FAILED', 'channel failed', { cause: e }));
    }
  }

  /** Writes the frames of `out` (in order), dispatches its events and re-arms the timer. */
  protected apply(out: HdlcOutput): Promise<void> {
    for (const f of out.frames) {
      this.writes = this.writes.then(() => (this.closedChannel ? undefined : this.channel.write(f)));
    }
    const written = this.writes;
    this.writes = this.writes.catch((e: unknown) => {
      this.finish(e instanceof Error ? e : new TransportError('LINK_FAILED', 'write failed', { cause: e }));
    });
    for (const e of out.events) this.dispatch(e);
    this.arm();
    return written;
  }

  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    const at = this.machine.nextDeadlineMs;
    if (at === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.apply(this.machine.tick(this.now()));
      },
      Math.max(0, at - this.now()),
    );
  }

  protected dispatch(e: HdlcLinkEvent): void {
    if (e.type === 'apdu') this.apdus.push(e.apdu);
    else if (e.type === 'ui' && this.deliverUi) this.apdus.push(e.apdu);
    else if (e.type === 'failed') this.finish(e.error);
    this.handle(e);
    for (const l of this.listeners) l(e);
  }

  /** Driver-specific reaction to an event. */
  protected abstract handle(e: HdlcLinkEvent): void;

  /** Ends the link: `receive()` ends (with `error` when given) and the channel is closed. */
  protected finish(error?: DlmsError | Error): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.apdus.end(error);
    // Frames already handed to the write chain (e.g. the UA answering DISC) still go out first.
    void this.writes.finally(() => {
      this.closedChannel = true;
      return this.channel.close().catch(() => undefined);
    });
    this.onFinish(error);
  }

  protected abstract onFinish(error?: DlmsError | Error): void;

  abstract send(apdu: Uint8Array): Promise<void>;

  receive(): AsyncIterable<Uint8Array> {
    return this.apdus;
  }

  abstract close(): Promise<void>;
}

/** Options of {@link connectHdlc}. */
export interface HdlcClientOptions extends HdlcPrimaryOptions, HdlcDriverOptions {}

/** A connected HDLC client link (primary) over a byte channel. */
export class HdlcClientLink extends HdlcLinkBase {
  private readonly primary: HdlcPrimary;
  private connectWaiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private closeWaiter: (() => void) | undefined;

  constructor(channel: ByteChannel, options: HdlcClientOptions) {
    const primary = new HdlcPrimary(options);
    super(channel, primary, options);
    this.primary = primary;
  }

  /** Parameters negotiated with the server. */
  get parameters(): HdlcNegotiated {
    return this.primary.parameters;
  }

  /** The server address of this link. */
  get server(): HdlcAddress {
    return this.primary.server;
  }

  /** State of the underlying primary. */
  get state(): HdlcPrimary['state'] {
    return this.primary.state;
  }

  /** Sends SNRM and resolves once UA arrived (rejects with `CONNECT_FAILED` or `LINK_FAILED`). */
  open(): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      this.connectWaiter = { resolve, reject };
    });
    this.start();
    this.apply(this.primary.connect(this.now()));
    return p;
  }

  async send(apdu: Uint8Array): Promise<void> {
    if (this.closed) throw new TransportError('CLOSED', 'HDLC link is closed');
    await this.apply(this.primary.send(apdu, this.now()));
  }

  /** Sends DISC, waits for UA/DM (or the retry limit), then closes the channel. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.primary.state === 'connected' || this.primary.state === 'connecting') {
      const done = new Promise<void>((resolve) => {
        this.closeWaiter = resolve;
      });
      this.apply(this.primary.disconnect(this.now()));
      await done;
    }
    this.finish();
  }

  protected handle(e: HdlcLinkEvent): void {
    if (e.type === 'connected') {
      this.connectWaiter?.resolve();
      this.connectWaiter = undefined;
    } else if (e.type === 'disconnected') {
      this.closeWaiter?.();
      this.closeWaiter = undefined;
      if (e.reason !== 'local') this.finish();
    }
  }

  protected onFinish(error?: DlmsError | Error): void {
    this.connectWaiter?.reject(error ?? new TransportError('CLOSED', 'channel closed before UA'));
    this.connectWaiter = undefined;
    this.closeWaiter?.();
    this.closeWaiter = undefined;
  }
}

/**
 * Opens an HDLC link as client over `channel`: SNRM with the proposed parameters, UA, then an
 * `ApduChannel`. On failure the channel is closed and the promise rejects with a `TransportError`
 * (`CONNECT_FAILED` when the server answers DM, `LINK_FAILED` when it never answers).
 */
export async function connectHdlc(channel: ByteChannel, options: HdlcClientOptions): Promise<HdlcClientLink> {
  const link = new HdlcClientLink(channel, options);
  await link.open();
  return link;
}

/** Options of {@link acceptHdlc}. */
export interface HdlcServerOptions extends HdlcSecondaryOptions, HdlcDriverOptions {
  /** Give up when no SNRM arrives within this time (default: wait forever). */
  readonly acceptTimeoutMs?: number;
}

/** A server-side HDLC link (secondary) over a byte channel. */
export class HdlcServerLink extends HdlcLinkBase {
  private readonly secondary: HdlcSecondary;
  private acceptWaiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;

  constructor(channel: ByteChannel, options: HdlcServerOptions) {
    const secondary = new HdlcSecondary(options);
    super(channel, secondary, options);
    this.secondary = secondary;
  }

  /** The server address the client addressed (logical device = `upper`, physical = `lower`). */
  get server(): HdlcAddress {
    return this.secondary.server!;
  }

  /** The client address of the link. */
  get client(): HdlcAddress {
    return this.secondary.client!;
  }

  /** Parameters negotiated with the client. */
  get parameters(): HdlcNegotiated {
    return this.secondary.parameters;
  }

  /** State of the underlying secondary. */
  get state(): HdlcSecondary['state'] {
    return this.secondary.state;
  }

  /** Starts reading and resolves at the first SNRM accepted. */
  waitForSnrm(timeoutMs?: number): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      this.acceptWaiter = { resolve, reject };
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (timeoutMs !== undefined) {
      timer = setTimeout(
        () => this.finish(new TransportError('CONNECT_TIMEOUT', `no SNRM within ${timeoutMs} ms`)),
        timeoutMs,
      );
    }
    this.start();
    return p.finally(() => clearTimeout(timer));
  }

  async send(apdu: Uint8Array): Promise<void> {
    if (this.closed || this.secondary.state === 'disconnected')
      throw new TransportError('CLOSED', 'HDLC link is closed');
    await this.apply(this.secondary.send(apdu, this.now()));
  }

  /** Sends `apdu` in a UI frame (E6 E7 00 prefixed) to the client, without waiting for a poll. */
  async sendUi(apdu: Uint8Array): Promise<void> {
    if (this.closed) throw new TransportError('CLOSED', 'HDLC link is closed');
    await this.apply(this.secondary.sendUi(apdu, this.server));
  }

  /** Closes the channel (a secondary cannot disconnect on its own in NRM). Idempotent. */
  close(): Promise<void> {
    this.finish();
    return Promise.resolve();
  }

  protected handle(e: HdlcLinkEvent): void {
    if (e.type === 'connected') {
      this.acceptWaiter?.resolve();
      this.acceptWaiter = undefined;
    } else if (e.type === 'disconnected') {
      // The client released the link: the APDU stream ends, the channel is closed.
      this.finish();
    }
  }

  protected onFinish(error?: DlmsError | Error): void {
    this.acceptWaiter?.reject(error ?? new TransportError('CLOSED', 'channel closed before SNRM'));
    this.acceptWaiter = undefined;
  }
}

/**
 * Waits for a client's SNRM on `channel` and answers it (UA with the negotiated parameters). The link
 * tells which server address was addressed (`link.server.upper` is the logical device), so one server
 * can dispatch to several logical devices; `accept` filters addresses before answering.
 */
export async function acceptHdlc(
  channel: ByteChannel,
  options: HdlcServerOptions = {},
): Promise<HdlcServerLink> {
  const link = new HdlcServerLink(channel, options);
  await link.waitForSnrm(options.acceptTimeoutMs);
  return link;
}
