/**
 * `DlmsClient`: the async driver of dlms-core's sans-I/O `ClientAssociation` over any `ApduChannel`
 * (wrapper over TCP/UDP, an HDLC link, the in-memory pair). It sends what the machine asks, waits for
 * each answer with a timer at the machine's deadline (ProtocolError `TIMEOUT`), reports block-transfer
 * progress, traces every APDU, and turns the machine's outcomes into typed results:
 *
 * - `get` answers, per attribute, the Data or the Data-Access-Result (a refused item is a value);
 * - `set` answers the Data-Access-Results, `action` the Action-Results with return parameters;
 * - an ExceptionResponse or ConfirmedServiceError is thrown as ProtocolError `SERVICE_ERROR` with the
 *   APDU as `cause`; everything else thrown is a `DlmsError` with its code.
 *
 * Short name referencing: attributes are addressed by base name + 8 × (attribute − 1), with base names
 * from the Association SN object list (read once, on first use).
 *
 * Ciphered associations need a starting invocation counter: given, from a counter store, or read from
 * the meter's invocation counter object (0-0:43.1.x.255, class 1) over a public association on a second
 * channel the caller opens (`openPublicChannel`).
 *
 * Not here: opening channels (see `openApduChannel` of `@meteringlab/transport-hdlc-serial`), retries,
 * SN methods.
 */
import {
  ArgumentError,
  ClientAssociation,
  ProtocolError,
  SequentialCounter,
  TransportError,
  apduName,
  decodeApdu,
  isCipheredApduTag,
  type ApduChannel,
  type BlockProgress,
  type ClientActionOutcome,
  type ClientAssociationOptions,
  type ClientOutcome,
  type ClientSecurity,
  type ClientStep,
  type Data,
  type DataAccessResult,
  type InvocationCounterSource,
  type InvocationCounterStore,
  type NegotiatedParameters,
  type SelectiveAccessDescriptor,
  type VariableAccessSpecification,
} from '@meteringlab/dlms-core';
import { shortNameObjectListFromData, type ShortNameObjectListEntry } from '../decoders.js';
import { normalizeLogicalName } from '../logical-name.js';
import {
  attributeDescriptor,
  formatAttributeTarget,
  methodDescriptor,
  type AttributeTarget,
  type MethodTarget,
} from './targets.js';

/** Logical name of the invocation counter object of the client's key (0-0:43.1.0.255). */
export const INVOCATION_COUNTER_LN = '0.0.43.1.0.255';
/** Base name of the Association SN object (its object_list is base + 8). */
export const ASSOCIATION_SN_BASE_NAME = 0xfa00;

/** Security options of a {@link DlmsClient}: as dlms-core's, with the counter made optional. */
export interface DlmsClientSecurity extends Omit<ClientSecurity, 'invocationCounter'> {
  /** The next outgoing invocation counter, or a source of them. */
  readonly invocationCounter?: number | InvocationCounterSource;
  /** A durable store of outgoing counters (keyed by the client system title, key 'global-unicast'). */
  readonly counters?: InvocationCounterStore;
  /** Logical name of the invocation counter object to read when none is known (default 0.0.43.1.0.255). */
  readonly invocationCounterLogicalName?: string;
}

/** What the trace callback is told. */
export interface ApduTrace {
  readonly direction: 'sent' | 'received';
  /** The bytes as on the channel (ciphered when ciphered). */
  readonly bytes: Uint8Array;
}

/** Options of a {@link DlmsClient}. */
export interface DlmsClientOptions extends Omit<ClientAssociationOptions, 'security' | 'responseTimeoutMs'> {
  readonly security?: DlmsClientSecurity;
  /** Time allowed for each response (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** Called for each block sent or received in a block transfer. */
  readonly onProgress?: (progress: BlockProgress) => void;
  /** Called with every APDU sent and received. */
  readonly onApdu?: (trace: ApduTrace) => void;
  /** Called with APDUs that answer nothing (DataNotification…). */
  readonly onUnsolicited?: (apdu: Uint8Array) => void;
  /** Opens a channel for a public association (client 16), to read the invocation counter. */
  readonly openPublicChannel?: () => Promise<ApduChannel>;
}

/** One GET result: the value, or why the server could not give it. */
export type AttributeResult =
  | { readonly target: AttributeTarget; readonly type: 'data'; readonly data: Data }
  | {
      readonly target: AttributeTarget;
      readonly type: 'data-access-result';
      readonly result: DataAccessResult;
    };

