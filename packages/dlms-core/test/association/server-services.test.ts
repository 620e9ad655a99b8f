/**
 * Server association: GET/SET/ACTION normal and with-list, selective access, access denial, GET data
 * blocks (a 5 KiB profile buffer to a client with max PDU 256), SET data blocks, ACTION pblocks both
 * ways, General-Block-Transfer, SN Read/Write, and the exception answers to garbage. Requests are built
 * with the dlms-core encoders; the object model is the small in-memory one of `server-helpers.ts`.
 */
import { describe, expect, it } from 'vitest';
import {
  ServerAssociation,
  Writer,
  conformanceFromNames,
  decodeApdu,
  encodeApdu,
  encodeDataBytes,
  encodeLength,
  entryDescriptor,
  fromHex,
  splitBlocks,
  type Apdu,
  type Data,
  type GeneralBlockTransfer,
} from '../../src/index.js';
import {
  ALL_BITS,
  IID,
  LN_ASSOCIATION,
  LN_CLOCK,
  LN_PROFILE,
  LN_REGISTER,
  LN_SCRIPT,
  TestModel,
  aarq,
  associated,
  config,
  decodeWholeData,
  exchange,
  one,
} from './server-helpers.js';

const register = { classId: 3, instanceId: LN_REGISTER, attributeId: 2 };
const profile = { classId: 7, instanceId: LN_PROFILE, attributeId: 2 };
const clock = { classId: 8, instanceId: LN_CLOCK, attributeId: 2 };
const execute = { classId: 9, instanceId: LN_SCRIPT, methodId: 1 };

const get = (attribute: typeof register, accessSelection?: ReturnType<typeof entryDescriptor>) =>
  encodeApdu({
    type: 'get-request-normal',
    invokeIdAndPriority: IID,
    attribute,
    ...(accessSelection ? { accessSelection } : {}),
  });

function expectType<T extends Apdu['type']>(a: Apdu, type: T): Extract<Apdu, { type: T }> {
  expect(a.type).toBe(type);
  return a as Extract<Apdu, { type: T }>;
}

