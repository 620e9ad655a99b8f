/**
 * Helpers for the server association tests: a client side built only from the dlms-core encoders
 * (AARQ, requests), a small in-memory object model, and a loop that runs one exchange.
 */
import {
  Reader,
  ServerAssociation,
  conformanceFromNames,
  decodeApdu,
  decodeData,
  encodeApdu,
  isDataResult,
  toHex,
  type Aarq,
  type Apdu,
  type ConformanceBit,
  type Data,
  type InitiateRequest,
  type ModelRequest,
  type ModelResult,
  type ServerAssociationConfig,
} from '../../src/index.js';

export const LN_REGISTER = new Uint8Array([1, 0, 1, 8, 0, 255]);
export const LN_PROFILE = new Uint8Array([1, 0, 99, 1, 0, 255]);
export const LN_CLOCK = new Uint8Array([0, 0, 1, 0, 0, 255]);
export const LN_SCRIPT = new Uint8Array([0, 0, 10, 0, 0, 255]);
export const LN_ASSOCIATION = new Uint8Array([0, 0, 40, 0, 0, 255]);

export const ALL_BITS: ConformanceBit[] = [
  'general-block-transfer',
  'read',
  'write',
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'block-transfer-with-action',
  'multiple-references',
  'get',
  'set',
  'selective-access',
  'action',
];
/** What the server offers in most tests. */
export const OFFERED = conformanceFromNames(ALL_BITS);
/** What a typical client proposes (0x00FE1F-like: LN services, blocks, list, selective access, GBT off). */
export const PROPOSED = conformanceFromNames(
  ALL_BITS.filter((b) => b !== 'general-block-transfer' && b !== 'read' && b !== 'write'),
);

export const IID = { invokeId: 1, confirmed: true, highPriority: true } as const;

export function config(over: Partial<ServerAssociationConfig> = {}): ServerAssociationConfig {
  return {
    referencing: 'ln',
    ciphered: false,
    authentication: { mechanism: 0 },
    conformance: OFFERED,
    maxReceivePduSize: 1024,
    ...over,
  };
}

export function initiateRequest(over: Partial<InitiateRequest> = {}): InitiateRequest {
  return {
    type: 'initiate-request',
    responseAllowed: true,
    proposedDlmsVersionNumber: 6,
    proposedConformance: PROPOSED,
    clientMaxReceivePduSize: 1024,
    ...over,
  };
}

export function aarq(over: Partial<Aarq> = {}, initiate: Partial<InitiateRequest> = {}): Uint8Array {
  const a: Aarq = {
    type: 'aarq',
    applicationContextName: 'logical-name-referencing-no-ciphering',
    userInformation: { apdu: initiateRequest(initiate) },
    ...over,
  };
  return encodeApdu(a);
}

/** A register value, a 5 KiB-ish profile buffer, a clock; everything else is object-undefined. */
export class TestModel {
  readonly seen: ModelRequest[] = [];
  readonly values = new Map<string, Data>();
  denied = new Set<string>();

  constructor() {
    this.put(3, LN_REGISTER, 2, { type: 'double-long-unsigned', value: 123456 });
    this.put(8, LN_CLOCK, 2, { type: 'octet-string', value: new Uint8Array(12).fill(0xff) });
    this.put(7, LN_PROFILE, 2, profileBuffer(230));
  }

  key(classId: number, ln: Uint8Array, id: number): string {
    return `${classId}/${toHex(ln)}/${id}`;
  }

  put(classId: number, ln: Uint8Array, attr: number, v: Data): void {
    this.values.set(this.key(classId, ln, attr), v);
  }

  run = (r: ModelRequest): ModelResult => {
    this.seen.push(r);
    const k = this.key(
      r.descriptor.classId,
      r.descriptor.instanceId,
      r.op === 'action' ? -r.descriptor.methodId : r.descriptor.attributeId,
    );
    if (this.denied.has(k)) return r.op === 'action' ? { result: 'read-write-denied' } : 'read-write-denied';
    switch (r.op) {
      case 'get':
        return this.values.get(k) ?? 'object-undefined';
      case 'set':
        if (!this.values.has(k)) return 'object-undefined';
        this.values.set(k, r.value);
        return 'success';
      case 'action': {
        // Script execute (class 9 method 1) echoes its parameter; method 2 returns a long string.
        if (r.descriptor.classId !== 9) return { result: 'object-undefined' };
        if (r.descriptor.methodId === 2)
          return {
            result: 'success',
            returnParameters: { type: 'octet-string', value: new Uint8Array(3000).fill(7) },
          };
        return r.parameters === undefined
          ? { result: 'success' }
          : { result: 'success', returnParameters: r.parameters };
      }
    }
  };
}

/** A profile buffer of `rows` rows (clock, value, status): 23 bytes a row. */
export function profileBuffer(rows: number): Data {
  const out: Data[] = [];
  for (let i = 0; i < rows; i++) {
    out.push({
      type: 'structure',
      value: [
        { type: 'octet-string', value: new Uint8Array([7, 234, 1, 1, 5, i % 24, 0, 0, 0, 0, 0, 0]) },
        { type: 'double-long-unsigned', value: 1000 * i },
        { type: 'unsigned', value: i & 0xff },
      ],
    });
  }
  return { type: 'array', value: out };
}

/** Runs one request: handle, answer every model step, return the APDUs sent (raw and decoded). */
export async function exchange(
  a: ServerAssociation,
  bytes: Uint8Array,
  model: TestModel = new TestModel(),
): Promise<{ raw: Uint8Array[]; apdus: Apdu[]; release: boolean; none: boolean }> {
  let step = await a.handle(bytes);
  while (step.kind === 'model') step = await a.complete(step.requests.map(model.run));
  if (step.kind === 'none') return { raw: [], apdus: [], release: false, none: true };
  return {
    raw: [...step.apdus],
    apdus: step.apdus.map((b) => decodeApdu(b)),
    release: step.release === true,
    none: false,
  };
}

export async function one(a: ServerAssociation, bytes: Uint8Array, model?: TestModel): Promise<Apdu> {
  const r = await exchange(a, bytes, model);
  if (r.apdus.length !== 1) throw new Error(`expected one APDU, got ${r.apdus.length}`);
  return r.apdus[0]!;
}

export async function associated(
  over: Partial<ServerAssociationConfig> = {},
  initiate: Partial<InitiateRequest> = {},
): Promise<ServerAssociation> {
  const a = new ServerAssociation(config(over));
  const r = await one(a, aarq({}, initiate));
  if (r.type !== 'aare' || r.result !== 'accepted') throw new Error('association refused');
  return a;
}

export function decodeWholeData(bytes: Uint8Array): Data {
  const r = new Reader(bytes);
  const d = decodeData(r);
  r.expectEnd('data');
  return d;
}

export { isDataResult };