/** A GET item with optional selective access. */
export interface GetRequestItem extends AttributeTarget {
  readonly access?: SelectiveAccessDescriptor;
}

/** Options of one GET. */
export interface GetOptions {
  /** Selective access (applies to a single target). */
  readonly access?: SelectiveAccessDescriptor;
}

/** An async DLMS/COSEM client over one APDU channel. One request at a time. */
export class DlmsClient {
  readonly machine: ClientAssociation;
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pendingNext: Promise<IteratorResult<Uint8Array>> | undefined;
  private readonly prefetch: number[] = [];
  private readonly store: InvocationCounterStore | undefined;
  private busy = false;
  private snNames: Map<string, number> | undefined;
  private counterSource: InvocationCounterSource | undefined;

  constructor(
    readonly channel: ApduChannel,
    private readonly options: DlmsClientOptions = {},
  ) {
    this.iterator = channel.receive()[Symbol.asyncIterator]();
    const s = options.security;
    this.store = s?.counters;
    let security: ClientSecurity | undefined;
    if (s !== undefined) {
      const ic = s.invocationCounter;
      this.counterSource = typeof ic === 'number' ? new SequentialCounter(ic) : ic;
      const source: InvocationCounterSource = {
        take: () => {
          if (this.store !== undefined) {
            const v = this.prefetch.shift();
            if (v === undefined) throw new ArgumentError('no invocation counter was fetched from the store');
            return v;
          }
          if (this.counterSource === undefined)
            throw new ArgumentError('the invocation counter is not known');
          return this.counterSource.take();
        },
      };
      const { counters: _c, invocationCounterLogicalName: _l, ...rest } = s;
      const store = this.store;
      security = {
        ...rest,
        invocationCounter: source,
        ...(store === undefined
          ? {}
          : {
              lastServerInvocationCounterOf: (st: Uint8Array) =>
                store.lastIncoming({ systemTitle: st, keyId: 'global-unicast' }),
            }),
      };
    }
    const {
      security: _s,
      timeoutMs,
      onProgress: _p,
      onApdu: _a,
      onUnsolicited: _u,
      openPublicChannel: _o,
      ...machineOptions
    } = options;
    this.machine = new ClientAssociation({
      ...machineOptions,
      ...(security === undefined ? {} : { security }),
      responseTimeoutMs: timeoutMs ?? 10_000,
    });
  }

  /** What the association negotiated (after {@link associate}). */
  get negotiated(): NegotiatedParameters | undefined {
    return this.machine.negotiated;
  }

  // -------------------------------------------------------------------------------------------------
  // The exchange loop

  private async ensureCounters(): Promise<void> {
    const s = this.options.security;
    if (s === undefined || this.store === undefined) return;
    // HLS-GMAC pass 3 may take two values in one step (f(StoC) and the frame).
    while (this.prefetch.length < 2) {
      this.prefetch.push(
        await this.store.nextOutgoing({ systemTitle: s.systemTitle, keyId: 'global-unicast' }),
      );
    }
  }

  /** With a store, records the server's counter once the machine accepted a frame (replay protection across sessions). */
  private async persistIncoming(before: number | undefined): Promise<void> {
    const ic = this.machine.lastServerInvocationCounter;
    const server = this.machine.negotiated?.serverSystemTitle;
    if (this.store === undefined || ic === undefined || ic === before || server === undefined) return;
    const id = { systemTitle: server, keyId: 'global-unicast' as const };
    const last = this.store.lastIncoming(id);
    if (last === undefined || ic > last) await this.store.acceptIncoming(id, ic);
  }