describe('GET', () => {
  it('answers GET normal from the model', async () => {
    const a = await associated();
    expect(await one(a, get(register))).toEqual({
      type: 'get-response-normal',
      invokeIdAndPriority: IID,
      result: { type: 'data', data: { type: 'double-long-unsigned', value: 123456 } },
    });
  });

  it('answers a plain GET synchronously with handleNow/completeNow, and refuses overlapping steps', async () => {
    const a = await associated();
    const step = a.handleNow(get(register));
    if (step instanceof Promise || step.kind !== 'model')
      throw new Error('expected a synchronous model step');
    expect(step.requests).toEqual([{ op: 'get', descriptor: register }]);
    expect(() => a.handleNow(get(register))).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
    const done = a.completeNow([{ type: 'double-long-unsigned', value: 42 }]);
    if (done instanceof Promise || done.kind !== 'send') throw new Error('expected a synchronous send step');
    expect(decodeApdu(done.apdus[0]!)).toEqual({
      type: 'get-response-normal',
      invokeIdAndPriority: IID,
      result: { type: 'data', data: { type: 'double-long-unsigned', value: 42 } },
    });
    expect(() => a.completeNow([])).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
  });

  it('answers an unknown object with object-undefined and a denied one with read-write-denied', async () => {
    const a = await associated();
    const m = new TestModel();
    m.denied.add(m.key(8, LN_CLOCK, 2));
    expect(await one(a, get({ ...register, attributeId: 9 }), m)).toMatchObject({
      result: { type: 'data-access-result', result: 'object-undefined' },
    });
    expect(await one(a, get(clock), m)).toMatchObject({
      result: { type: 'data-access-result', result: 'read-write-denied' },
    });
  });

  it('answers GET with-list in request order', async () => {
    const a = await associated();
    const r = await one(
      a,
      encodeApdu({
        type: 'get-request-with-list',
        invokeIdAndPriority: IID,
        attributes: [
          { attribute: clock },
          { attribute: { ...register, attributeId: 7 } },
          { attribute: register },
        ],
      }),
    );
    expect(expectType(r, 'get-response-with-list').results).toEqual([
      { type: 'data', data: { type: 'octet-string', value: new Uint8Array(12).fill(0xff) } },
      { type: 'data-access-result', result: 'object-undefined' },
      { type: 'data', data: { type: 'double-long-unsigned', value: 123456 } },
    ]);
  });

  it('passes selective access through to the model untouched', async () => {
    const a = await associated();
    const m = new TestModel();
    const sel = entryDescriptor({ fromEntry: 1, toEntry: 2, fromSelectedValue: 1, toSelectedValue: 0 });
    await one(
      a,
      encodeApdu({
        type: 'get-request-normal',
        invokeIdAndPriority: IID,
        attribute: register,
        accessSelection: sel,
      }),
      m,
    );
    expect(m.seen[0]).toEqual({ op: 'get', descriptor: register, access: sel });
  });

  it('serves a 5 KiB profile buffer in GET data blocks to a client with max PDU 256, every block checked', async () => {
    const a = await associated({}, { clientMaxReceivePduSize: 256 });
    const m = new TestModel();
    const expected = encodeDataBytes(m.values.get(m.key(7, LN_PROFILE, 2))!);
    expect(expected.length).toBeGreaterThan(5000);
    let r = await exchange(a, get(profile), m);
    const parts: Uint8Array[] = [];
    for (let n = 1; ; n++) {
      expect(r.raw).toHaveLength(1);
      expect(r.raw[0]!.length).toBeLessThanOrEqual(256);
      const g = expectType(r.apdus[0]!, 'get-response-with-datablock');
      expect(g.invokeIdAndPriority).toEqual(IID);
      expect(g.block.blockNumber).toBe(n);
      if (g.block.result.type !== 'raw-data') throw new Error('expected raw data');
      parts.push(g.block.result.rawData.slice());
      if (g.block.lastBlock) break;
      expect(r.raw[0]!.length).toBe(256); // every block but the last fills the PDU
      r = await exchange(
        a,
        encodeApdu({ type: 'get-request-next', invokeIdAndPriority: IID, blockNumber: n }),
        m,
      );
    }
    expect(parts.length).toBeGreaterThan(20);
    const joined = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    expect(joined).toEqual(expected);
    expect(decodeWholeData(joined)).toEqual(m.values.get(m.key(7, LN_PROFILE, 2)));
    // Transfer over: another next is no-long-get-in-progress.
    const after = expectType(
      await one(
        a,
        encodeApdu({ type: 'get-request-next', invokeIdAndPriority: IID, blockNumber: parts.length }),
      ),
      'get-response-with-datablock',
    );
    expect(after.block.result).toEqual({ type: 'data-access-result', result: 'no-long-get-in-progress' });
  });

  it('aborts a GET block transfer on a wrong block number with data-block-number-invalid', async () => {
    const a = await associated({}, { clientMaxReceivePduSize: 256 });
    const first = expectType(await one(a, get(profile)), 'get-response-with-datablock');
    expect(first.block.blockNumber).toBe(1);
    const bad = expectType(
      await one(a, encodeApdu({ type: 'get-request-next', invokeIdAndPriority: IID, blockNumber: 5 })),
      'get-response-with-datablock',
    );
    expect(bad.block).toEqual({
      lastBlock: true,
      blockNumber: 5,
      result: { type: 'data-access-result', result: 'data-block-number-invalid' },
    });
    const gone = expectType(
      await one(a, encodeApdu({ type: 'get-request-next', invokeIdAndPriority: IID, blockNumber: 1 })),
      'get-response-with-datablock',
    );
    expect(gone.block.result).toEqual({ type: 'data-access-result', result: 'no-long-get-in-progress' });
  });

  it('splits a long GET with-list into blocks carrying the SEQUENCE OF Get-Data-Result', async () => {
    const a = await associated({}, { clientMaxReceivePduSize: 300 });
    let r = await one(
      a,
      encodeApdu({
        type: 'get-request-with-list',
        invokeIdAndPriority: IID,
        attributes: [{ attribute: register }, { attribute: profile }],
      }),
    );
    const parts: number[] = [];
    for (;;) {
      const g = expectType(r, 'get-response-with-datablock');
      if (g.block.result.type !== 'raw-data') throw new Error('raw');
      parts.push(...g.block.result.rawData);
      if (g.block.lastBlock) break;
      r = await one(
        a,
        encodeApdu({ type: 'get-request-next', invokeIdAndPriority: IID, blockNumber: g.block.blockNumber }),
      );
    }
    expect(parts.slice(0, 3)).toEqual([2, 0, 6]); // two results; the first is data (0) double-long-unsigned (6)
  });

  it('answers a too-long response with pdu-too-long when no block transfer was negotiated', async () => {
    const a = await associated(
      {},
      { clientMaxReceivePduSize: 256, proposedConformance: conformanceFromNames(['get']) },
    );
    expect(await one(a, get(profile))).toEqual({
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'pdu-too-long',
    });
  });
});

