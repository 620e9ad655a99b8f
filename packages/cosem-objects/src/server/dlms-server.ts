/**
 * The async driver of the server association engine: `DlmsServer` holds logical devices keyed by
 * server address (the wrapper destination wPort, or the HDLC upper address) and, per device, one
 * association configuration per client address (SAP). `serve(channel, addresses)` runs associations
 * over any `ApduChannel` until the peer closes: it feeds each APDU to dlms-core's `ServerAssociation`,
 * answers its model steps with the device's `get`/`set`/`action` (which check the association's access
 * rights with `checkAccess` before calling an object), awaits async providers, and sends the answers.
 * The request context carries the engine's association status, the request's verified protection and
 * what the engine can give the response; a response an access right wants protected is asked of the
 * engine through `complete(results, { responseProtection })`.
 * One request at a time per association: the next APDU is read only once the previous one is answered.
 *
 * Addressing choices (what real meters do):
 * - an unknown server address: nothing is answered and the channel is closed (a meter ignores frames
 *   to a logical device it does not have; wrapper meters drop the connection);
 * - a known device but a client address with no association: every AARQ is answered with an AARE
 *   rejected-permanent / acse-service-user no-reason-given (the client learns it is not allowed), any
 *   other APDU with ExceptionResponse service-not-allowed / operation-not-possible.
 *
 * SN associations take their short-name map from the device's Association SN for the client unless
 * their configuration gives `baseNames`.
 *
 * It does not frame or open anything: transports give it an `ApduChannel` (an HDLC link gives one per
 * connected client; `serve` takes the addresses of that link), or a channel of addressed APDUs (the
 * wrapper server gives one per TCP connection; `serveRouted` routes every frame on its wPorts). Binding
 * examples: `test/server/dlms-server.test.ts` (wrapper TCP server on 127.0.0.1, both ways).
 */
import {
  ServerAssociation,
  encodeApdu,
  isDlmsError,
  type ActionOutcome,
  type CompleteOptions,
  type ApduChannel,
  type ModelRequest,
  type ModelResult,
  type ServerAssociationConfig,
  type ServerAssociationInfo,
  type ServerAssociationState,
  type ServerStep,
} from '@meteringlab/dlms-core';
import { responseProtectionFor } from '../model/access.js';
import { AssociationLn, associationConfigFrom } from '../model/association-ln.js';
import type { LogicalDevice } from '../model/logical-device.js';
import type { AccessContext, ActionReply, AssociationStatus, MessageProtection } from '../model/object.js';

/** One logical device and the associations clients may open to it. */
export interface ServedDevice {
  readonly device: LogicalDevice;
  /** Association configuration per client address (SAP). */
  readonly associations: ReadonlyMap<number, ServerAssociationConfig>;
}

/** Addresses of one link: which logical device is addressed, by which client. */
export interface ServeAddresses {
  /** Server address: wrapper destination wPort or HDLC upper address. */
  readonly serverAddress: number;
  /** Client address (SAP): wrapper source wPort or HDLC client address. */
  readonly clientAddress: number;
}

/** What happened on one served link. */
export interface ServeSummary {
  /** APDUs received. */
  readonly received: number;
  /** APDUs sent. */
  readonly sent: number;
  /** Associations accepted (an AARE `accepted`, pending HLS included). */
  readonly associations: number;
  /** Why serving ended. */
  readonly end: 'peer-closed' | 'unknown-device' | 'released';
}

/**
 * One APDU with the addresses of its link: the shape of a wrapper frame (`source`/`destination`
 * wPorts), declared here structurally so that this package imports no transport.
 */
export interface AddressedApdu {
  /** Client address (wrapper source wPort). */
  readonly source: number;
  /** Server address (wrapper destination wPort). */
  readonly destination: number;
  readonly apdu: Uint8Array;
}

/** A channel that carries addressed APDUs (e.g. a wrapper connection: `WrapperApduChannel` fits). */
export interface RoutedApduChannel {
  receiveFrames(): AsyncIterable<AddressedApdu>;
  sendFrame(frame: AddressedApdu): Promise<void>;
  close(): Promise<void>;
}

/** What happened on a routed link. */
export interface ServeRoutedSummary {
  readonly received: number;
  readonly sent: number;
  readonly associations: number;
  /** Frames to an unknown server address after the first one (dropped without answer). */
  readonly misaddressed: number;
  readonly end: 'peer-closed' | 'unknown-device';
}