  private async nextApdu(): Promise<Uint8Array> {
    this.pendingNext ??= this.iterator.next();
    const deadline = this.machine.deadlineMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      if (deadline !== undefined)
        timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    try {
      const r = await Promise.race([this.pendingNext, timeout]);
      if (r === 'timeout') {
        this.machine.tick(Math.max(Date.now(), deadline!));
        throw new ProtocolError('TIMEOUT', 'no answer in time');
      }
      this.pendingNext = undefined;
      if (r.done) throw new TransportError('CLOSED', 'the channel closed while an answer was awaited');
      return r.value;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  private async drive(start: () => ClientStep): Promise<ClientStep> {
    if (this.busy) throw new ProtocolError('INVALID_STATE', 'one request at a time');
    this.busy = true;
    try {
      await this.ensureCounters();
      let step = start();
      for (;;) {
        if (step.kind === 'send') {
          if (step.progress !== undefined) this.options.onProgress?.(step.progress);
          this.options.onApdu?.({ direction: 'sent', bytes: step.apdu });
          await this.channel.send(step.apdu);
        } else if (step.kind === 'waiting') {
          if (step.progress !== undefined) this.options.onProgress?.(step.progress);
        } else if (step.kind === 'unsolicited') {
          // Reported through onApdu already; keep waiting for the answer.
        } else {
          return step;
        }
        const bytes = await this.nextApdu();
        this.options.onApdu?.({ direction: 'received', bytes });
        await this.ensureCounters();
        const before = this.machine.lastServerInvocationCounter;
        step = this.machine.receive(bytes, Date.now());
        await this.persistIncoming(before);
        if (step.kind === 'unsolicited') this.options.onUnsolicited?.(bytes);
      }
    } finally {
      this.busy = false;
    }
  }

  private async request(start: () => ClientStep): Promise<ClientOutcome> {
    const step = await this.drive(start);
    if (step.kind !== 'completed')
      throw new ProtocolError('UNEXPECTED_APDU', `expected a response, the association said ${step.kind}`);
    const o = step.outcome;
    if (o.service === 'exception-response') {
      throw new ProtocolError(
        'SERVICE_ERROR',
        `exception-response: ${String(o.exception.stateError)} / ${String(o.exception.serviceError)}`,
        { cause: o.exception },
      );
    }
    if (o.service === 'confirmed-service-error') {
      throw new ProtocolError(
        'SERVICE_ERROR',
        `confirmed-service-error: ${o.error.service} ${o.error.error.kind} ${String(o.error.error.value)}`,
        { cause: o.error },
      );
    }
    return o;
  }

  // -------------------------------------------------------------------------------------------------
  // Association

  /**
   * Opens the association (AARQ/AARE, HLS pass 3/4). For a ciphered association without a known
   * invocation counter, reads it first over a public association (`openPublicChannel`).
   */
  async associate(): Promise<NegotiatedParameters> {
    const s = this.options.security;
    if (s !== undefined && this.store === undefined && this.counterSource === undefined) {
      if (this.options.openPublicChannel === undefined) {
        throw new ArgumentError(
          'a ciphered association needs an invocation counter, a counter store or openPublicChannel to read it',
        );
      }
      const value = await readInvocationCounter(await this.options.openPublicChannel(), {
        logicalName: s.invocationCounterLogicalName ?? INVOCATION_COUNTER_LN,
        timeoutMs: this.options.timeoutMs ?? 10_000,
      });
      // The object holds the last counter the server accepted (or the next it expects); one above is safe either way.
      this.counterSource = new SequentialCounter(value + 1);
    }
    const step = await this.drive(() => this.machine.associate(Date.now()));
    if (step.kind !== 'associated')
      throw new ProtocolError('UNEXPECTED_APDU', `association ended with ${step.kind}`);
    return step.negotiated;
  }

  /** Releases the association (RLRQ → RLRE). The channel stays open. */
  async release(): Promise<void> {
    await this.drive(() => this.machine.release(Date.now()));
  }

  /** Releases when associated (errors ignored) and closes the channel. */
  async disconnect(): Promise<void> {
    try {
      if (this.machine.state === 'associated') await this.release();
    } catch {
      // The link may already be gone; closing is what matters now.
    } finally {
      await this.channel.close();
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Services

  /** GET of one attribute: its value or its Data-Access-Result. */
  get(target: AttributeTarget, options?: GetOptions): Promise<AttributeResult>;
  /** GET of several attributes (with-list when negotiated, else one by one). */
  get(targets: readonly GetRequestItem[]): Promise<AttributeResult[]>;
  async get(
    t: AttributeTarget | readonly GetRequestItem[],
    options: GetOptions = {},
  ): Promise<AttributeResult | AttributeResult[]> {
    if (!Array.isArray(t)) {
      const one = t as AttributeTarget;
      const [r] = await this.getList([
        options.access === undefined ? one : { ...one, access: options.access },
      ]);
      return r!;
    }
    return this.getList(t);
  }

  private async getList(items: readonly GetRequestItem[]): Promise<AttributeResult[]> {
    if (items.length === 0) return [];
    if (this.isSn()) return this.snRead(items);
    if (items.length > 1 && !this.machine.has('multiple-references')) {
      const out: AttributeResult[] = [];
      for (const it of items) out.push(...(await this.getList([it])));
      return out;
    }
    const o = await this.request(() =>
      this.machine.get(
        items.map((i) =>
          i.access === undefined
            ? { attribute: attributeDescriptor(i) }
            : { attribute: attributeDescriptor(i), access: i.access },
        ),
        Date.now(),
      ),
    );
    if (o.service !== 'get') throw new ProtocolError('UNEXPECTED_APDU', `GET answered by ${o.service}`);
    return items.map((target, i) => {
      const r = o.results[i] ?? o.results[0];
      const t = stripAccess(target);
      if (r === undefined) return { target: t, type: 'data-access-result', result: 'other-reason' };
      return r.type === 'data'
        ? { target: t, type: 'data', data: r.data }
        : { target: t, type: 'data-access-result', result: r.result };
    });
  }

  /** The value of one attribute; a Data-Access-Result is thrown as ProtocolError `SERVICE_ERROR`. */
  async getValue(target: AttributeTarget, options?: GetOptions): Promise<Data> {
    const r = await this.get(target, options);
    if (r.type === 'data') return r.data;
    throw new ProtocolError('SERVICE_ERROR', `${formatAttributeTarget(target)}: ${String(r.result)}`, {
      cause: r.result,
    });
  }

  /** SET of one attribute. */
  set(target: AttributeTarget, value: Data): Promise<DataAccessResult>;
  /** SET of several attributes. */
  set(items: readonly (AttributeTarget & { readonly value: Data })[]): Promise<DataAccessResult[]>;
  async set(
    t: AttributeTarget | readonly (AttributeTarget & { readonly value: Data })[],
    value?: Data,
  ): Promise<DataAccessResult | DataAccessResult[]> {
    if (!Array.isArray(t)) {
      if (value === undefined) throw new ArgumentError('a value to SET is needed');
      const [r] = await this.setList([{ ...(t as AttributeTarget), value }]);
      return r!;
    }
    return this.setList(t);
  }

  private async setList(
    items: readonly (AttributeTarget & { readonly value: Data })[],
  ): Promise<DataAccessResult[]> {
    if (items.length === 0) return [];
    if (this.isSn()) return this.snWrite(items);
    const o = await this.request(() =>
      this.machine.set(
        items.map((i) => ({ attribute: attributeDescriptor(i), value: i.value })),
        Date.now(),
      ),
    );
    if (o.service !== 'set') throw new ProtocolError('UNEXPECTED_APDU', `SET answered by ${o.service}`);
    return [...o.results];
  }

  /** ACTION of one method. */
  action(target: MethodTarget, parameters?: Data): Promise<ClientActionOutcome>;
  /** ACTION of several methods. */
  action(items: readonly (MethodTarget & { readonly parameters?: Data })[]): Promise<ClientActionOutcome[]>;
  async action(
    t: MethodTarget | readonly (MethodTarget & { readonly parameters?: Data })[],
    parameters?: Data,
  ): Promise<ClientActionOutcome | ClientActionOutcome[]> {
    if (this.isSn())
      throw new ArgumentError('ACTION needs logical name referencing (SN methods are not supported)');
    const list = Array.isArray(t)
      ? t
      : [{ ...(t as MethodTarget), ...(parameters === undefined ? {} : { parameters }) }];
    const o = await this.request(() =>
      this.machine.action(
        list.map((i) => ({
          method: methodDescriptor(i),
          ...(i.parameters === undefined ? {} : { parameters: i.parameters }),
        })),
        Date.now(),
      ),
    );
    if (o.service !== 'action') throw new ProtocolError('UNEXPECTED_APDU', `ACTION answered by ${o.service}`);
    return Array.isArray(t) ? [...o.results] : o.results[0]!;
  }

  // -------------------------------------------------------------------------------------------------
  // Short name referencing

  private isSn(): boolean {
    return (this.options.referencing ?? 'ln') === 'sn';
  }

  /** The SN object list (Association SN attribute 2), read once. */
  async shortNameObjectList(): Promise<ShortNameObjectListEntry[]> {
    const o = await this.request(() =>
      this.machine.read([{ type: 'variable-name', variableName: ASSOCIATION_SN_BASE_NAME + 8 }], Date.now()),
    );
    if (o.service !== 'read') throw new ProtocolError('UNEXPECTED_APDU', `Read answered by ${o.service}`);
    const r = o.results[0];
    if (r?.type !== 'data')
      throw new ProtocolError('SERVICE_ERROR', 'the SN object list cannot be read', { cause: r });
    const list = shortNameObjectListFromData(r.data);
    if (list === undefined) throw new ProtocolError('UNEXPECTED_APDU', 'the SN object list is malformed');
    this.snNames = new Map(list.map((e) => [`${e.classId}/${e.logicalName}`, e.baseName]));
    return list;
  }

  private async variableOf(t: GetRequestItem): Promise<VariableAccessSpecification> {
    if (this.snNames === undefined) await this.shortNameObjectList();
    const base = this.snNames!.get(`${t.classId}/${normalizeLogicalName(t.logicalName)}`);
    if (base === undefined)
      throw new ArgumentError(`${formatAttributeTarget(t)} is not in the SN object list`);
    // Blue Book 4.1.3: attribute n sits at base name + 8 × (n − 1).
    const variableName = (base + 8 * (t.attribute - 1)) & 0xffff;
    return t.access === undefined
      ? { type: 'variable-name', variableName }
      : {
          type: 'parameterized-access',
          variableName,
          selector: t.access.accessSelector,
          parameter: t.access.accessParameters,
        };
  }

  private async snRead(items: readonly GetRequestItem[]): Promise<AttributeResult[]> {
    const variables: VariableAccessSpecification[] = [];
    for (const i of items) variables.push(await this.variableOf(i));
    const o = await this.request(() => this.machine.read(variables, Date.now()));
    if (o.service !== 'read') throw new ProtocolError('UNEXPECTED_APDU', `Read answered by ${o.service}`);
    return items.map((item, i) => {
      const target = stripAccess(item);
      const r = o.results[i];
      if (r?.type === 'data') return { target, type: 'data', data: r.data };
      if (r?.type === 'data-access-error') return { target, type: 'data-access-result', result: r.result };
      return { target, type: 'data-access-result', result: 'other-reason' };
    });
  }

  private async snWrite(
    items: readonly (AttributeTarget & { readonly value: Data })[],
  ): Promise<DataAccessResult[]> {
    const variables: VariableAccessSpecification[] = [];
    for (const i of items) variables.push(await this.variableOf(i));
    const o = await this.request(() =>
      this.machine.write(
        variables,
        items.map((i) => i.value),
        Date.now(),
      ),
    );
    if (o.service !== 'write') throw new ProtocolError('UNEXPECTED_APDU', `Write answered by ${o.service}`);
    return items.map((_, i) => {
      const r = o.results[i];
      return r?.type === 'success' ? 'success' : r?.type === 'data-access-error' ? r.result : 'other-reason';
    });
  }
}

function stripAccess(t: GetRequestItem): AttributeTarget {
  return { classId: t.classId, logicalName: t.logicalName, attribute: t.attribute };
}

/**
 * Reads an invocation counter object (class 1, attribute 2) over a public association on `channel`
 * (no authentication, no ciphering), releases and closes the channel.
 */
export async function readInvocationCounter(
  channel: ApduChannel,
  options: { readonly logicalName?: string; readonly timeoutMs?: number } = {},
): Promise<number> {
  const client = new DlmsClient(channel, { timeoutMs: options.timeoutMs ?? 10_000 });
  try {
    await client.associate();
    const d = await client.getValue({
      classId: 1,
      logicalName: options.logicalName ?? INVOCATION_COUNTER_LN,
      attribute: 2,
    });
    if (d.type !== 'double-long-unsigned' && d.type !== 'long64-unsigned' && d.type !== 'double-long') {
      throw new ProtocolError('UNEXPECTED_APDU', `the invocation counter is a ${d.type}, not a number`);
    }
    return Number(d.value);
  } finally {
    await client.disconnect();
  }
}

/** A short description of an APDU for traces: its name, ciphered or not. */
export function describeApdu(bytes: Uint8Array): string {
  try {
    if (bytes.length > 0 && isCipheredApduTag(bytes[0]!))
      return `${apduName(decodeApdu(bytes))} (${bytes.length} bytes)`;
    return apduName(decodeApdu(bytes));
  } catch {
    return `undecodable (${bytes.length} bytes)`;
  }
}