describe('SET', () => {
  it('writes through the model (normal and with-list) and reports each result', async () => {
    const a = await associated();
    const m = new TestModel();
    const v: Data = { type: 'double-long-unsigned', value: 42 };
    expect(
      await one(
        a,
        encodeApdu({ type: 'set-request-normal', invokeIdAndPriority: IID, attribute: register, value: v }),
        m,
      ),
    ).toEqual({
      type: 'set-response-normal',
      invokeIdAndPriority: IID,
      result: 'success',
    });
    expect(m.values.get(m.key(3, LN_REGISTER, 2))).toEqual(v);
    m.denied.add(m.key(8, LN_CLOCK, 2));
    const r = await one(
      a,
      encodeApdu({
        type: 'set-request-with-list',
        invokeIdAndPriority: IID,
        attributes: [{ attribute: register }, { attribute: clock }],
        values: [v, v],
      }),
      m,
    );
    expect(r).toEqual({
      type: 'set-response-with-list',
      invokeIdAndPriority: IID,
      results: ['success', 'read-write-denied'],
    });
  });

  it('reassembles SET data blocks, acknowledging each, then writes once', async () => {
    const a = await associated();
    const m = new TestModel();
    const value: Data = { type: 'octet-string', value: new Uint8Array(700).map((_, i) => i & 0xff) };
    m.put(3, LN_REGISTER, 3, { type: 'null-data' });
    const attribute = { ...register, attributeId: 3 };
    const blocks = splitBlocks(encodeDataBytes(value), 300);
    expect(blocks).toHaveLength(3);
    expect(
      await one(
        a,
        encodeApdu({
          type: 'set-request-with-first-datablock',
          invokeIdAndPriority: IID,
          attribute,
          block: { lastBlock: false, blockNumber: 1, rawData: blocks[0]! },
        }),
        m,
      ),
    ).toEqual({
      type: 'set-response-datablock',
      invokeIdAndPriority: IID,
      blockNumber: 1,
    });
    expect(
      await one(
        a,
        encodeApdu({
          type: 'set-request-with-datablock',
          invokeIdAndPriority: IID,
          block: { lastBlock: false, blockNumber: 2, rawData: blocks[1]! },
        }),
        m,
      ),
    ).toMatchObject({
      type: 'set-response-datablock',
      blockNumber: 2,
    });
    expect(m.seen).toHaveLength(0);
    expect(
      await one(
        a,
        encodeApdu({
          type: 'set-request-with-datablock',
          invokeIdAndPriority: IID,
          block: { lastBlock: true, blockNumber: 3, rawData: blocks[2]! },
        }),
        m,
      ),
    ).toEqual({
      type: 'set-response-last-datablock',
      invokeIdAndPriority: IID,
      result: 'success',
      blockNumber: 3,
    });
    expect(m.seen).toEqual([{ op: 'set', descriptor: attribute, value }]);
  });

  it('reassembles SET with-list-and-first-datablock (SEQUENCE OF Data)', async () => {
    const a = await associated();
    const m = new TestModel();
    const w = new Writer();
    encodeLength(w, 2);
    w.bytes(encodeDataBytes({ type: 'double-long-unsigned', value: 1 }));
    w.bytes(encodeDataBytes({ type: 'octet-string', value: new Uint8Array(12) }));
    const r = await one(
      a,
      encodeApdu({
        type: 'set-request-with-list-and-first-datablock',
        invokeIdAndPriority: IID,
        attributes: [{ attribute: register }, { attribute: clock }],
        block: { lastBlock: true, blockNumber: 1, rawData: w.toBytes() },
      }),
      m,
    );
    expect(r).toEqual({
      type: 'set-response-last-datablock-with-list',
      invokeIdAndPriority: IID,
      results: ['success', 'success'],
      blockNumber: 1,
    });
  });

  it('refuses a SET block out of sequence (data-block-number-invalid) and a block with no transfer (no-long-set-in-progress)', async () => {
    const a = await associated();
    const raw = encodeDataBytes({ type: 'octet-string', value: new Uint8Array(100) });
    await one(
      a,
      encodeApdu({
        type: 'set-request-with-first-datablock',
        invokeIdAndPriority: IID,
        attribute: register,
        block: { lastBlock: false, blockNumber: 1, rawData: raw.subarray(0, 50) },
      }),
    );
    expect(
      await one(
        a,
        encodeApdu({
          type: 'set-request-with-datablock',
          invokeIdAndPriority: IID,
          block: { lastBlock: true, blockNumber: 3, rawData: raw.subarray(50) },
        }),
      ),
    ).toEqual({
      type: 'set-response-last-datablock',
      invokeIdAndPriority: IID,
      result: 'data-block-number-invalid',
      blockNumber: 3,
    });
    expect(
      await one(
        a,
        encodeApdu({
          type: 'set-request-with-datablock',
          invokeIdAndPriority: IID,
          block: { lastBlock: true, blockNumber: 2, rawData: raw.subarray(50) },
        }),
      ),
    ).toEqual({
      type: 'set-response-normal',
      invokeIdAndPriority: IID,
      result: 'no-long-set-in-progress',
    });
  });

  it('caps the reassembled size (long-set-aborted)', async () => {
    const a = await associated({ maxReassemblyBytes: 100 });
    const raw = new Uint8Array(80);
    await one(
      a,
      encodeApdu({
        type: 'set-request-with-first-datablock',
        invokeIdAndPriority: IID,
        attribute: register,
        block: { lastBlock: false, blockNumber: 1, rawData: raw },
      }),
    );
    expect(
      await one(
        a,
        encodeApdu({
          type: 'set-request-with-datablock',
          invokeIdAndPriority: IID,
          block: { lastBlock: true, blockNumber: 2, rawData: raw },
        }),
      ),
    ).toMatchObject({
      result: 'long-set-aborted',
    });
  });
});