/** Options of {@link DlmsServer.serve}. */
export interface ServeOptions {
  /** Close the channel after an RLRE (connection-oriented links close after release). Default false. */
  readonly closeOnRelease?: boolean;
  /** Errors thrown by object providers (answered hardware-fault) and by the channel. */
  readonly onError?: (error: unknown) => void;
}

/** The data-access result given when a provider throws (Green Book: a device-side failure). */
const PROVIDER_FAILURE = 'hardware-fault';

/** A DLMS/COSEM server: logical devices by server address, served over any APDU channel. */
export class DlmsServer {
  private readonly devices = new Map<number, ServedDevice>();

  /**
   * Adds (or replaces) the logical device at `serverAddress`. Without `associations`, each Association
   * LN of the device gives the configuration of its client SAP (`associationConfigFrom`).
   */
  addDevice(
    serverAddress: number,
    device: LogicalDevice,
    associations?:
      ReadonlyMap<number, ServerAssociationConfig> | Readonly<Record<number, ServerAssociationConfig>>,
  ): this {
    const map =
      associations === undefined
        ? new Map(
            device
              .associationList()
              .filter((a): a is AssociationLn => a instanceof AssociationLn)
              .map((a) => [a.clientSap, associationConfigFrom(a)] as const),
          )
        : associations instanceof Map
          ? associations
          : new Map(Object.entries(associations).map(([k, v]) => [Number(k), v] as const));
    this.devices.set(serverAddress, { device, associations: map });
    return this;
  }

  /** The device at `serverAddress`, if any. */
  deviceAt(serverAddress: number): ServedDevice | undefined {
    return this.devices.get(serverAddress);
  }

  /**
   * Serves one link: reads APDUs from `channel` until the peer closes (or, with `closeOnRelease`, until
   * an association is released), answering each. Resolves with a summary; rejects only when the
   * channel fails (a `TransportError` or `FramingError` from `receive()`).
   */
  async serve(
    channel: ApduChannel,
    addresses: ServeAddresses,
    options: ServeOptions = {},
  ): Promise<ServeSummary> {
    const served = this.devices.get(addresses.serverAddress);
    if (served === undefined) {
      await channel.close();
      return { received: 0, sent: 0, associations: 0, end: 'unknown-device' };
    }
    const config = served.associations.get(addresses.clientAddress);
    const link =
      config === undefined ? undefined : new Link(served.device, addresses.clientAddress, config, options);
    const assoc = link?.assoc;
    let received = 0;
    let sent = 0;
    let associations = 0;
    for await (const apdu of channel.receive()) {
      received++;
      const before = assoc?.state;
      const step = assoc === undefined ? refuse(apdu) : await link!.run(apdu);
      if (assoc !== undefined && !live(before) && live(assoc.state)) associations++;
      if (step.kind !== 'send') continue;
      for (const out of step.apdus) {
        await channel.send(out);
        sent++;
      }
      if (step.release === true && options.closeOnRelease === true) {
        await channel.close();
        return { received, sent, associations, end: 'released' };
      }
    }
    return { received, sent, associations, end: 'peer-closed' };
  }

  /**
   * Serves a link that multiplexes several associations by address (the wrapper allows several client
   * and server wPorts on one TCP connection): one engine per (server address, client address) pair,
   * each answered from the addressed device with the addresses swapped. A first frame to an unknown
   * server address closes the link (see the module notes); later ones are dropped and counted.
   */
  async serveRouted(
    channel: RoutedApduChannel,
    options: Omit<ServeOptions, 'closeOnRelease'> = {},
  ): Promise<ServeRoutedSummary> {
    const router = this.router(options);
    for await (const frame of channel.receiveFrames()) {
      const handled = router.handle(frame);
      const answers = handled instanceof Promise ? await handled : handled;
      if (answers === 'close') {
        await channel.close();
        return router.summary('unknown-device');
      }
      for (const a of answers) await channel.sendFrame(a);
    }
    return router.summary('peer-closed');
  }