describe('ACTION', () => {
  it('invokes methods (normal and with-list) and returns their parameters', async () => {
    const a = await associated();
    const p: Data = { type: 'long-unsigned', value: 1 };
    expect(
      await one(
        a,
        encodeApdu({
          type: 'action-request-normal',
          invokeIdAndPriority: IID,
          method: execute,
          parameters: p,
        }),
      ),
    ).toEqual({
      type: 'action-response-normal',
      invokeIdAndPriority: IID,
      response: { result: 'success', returnParameters: { type: 'data', data: p } },
    });
    expect(
      await one(a, encodeApdu({ type: 'action-request-normal', invokeIdAndPriority: IID, method: execute })),
    ).toEqual({
      type: 'action-response-normal',
      invokeIdAndPriority: IID,
      response: { result: 'success' },
    });
    const r = await one(
      a,
      encodeApdu({
        type: 'action-request-with-list',
        invokeIdAndPriority: IID,
        methods: [execute, { classId: 1, instanceId: LN_SCRIPT, methodId: 1 }],
        parameters: [p, { type: 'null-data' }],
      }),
    );
    expect(r).toEqual({
      type: 'action-response-with-list',
      invokeIdAndPriority: IID,
      responses: [
        { result: 'success', returnParameters: { type: 'data', data: p } },
        { result: 'object-undefined' },
      ],
    });
  });

  it('reassembles ACTION pblocks, acknowledging each with next-pblock', async () => {
    const a = await associated();
    const m = new TestModel();
    const p: Data = { type: 'octet-string', value: new Uint8Array(500).fill(3) };
    const blocks = splitBlocks(encodeDataBytes(p), 200);
    expect(
      await one(
        a,
        encodeApdu({
          type: 'action-request-with-first-pblock',
          invokeIdAndPriority: IID,
          method: execute,
          block: { lastBlock: false, blockNumber: 1, rawData: blocks[0]! },
        }),
        m,
      ),
    ).toEqual({
      type: 'action-response-next-pblock',
      invokeIdAndPriority: IID,
      blockNumber: 1,
    });
    await one(
      a,
      encodeApdu({
        type: 'action-request-with-pblock',
        invokeIdAndPriority: IID,
        block: { lastBlock: false, blockNumber: 2, rawData: blocks[1]! },
      }),
      m,
    );
    const r = await one(
      a,
      encodeApdu({
        type: 'action-request-with-pblock',
        invokeIdAndPriority: IID,
        block: { lastBlock: true, blockNumber: 3, rawData: blocks[2]! },
      }),
      m,
    );
    expect(r).toEqual({
      type: 'action-response-normal',
      invokeIdAndPriority: IID,
      response: { result: 'success', returnParameters: { type: 'data', data: p } },
    });
    expect(m.seen).toEqual([{ op: 'action', descriptor: execute, parameters: p }]);
  });

  it('sends a long ACTION response in pblocks served on next-pblock', async () => {
    const a = await associated({}, { clientMaxReceivePduSize: 512 });
    let r = await exchange(
      a,
      encodeApdu({
        type: 'action-request-normal',
        invokeIdAndPriority: IID,
        method: { ...execute, methodId: 2 },
      }),
    );
    const parts: number[] = [];
    for (let n = 1; ; n++) {
      expect(r.raw[0]!.length).toBeLessThanOrEqual(512);
      const g = expectType(r.apdus[0]!, 'action-response-with-pblock');
      expect(g.block.blockNumber).toBe(n);
      parts.push(...g.block.rawData);
      if (g.block.lastBlock) break;
      r = await exchange(
        a,
        encodeApdu({ type: 'action-request-next-pblock', invokeIdAndPriority: IID, blockNumber: n }),
      );
    }
    expect(decodeWholeData(new Uint8Array(parts))).toEqual({
      type: 'octet-string',
      value: new Uint8Array(3000).fill(7),
    });
  });

  it('answers a pblock without a transfer with no-long-action-in-progress, and a wrong one with long-action-aborted', async () => {
    const a = await associated();
    expect(
      await one(
        a,
        encodeApdu({
          type: 'action-request-with-pblock',
          invokeIdAndPriority: IID,
          block: { lastBlock: true, blockNumber: 2, rawData: new Uint8Array(1) },
        }),
      ),
    ).toMatchObject({
      response: { result: 'no-long-action-in-progress' },
    });
    await one(
      a,
      encodeApdu({
        type: 'action-request-with-first-pblock',
        invokeIdAndPriority: IID,
        method: execute,
        block: { lastBlock: false, blockNumber: 1, rawData: new Uint8Array([9]) },
      }),
    );
    expect(
      await one(
        a,
        encodeApdu({
          type: 'action-request-with-pblock',
          invokeIdAndPriority: IID,
          block: { lastBlock: true, blockNumber: 7, rawData: new Uint8Array([0]) },
        }),
      ),
    ).toMatchObject({
      response: { result: 'long-action-aborted' },
    });
  });
});