  /**
   * The routing of one connection that carries addressed APDUs, for push-driven transports (what
   * {@link serveRouted} does, frame by frame): `handle` takes each received frame in order and gives
   * the frames to send back, synchronously when the engine and the providers involved are (a plain
   * request to objects with synchronous providers), else as a promise; the caller hands it the next
   * frame only once that settled. `'close'` means the first frame addressed an unknown device: close
   * the connection without answering.
   */
  router(options: Omit<ServeOptions, 'closeOnRelease'> = {}): FrameRouter {
    // By destination * 65536 + source when both are 16-bit wPorts (no key text per frame), by text else.
    const links = new Map<number | string, Link | undefined>();
    // The link of the previous frame: a connection mostly carries one association.
    let lastKey: number | string | undefined;
    let lastLink: Link | undefined;
    const counts = { received: 0, sent: 0, associations: 0, misaddressed: 0 };
    const answer = (
      frame: AddressedApdu,
      assoc: ServerAssociation | undefined,
      before: ServerAssociationState | undefined,
      step: ServerStep,
    ): AddressedApdu[] => {
      if (assoc !== undefined && !live(before) && live(assoc.state)) counts.associations++;
      if (step.kind !== 'send') return [];
      const apdus = step.apdus;
      counts.sent += apdus.length;
      const source = frame.destination;
      const destination = frame.source;
      if (apdus.length === 1) return [{ source, destination, apdu: apdus[0]! }];
      return apdus.map((apdu) => ({ source, destination, apdu }));
    };
    return {
      handle: (frame) => {
        counts.received++;
        const served = this.devices.get(frame.destination);
        if (served === undefined) {
          if (counts.received === 1) {
            counts.misaddressed++;
            return 'close';
          }
          counts.misaddressed++;
          return [];
        }
        const { destination: to, source: from } = frame;
        const key = (to & 0xffff) === to && (from & 0xffff) === from ? to * 65536 + from : `${to}/${from}`;
        let link: Link | undefined;
        if (key === lastKey) link = lastLink;
        else {
          link = links.get(key);
          if (link === undefined && !links.has(key)) {
            const config = served.associations.get(from);
            link = config === undefined ? undefined : new Link(served.device, from, config, options);
            links.set(key, link);
          }
          lastKey = key;
          lastLink = link;
        }
        if (link === undefined) return answer(frame, undefined, undefined, refuse(frame.apdu));
        const assoc = link.assoc;
        const before = assoc.state;
        const step = link.run(frame.apdu);
        return step instanceof Promise
          ? step.then((s) => answer(frame, assoc, before, s))
          : answer(frame, assoc, before, step);
      },
      summary: (end) => ({ ...counts, end }),
    };
  }
}

/** The routing of one connection (see {@link DlmsServer.router}). */
export interface FrameRouter {
  /** The frames answering `frame` (maybe none), or `'close'`; a promise when an answer took one. */
  handle(frame: AddressedApdu): AddressedApdu[] | 'close' | Promise<AddressedApdu[]>;
  /** What happened on the connection so far, with how it ended. */
  summary(end: ServeRoutedSummary['end']): ServeRoutedSummary;
}

/**
 * Whether a provider's result is a promise (or another thenable). Strings and numbers (access
 * results) and native promises are told apart without looking up a `then` property.
 */
function isThenable<T>(x: T | Promise<T>): x is Promise<T> {
  if (x instanceof Promise) return true;
  if (typeof x !== 'object' || x === null) return false;
  return typeof (x as { then?: unknown }).then === 'function';
}

/**
 * What a request is answered with when the engine fails on it: a provider returned a value that cannot
 * be encoded (an integer out of its type's range), or the counter store failed (exhausted, disk
 * error). The request is answered, the link stays up; anything but a `DlmsError` is a bug and thrown.
 */
function engineFailure(e: unknown, options: ServeOptions): ServerStep {
  if (!isDlmsError(e)) throw e;
  options.onError?.(e);
  return exceptionStep('other-reason');
}

/** A step sending one ExceptionResponse (state error service-not-allowed). */
function exceptionStep(serviceError: 'other-reason' | 'operation-not-possible'): ServerStep {
  return {
    kind: 'send',
    apdus: [encodeApdu({ type: 'exception-response', stateError: 'service-not-allowed', serviceError })],
  };
}

/**
 * One association link: its engine, the device and client SAP it serves, and the request context of
 * the previous plain request (reused while the engine's info object stays the same: contexts are
 * readonly). Runs APDUs through the engine and answers its model steps from the device.
 */
class Link {
  readonly assoc: ServerAssociation;
  private lastInfo: ServerAssociationInfo | undefined;
  private lastCtx: AccessContext | undefined;