describe('General-Block-Transfer', () => {
  const gbt = (over: Partial<GeneralBlockTransfer>): Uint8Array =>
    encodeApdu({
      type: 'general-block-transfer',
      lastBlock: false,
      streaming: false,
      window: 2,
      blockNumber: 1,
      blockNumberAck: 0,
      blockData: new Uint8Array(0),
      ...over,
    });

  it('reassembles a request sent in GBT blocks and answers a long response in GBT windows with acks', async () => {
    const a = await associated(
      { gbtWindow: 3 },
      { clientMaxReceivePduSize: 256, proposedConformance: conformanceFromNames(ALL_BITS) },
    );
    const req = get(profile);
    const [b1, b2] = [req.subarray(0, 8), req.subarray(8)];
    // Block 1, not streaming: the server acknowledges it.
    const ack = await exchange(a, gbt({ blockNumber: 1, blockData: b1 }));
    const ackG = expectType(ack.apdus[0]!, 'general-block-transfer');
    expect(ackG).toMatchObject({
      blockNumberAck: 1,
      blockData: new Uint8Array(0),
      window: 3,
      lastBlock: false,
    });
    // Block 2, last: the response starts, a window of 2 blocks (the client's window).
    let r = await exchange(a, gbt({ blockNumber: 2, lastBlock: true, blockData: b2 }));
    const received: GeneralBlockTransfer[] = [];
    for (;;) {
      expect(r.apdus.length).toBeGreaterThan(0);
      expect(r.apdus.length).toBeLessThanOrEqual(2);
      for (const raw of r.raw) expect(raw.length).toBeLessThanOrEqual(256);
      const gs = r.apdus.map((x) => expectType(x, 'general-block-transfer'));
      gs.forEach((g, i) => expect(g.streaming).toBe(i < gs.length - 1 && !g.lastBlock));
      received.push(...gs);
      const last = gs[gs.length - 1]!;
      if (last.lastBlock) break;
      r = await exchange(a, gbt({ blockNumber: 3, blockNumberAck: last.blockNumber }));
    }
    expect(received.map((g) => g.blockNumber)).toEqual(received.map((_, i) => i + 1));
    expect(received[0]!.blockNumberAck).toBe(2);
    const joined = new Uint8Array(received.reduce((s, g) => s + g.blockData.length, 0));
    let at = 0;
    for (const g of received) {
      joined.set(g.blockData, at);
      at += g.blockData.length;
    }
    // The whole GET-Response-Normal, not service-specific blocks.
    const whole = expectType((await import('../../src/index.js')).decodeApdu(joined), 'get-response-normal');
    expect(whole.result.type).toBe('data');
  });

  it('resends from block-number-ack + 1 when the client asks again', async () => {
    const a = await associated(
      {},
      { clientMaxReceivePduSize: 256, proposedConformance: conformanceFromNames(ALL_BITS) },
    );
    const first = await exchange(
      a,
      gbt({ blockNumber: 1, lastBlock: true, window: 1, blockData: get(profile) }),
    );
    expect(expectType(first.apdus[0]!, 'general-block-transfer').blockNumber).toBe(1);
    const second = await exchange(a, gbt({ blockNumber: 2, blockNumberAck: 1, window: 1 }));
    expect(expectType(second.apdus[0]!, 'general-block-transfer').blockNumber).toBe(2);
    // Block 2 lost: ack 1 again.
    const again = await exchange(a, gbt({ blockNumber: 3, blockNumberAck: 1, window: 1 }));
    expect(expectType(again.apdus[0]!, 'general-block-transfer')).toMatchObject({ blockNumber: 2 });
    expect(again.raw[0]).toEqual(second.raw[0]);
  });

  it('refuses GBT when it was not negotiated', async () => {
    const a = await associated();
    expect(await one(a, gbt({ lastBlock: true, blockData: get(register) }))).toEqual({
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'service-not-supported',
    });
  });
});