  constructor(
    private readonly device: LogicalDevice,
    private readonly clientSap: number,
    config: ServerAssociationConfig,
    private readonly options: ServeOptions,
  ) {
    this.assoc = engineFor(device, clientSap, config);
  }

  /**
   * Runs one APDU through the engine, answering model steps from the device: synchronously when the
   * engine and every provider involved answer synchronously, else as a promise.
   */
  run(apdu: Uint8Array): ServerStep | Promise<ServerStep> {
    try {
      const step = this.assoc.handleNow(apdu);
      return step instanceof Promise
        ? step.then(
            (s) => this.answerModel(s),
            (e: unknown) => engineFailure(e, this.options),
          )
        : this.answerModel(step);
    } catch (e) {
      return engineFailure(e, this.options);
    }
  }

  /** Answers the model steps of `step` (none: `step` itself) until the engine has something to send. */
  private answerModel(step: ServerStep): ServerStep | Promise<ServerStep> {
    const assoc = this.assoc;
    const options = this.options;
    try {
      while (step.kind === 'model') {
        const ctx = this.context(step.protection);
        let complete: CompleteOptions = NO_RESPONSE_PROTECTION;
        // Without ciphering the access check refuses what would demand a protected response.
        if (ctx.responseProtection !== undefined) {
          let authenticated = false;
          let encrypted = false;
          for (const r of step.requests) {
            const need = responseNeed(ctx, r);
            authenticated ||= need?.authenticated === true;
            encrypted ||= need?.encrypted === true;
          }
          if (authenticated || encrypted) complete = { responseProtection: { authenticated, encrypted } };
        }
        const results = performAll(this.device, ctx, step.requests, options);
        const done = complete;
        const next =
          results instanceof Promise
            ? results.then((r) => assoc.completeNow(r, done))
            : assoc.completeNow(results, done);
        if (next instanceof Promise) {
          return next.then(
            (s) => this.answerModel(s),
            (e: unknown) => engineFailure(e, options),
          );
        }
        step = next;
      }
      return step;
    } catch (e) {
      return engineFailure(e, options);
    }
  }

  /**
   * The request context of a model step: what the engine knows of the association and how the
   * request was protected. A plain request on an association whose info is unchanged (the engine
   * returns the same info object then) gets the context of the previous one.
   */
  private context(protection: MessageProtection | undefined): AccessContext {
    const info = this.assoc.info;
    if (protection === undefined && this.lastInfo === info) return this.lastCtx!;
    const ctx: AccessContext = {
      clientSap: this.clientSap,
      authenticated: info.state === 'associated' && info.mechanism >= 1,
      device: this.device,
      associationStatus: associationStatus(info.state),
      ...(protection === undefined ? {} : { protection }),
      // A ciphered engine can authenticate and encrypt any response; it never signs.
      ...(info.ciphered === true
        ? { responseProtection: { authenticated: true, encrypted: true, signed: false } }
        : {}),
    };
    if (protection === undefined) {
      this.lastInfo = info;
      this.lastCtx = ctx;
    }
    return ctx;
  }
}

/** What a model step completes with when its response needs no protection beyond the request's. */
const NO_RESPONSE_PROTECTION: CompleteOptions = Object.freeze({});

/**
 * The engine of one link. An SN association without `baseNames` in its configuration gets the
 * short-name map of the device's Association SN for that client (built when the link opens); a
 * configured `baseNames` overrides it.
 */
function engineFor(
  device: LogicalDevice,
  clientSap: number,
  config: ServerAssociationConfig,
): ServerAssociation {
  if (config.referencing !== 'sn' || config.baseNames !== undefined) return new ServerAssociation(config);
  const baseNames = device.baseNames(clientSap);
  return new ServerAssociation(baseNames === undefined ? config : { ...config, baseNames });
}

/** The association_status (Association LN attribute 8) of an engine state. */
export function associationStatus(state: ServerAssociationState): AssociationStatus {
  return state === 'associated' ? 2 : state === 'awaiting-hls-pass3' ? 1 : 0;
}

/** The response protection the association's access right on a request demands (bit-mapped modes). */
function responseNeed(ctx: AccessContext, r: ModelRequest): MessageProtection | undefined {
  // Without ciphering the access check has refused such requests already (nothing to protect).
  if (ctx.responseProtection === undefined) return undefined;
  const d = r.descriptor;
  const index =
    r.op === 'action' ? (d as { methodId: number }).methodId : (d as { attributeId: number }).attributeId;
  return responseProtectionFor(ctx, d.classId, d.instanceId, index, r.op);
}