describe('SN referencing', () => {
  const baseNames = (bn: number) =>
    bn === 0x2000
      ? ({ type: 'attribute', descriptor: register } as const)
      : bn === 0x2008
        ? ({ type: 'attribute', descriptor: { ...register, attributeId: 3 } } as const)
        : bn === 0x3020
          ? ({ type: 'method', descriptor: execute } as const)
          : undefined;
  const sn = () =>
    (async () => {
      const a = new ServerAssociation(config({ referencing: 'sn', baseNames }));
      const r = await one(
        a,
        aarq(
          { applicationContextName: 'short-name-referencing-no-ciphering' },
          {
            proposedConformance: conformanceFromNames([
              'read',
              'write',
              'selective-access',
              'multiple-references',
            ]),
          },
        ),
      );
      expect(r).toMatchObject({ type: 'aare', result: 'accepted' });
      return a;
    })();

  it('maps Read by base name to GETs and methods, with object-undefined for unknown names', async () => {
    const a = await sn();
    const m = new TestModel();
    const r = await one(
      a,
      encodeApdu({
        type: 'read-request',
        variables: [
          { type: 'variable-name', variableName: 0x2000 },
          { type: 'variable-name', variableName: 0x4444 },
          {
            type: 'parameterized-access',
            variableName: 0x3020,
            selector: 0,
            parameter: { type: 'unsigned', value: 5 },
          },
        ],
      }),
      m,
    );
    expect(r).toEqual({
      type: 'read-response',
      results: [
        { type: 'data', data: { type: 'double-long-unsigned', value: 123456 } },
        { type: 'data-access-error', result: 'object-undefined' },
        { type: 'data', data: { type: 'unsigned', value: 5 } },
      ],
    });
  });

  it('maps Write by base name to SETs', async () => {
    const a = await sn();
    const m = new TestModel();
    const v: Data = { type: 'double-long-unsigned', value: 9 };
    const r = await one(
      a,
      encodeApdu({
        type: 'write-request',
        variables: [
          { type: 'variable-name', variableName: 0x2000 },
          { type: 'variable-name', variableName: 0x2008 },
        ],
        values: [v, v],
      }),
      m,
    );
    expect(r).toEqual({
      type: 'write-response',
      results: [{ type: 'success' }, { type: 'data-access-error', result: 'object-undefined' }],
    });
    expect(m.values.get(m.key(3, LN_REGISTER, 2))).toEqual(v);
  });

  it('performs an UnconfirmedWriteRequest and answers nothing', async () => {
    const bits = conformanceFromNames(['read', 'write', 'unconfirmed-write']);
    const a = new ServerAssociation(config({ referencing: 'sn', baseNames, conformance: bits }));
    await one(
      a,
      aarq({ applicationContextName: 'short-name-referencing-no-ciphering' }, { proposedConformance: bits }),
    );
    const m = new TestModel();
    const v: Data = { type: 'double-long-unsigned', value: 77 };
    const r = await exchange(
      a,
      encodeApdu({
        type: 'unconfirmed-write-request',
        variables: [{ type: 'variable-name', variableName: 0x2000 }],
        values: [v],
      }),
      m,
    );
    expect(r.none).toBe(true);
    expect(m.values.get(m.key(3, LN_REGISTER, 2))).toEqual(v);
  });

  it('refuses LN services on an SN association', async () => {
    const a = await sn();
    expect(await one(a, get(register))).toMatchObject({
      type: 'exception-response',
      serviceError: 'service-not-supported',
    });
  });
});

describe('malformed and unsupported requests', () => {
  it('answers garbage with ExceptionResponse, never a throw', async () => {
    const a = await associated();
    expect(await one(a, fromHex('FF00'))).toEqual({
      type: 'exception-response',
      stateError: 'service-unknown',
      serviceError: 'service-not-supported',
    });
    expect(await one(a, get(register).subarray(0, 6))).toEqual({
      type: 'exception-response',
      stateError: 'service-unknown',
      serviceError: 'other-reason',
    });
    expect(await one(a, new Uint8Array(0))).toEqual({
      type: 'exception-response',
      stateError: 'service-unknown',
      serviceError: 'service-not-supported',
    });
    // A response sent to the server is not a request.
    expect(await one(a, fromHex('C401C100060000000A'))).toMatchObject({
      stateError: 'service-not-allowed',
      serviceError: 'service-not-supported',
    });
    expect(a.state).toBe('associated');
  });

  it('answers an APDU longer than server-max-receive-pdu-size with pdu-too-long', async () => {
    const a = await associated({ maxReceivePduSize: 64 });
    const big = encodeApdu({
      type: 'set-request-normal',
      invokeIdAndPriority: IID,
      attribute: register,
      value: { type: 'octet-string', value: new Uint8Array(100) },
    });
    expect(await one(a, big)).toEqual({
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'pdu-too-long',
    });
  });

  it('answers a service that was not negotiated with service-not-supported', async () => {
    const a = await associated({}, { proposedConformance: conformanceFromNames(['get']) });
    expect(
      await one(
        a,
        encodeApdu({
          type: 'set-request-normal',
          invokeIdAndPriority: IID,
          attribute: register,
          value: { type: 'null-data' },
        }),
      ),
    ).toEqual({
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'service-not-supported',
    });
    expect(
      await one(
        a,
        encodeApdu({
          type: 'action-request-normal',
          invokeIdAndPriority: IID,
          method: { classId: 15, instanceId: LN_ASSOCIATION, methodId: 1 },
        }),
      ),
    ).toMatchObject({
      serviceError: 'service-not-supported',
    });
  });

  it('answers a ciphered APDU on a plain association with operation-not-possible', async () => {
    const a = await associated();
    expect(
      await one(a, fromHex('C81E30000000011122334455667788990011223344556677889900112233')),
    ).toMatchObject({
      type: 'exception-response',
      serviceError: 'operation-not-possible',
    });
  });
});