/**
 * Performs one model request on the device (access checked there); a provider that throws or rejects
 * gives hardware-fault. Synchronous when the provider is.
 */
function perform(
  device: LogicalDevice,
  ctx: AccessContext,
  r: ModelRequest,
  options: ServeOptions,
): ModelResult | Promise<ModelResult> {
  const d = r.descriptor;
  try {
    let out: ModelResult | Promise<ModelResult>;
    switch (r.op) {
      case 'get':
        out = device.get(ctx, d.classId, d.instanceId, (d as { attributeId: number }).attributeId, r.access);
        break;
      case 'set':
        out = device.set(
          ctx,
          d.classId,
          d.instanceId,
          (d as { attributeId: number }).attributeId,
          r.value,
          r.access,
        );
        break;
      case 'action': {
        const reply = device.action(
          ctx,
          d.classId,
          d.instanceId,
          (d as { methodId: number }).methodId,
          r.parameters,
        );
        out = isThenable(reply) ? Promise.resolve(reply).then(actionOutcome) : actionOutcome(reply);
        break;
      }
    }
    // A native promise from here on, whatever thenable the provider gave.
    return isThenable(out)
      ? Promise.resolve(out).then(undefined, (e: unknown) => providerFailure(r, e, options))
      : out;
  } catch (e) {
    return providerFailure(r, e, options);
  }
}

/** The result of a request whose provider threw or rejected (reported to `onError`). */
function providerFailure(r: ModelRequest, e: unknown, options: ServeOptions): ModelResult {
  options.onError?.(e);
  return r.op === 'action' ? { result: PROVIDER_FAILURE } : PROVIDER_FAILURE;
}

function actionOutcome(reply: ActionReply): ActionOutcome {
  return reply.returnValue === undefined
    ? { result: reply.result }
    : { result: reply.result, returnParameters: reply.returnValue };
}

/** Performs the requests of a model step in order: synchronously while the providers are. */
function performAll(
  device: LogicalDevice,
  ctx: AccessContext,
  requests: readonly ModelRequest[],
  options: ServeOptions,
): ModelResult[] | Promise<ModelResult[]> {
  if (requests.length === 1) {
    // The usual case (a GET, SET or ACTION normal): the result array made at its final size.
    const r = perform(device, ctx, requests[0]!, options);
    return r instanceof Promise ? r.then((x) => [x]) : [r];
  }
  const results: ModelResult[] = [];
  for (let i = 0; i < requests.length; i++) {
    const r = perform(device, ctx, requests[i]!, options);
    if (r instanceof Promise) {
      // From the first asynchronous one on, each request still waits for the previous one.
      return (async () => {
        results.push(await r);
        for (let j = i + 1; j < requests.length; j++)
          results.push(await perform(device, ctx, requests[j]!, options));
        return results;
      })();
    }
    results.push(r);
  }
  return results;
}

/** The answer of a known device to a client address it has no association for. */
function refuse(apdu: Uint8Array): ServerStep {
  if (apdu[0] === 0x60) {
    return {
      kind: 'send',
      apdus: [
        encodeApdu({
          type: 'aare',
          applicationContextName: 'logical-name-referencing-no-ciphering',
          result: 'rejected-permanent',
          resultSourceDiagnostic: { source: 'acse-service-user', value: 'no-reason-given' },
        }),
      ],
    };
  }
  if (apdu[0] === 0x62) return { kind: 'send', apdus: [encodeApdu({ type: 'rlre', reason: 'normal' })] };
  return exceptionStep('operation-not-possible');
}

function live(state: string | undefined): boolean {
  return state === 'associated' || state === 'awaiting-hls-pass3';
}

/**
 * An `ApduChannel` that yields `first` before the APDUs of `channel`: for a binding that read the
 * first APDU to route the link (e.g. on the wrapper wPorts) before handing it to {@link DlmsServer.serve}.
 */
export function prependApdu(channel: ApduChannel, first: Uint8Array): ApduChannel {
  let given = false;
  return {
    send: (apdu) => channel.send(apdu),
    close: () => channel.close(),
    receive: () => ({
      async *[Symbol.asyncIterator]() {
        if (!given) {
          given = true;
          yield first;
        }
        yield* channel.receive();
      },
    }),
  };
}
