/**
 * The primary and secondary state machines, driven against each other on a virtual clock (sim.ts) and
 * by hand-made frames for the conformance-style negative cases. No I/O, no real time.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '@meteringlab/dlms-core';
import {
  type HdlcControl,
  type HdlcFrame,
  type HdlcLinkEvent,
  HdlcPrimary,
  HdlcSecondary,
  clientAddress,
  decodeFrmrInfo,
  decodeHdlcFrame,
  decodeHdlcParameters,
  encodeHdlcFrame,
  serverAddress,
} from '@meteringlab/transport-hdlc-serial';
import { Sim, bytesOf } from './sim.js';

const client = {
  clientAddress: 16,
  serverLogical: 1,
  serverPhysical: 17,
  responseTimeoutMs: 1000,
  retries: 3,
} as const;
const wide = { maxInfoTx: 128, maxInfoRx: 128, windowTx: 7, windowRx: 7 } as const;

const C = clientAddress(16);
const S = serverAddress(1, 17);

function frame(
  control: HdlcControl,
  information = new Uint8Array(0),
  segmented = false,
  toServer = true,
): HdlcFrame {
  return decodeHdlcFrame(
    encodeHdlcFrame({
      destination: toServer ? S : C,
      source: toServer ? C : S,
      control,
      segmented,
      information,
    }),
  );
}

function sent(out: { frames: Uint8Array[] }): HdlcFrame[] {
  return out.frames.map((b) => decodeHdlcFrame(b));
}

function errors(events: HdlcLinkEvent[]): { code: string; action: string }[] {
  return events.flatMap((e) => (e.type === 'error' ? [{ code: e.error.code, action: e.action }] : []));
}

/** A secondary connected to client 16 with the given limits. */
function connectedSecondary(options: ConstructorParameters<typeof HdlcSecondary>[0] = {}): HdlcSecondary {
  const s = new HdlcSecondary(options);
  s.receive(frame({ type: 'snrm', pf: true }), 0);
  expect(s.state).toBe('connected');
  return s;
}

describe('connection and negotiation', () => {
  it('SNRM/UA negotiates each value down to the smaller side', () => {
    const sim = new Sim(
      { ...client, maxInfoTx: 1024, maxInfoRx: 2030, windowTx: 7, windowRx: 3 },
      { maxInfoTx: 512, maxInfoRx: 256, windowTx: 7, windowRx: 7 },
    );
    sim.connect();
    expect(sim.p.state).toBe('connected');
    expect(sim.s.state).toBe('connected');
    expect(sim.p.parameters).toEqual({ maxInfoTx: 256, maxInfoRx: 512, windowTx: 7, windowRx: 3 });
    expect(sim.s.parameters).toEqual({ maxInfoTx: 512, maxInfoRx: 256, windowTx: 3, windowRx: 7 });
    const [snrm, ua] = sim.wire;
    expect(snrm!.frame.control).toEqual({ type: 'snrm', pf: true });
    expect(decodeHdlcParameters(snrm!.frame.information)).toEqual({
      maxInfoTx: 1024,
      maxInfoRx: 2030,
      windowTx: 7,
      windowRx: 3,
    });
    expect(ua!.frame.control).toEqual({ type: 'ua', pf: true });
    expect(decodeHdlcParameters(ua!.frame.information)).toEqual(sim.s.parameters);
    expect(sim.s.server).toEqual(S);
    expect(sim.s.client).toEqual(C);
  });

  it('a bare SNRM (negotiate: false) gives the defaults', () => {
    const sim = new Sim({ ...client, negotiate: false }, wide);
    sim.connect();
    expect(sim.wire[0]!.frame.information.length).toBe(0);
    expect(sim.p.parameters).toEqual({ maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 });
  });

  it('SNRM is retransmitted on timeout and the link fails with LINK_FAILED after the retries', () => {
    const sim = new Sim(client, {}, { drop: 1 });
    sim.connect();
    expect(sim.p.state).toBe('failed');
    expect(sim.wire.filter((w) => w.frame.control.type === 'snrm')).toHaveLength(4);
    const failed = sim.pEvents.find((e) => e.type === 'failed');
    expect(failed && failed.type === 'failed' && failed.error.code).toBe('LINK_FAILED');
  });

  it('a refused SNRM (DM) fails with CONNECT_FAILED', () => {
    const p = new HdlcPrimary(client);
    p.connect(0);
    const out = p.receive(frame({ type: 'dm', pf: true }, undefined, false, false), 1);
    expect(p.state).toBe('failed');
    expect(out.events).toMatchObject([{ type: 'failed', error: { code: 'CONNECT_FAILED' } }]);
  });

  it('DISC/UA disconnects both sides; DM answers commands while disconnected', () => {
    const sim = new Sim(client);
    sim.connect();
    sim.fromP(sim.p.disconnect(sim.now));
    sim.run(() => sim.p.state === 'disconnected');
    expect(sim.p.state).toBe('disconnected');
    expect(sim.s.state).toBe('disconnected');
    expect(sim.sEvents).toContainEqual({ type: 'disconnected', reason: 'disc' });
    const s = new HdlcSecondary();
    const out = s.receive(frame({ type: 'i', ns: 0, nr: 0, pf: true }, Uint8Array.of(1)), 0);
    expect(sent(out).map((f) => f.control)).toEqual([{ type: 'dm', pf: true }]);
    expect(errors(out.events)).toEqual([{ code: 'INVALID_STATE', action: 'dm' }]);
    expect(sent(s.receive(frame({ type: 'disc', pf: true }), 0)).map((f) => f.control.type)).toEqual(['dm']);
  });

  it('the primary goes to disconnected on DM while connected', () => {
    const sim = new Sim(client);
    sim.connect();
    const out = sim.p.receive(frame({ type: 'dm', pf: true }, undefined, false, false), 0);
    expect(sim.p.state).toBe('disconnected');
    expect(out.events).toContainEqual({ type: 'disconnected', reason: 'dm' });
  });

  it('the secondary disconnects after the inactivity timeout', () => {
    const s = new HdlcSecondary({ inactivityTimeoutMs: 5000 });
    s.receive(frame({ type: 'snrm', pf: true }), 1000);
    expect(s.nextDeadlineMs).toBe(6000);
    expect(s.tick(5999).events).toEqual([]);
    expect(s.tick(6000).events).toEqual([{ type: 'disconnected', reason: 'inactivity' }]);
    expect(s.state).toBe('disconnected');
  });

  it('DISC is retransmitted when UA is lost', () => {
    const sim = new Sim(client);
    sim.connect();
    let dropped = false;
    sim.tamper = (dir, b) => {
      if (dir === 'toP' && !dropped) {
        dropped = true;
        return [];
      }
      return [b];
    };
    sim.fromP(sim.p.disconnect(sim.now));
    sim.run(() => sim.p.state === 'disconnected');
    expect(sim.p.state).toBe('disconnected');
    expect(sim.wire.filter((w) => w.frame.control.type === 'disc')).toHaveLength(2);
  });
});

describe('data transfer', () => {
  for (const [label, po, so] of [
    ['window 1, 128-byte fields', { ...client }, {}],
    ['window 7 both ways', { ...client, ...wide }, wide],
    [
      'window 3 / 5, 64/200-byte fields',
      { ...client, windowTx: 3, windowRx: 5, maxInfoTx: 64, maxInfoRx: 200 },
      { windowTx: 5, windowRx: 3, maxInfoTx: 200, maxInfoRx: 64 },
    ],
  ] as const) {
    it(`segments and reassembles both ways (${label})`, () => {
      const sim = new Sim(po, so);
      sim.connect();
      sim.respond = (r) => bytesOf(r.length * 3 + 1, r.length);
      for (const n of [1, 10, 124, 125, 126, 300, 1000, 5000]) {
        const req = bytesOf(n, n + 1);
        const res = sim.request(req);
        expect(res && toHex(res)).toBe(toHex(bytesOf(n * 3 + 1, n)));
        const lastReq = sim.sEvents.filter((e) => e.type === 'apdu').at(-1);
        expect(lastReq && lastReq.type === 'apdu' && toHex(lastReq.apdu)).toBe(toHex(req));
      }
      // Frame sizes respect the negotiated limits; the LLC header is only on first segments.
      for (const w of sim.wire) {
        if (w.frame.control.type !== 'i') continue;
        const limit = w.dir === 'toS' ? sim.p.parameters.maxInfoTx : sim.s.parameters.maxInfoTx;
        expect(w.frame.information.length).toBeLessThanOrEqual(limit);
      }
      expect(sim.pEvents.filter((e) => e.type === 'error')).toEqual([]);
      expect(sim.sEvents.filter((e) => e.type === 'error')).toEqual([]);
    });
  }

  it('uses the window: up to 7 I frames before P=1', () => {
    const sim = new Sim({ ...client, ...wide }, wide);
    sim.connect();
    sim.request(bytesOf(2000, 1));
    const burst: HdlcControl[] = [];
    for (const w of sim.wire) {
      if (w.dir !== 'toS') continue;
      burst.push(w.frame.control);
      if ('pf' in w.frame.control && w.frame.control.pf && burst.length > 1) break;
    }
    // SNRM then 7 I frames, the last with P=1.
    expect(burst.slice(1).map((c) => (c.type === 'i' ? `${c.ns}${c.pf ? 'P' : ''}` : c.type))).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6P',
    ]);
  });

  it('sequence numbers wrap modulo 8 over many exchanges', () => {
    const sim = new Sim({ ...client, ...wide }, wide);
    sim.connect();
    for (let i = 0; i < 40; i++) expect(sim.request(bytesOf(i * 37, i))?.length).toBe(i * 37);
  });

  it('UI frames (pushes) reach the client with the LLC removed', () => {
    const sim = new Sim(client);
    sim.connect();
    sim.fromS(sim.s.sendUi(Uint8Array.of(0x0f, 1, 2, 3), S));
    sim.run(() => false);
    const ui = sim.pEvents.find((e) => e.type === 'ui');
    expect(ui && ui.type === 'ui' && toHex(ui.apdu)).toBe('0F010203');
    expect(ui && ui.type === 'ui' && toHex(ui.information)).toBe('E6E7000F010203');
  });

  it('RNR from the secondary makes the primary wait and poll again', () => {
    const p = new HdlcPrimary(client);
    p.connect(0);
    p.receive(frame({ type: 'ua', pf: true }, undefined, false, false), 0);
    const out = p.send(Uint8Array.of(1, 2, 3), 0);
    expect(sent(out).map((f) => f.control)).toEqual([{ type: 'i', ns: 0, nr: 0, pf: true }]);
    p.receive(frame({ type: 'rnr', nr: 1, pf: true }, undefined, false, false), 10);
    expect(p.nextDeadlineMs).toBe(110);
    expect(sent(p.tick(110)).map((f) => f.control)).toEqual([{ type: 'rr', nr: 0, pf: true }]);
  });

  it('RNR from the primary makes the secondary answer RR instead of data', () => {
    const s = connectedSecondary();
    s.receive(frame({ type: 'i', ns: 0, nr: 0, pf: true }, Uint8Array.of(0xe6, 0xe6, 0, 1)), 0);
    expect(sent(s.receive(frame({ type: 'rnr', nr: 0, pf: true }), 0)).map((f) => f.control)).toEqual([
      { type: 'rr', nr: 1, pf: true },
    ]);
    s.send(Uint8Array.of(9), 0);
    expect(sent(s.receive(frame({ type: 'rr', nr: 0, pf: true }), 0)).map((f) => f.control)).toEqual([
      { type: 'i', ns: 0, nr: 1, pf: true },
    ]);
  });

  it('a busy secondary answers RNR; the primary polls until it is ready', () => {
    const sim = new Sim(client);
    sim.connect();
    sim.s.setBusy(true);
    sim.fromP(sim.p.send(Uint8Array.of(1, 2), sim.now));
    sim.run(() => sim.now > 1000);
    expect(sim.wire.filter((w) => w.frame.control.type === 'rnr').length).toBeGreaterThan(3);
    expect(sim.received).toEqual([]);
    expect(sim.p.state).toBe('connected');
    sim.s.setBusy(false);
    sim.run(() => sim.received.length > 0);
    expect(toHex(sim.received[0]!)).toBe('0102');
  });

  it('an information field above the negotiated maximum makes the primary reset the link', () => {
    const sim = new Sim(client);
    sim.connect();
    sim.fromP(sim.p.send(Uint8Array.of(1), sim.now));
    const out = sim.p.receive(
      frame({ type: 'i', ns: 0, nr: 1, pf: true }, new Uint8Array(200), false, false),
      sim.now,
    );
    expect(errors(out.events)).toEqual([{ code: 'LIMIT_EXCEEDED', action: 'reset' }]);
    expect(out.events).toContainEqual({ type: 'reset', reason: 'information-too-long', droppedApdus: 0 });
  });

  it('the secondary: UI accepted while disconnected, responses (UA) rejected with FRMR W while connected', () => {
    const s = new HdlcSecondary();
    const ui = s.receive(frame({ type: 'ui', pf: false }, Uint8Array.of(0xe6, 0xe6, 0, 9)), 0);
    expect(ui.events).toMatchObject([{ type: 'ui', apdu: Uint8Array.of(9) }]);
    s.receive(frame({ type: 'snrm', pf: true }), 0);
    const out = s.receive(frame({ type: 'ua', pf: true }), 0);
    expect(decodeFrmrInfo(sent(out)[0]!.information)).toMatchObject({ w: true, rejectedControl: 0x73 });
    // In the FRMR condition, frames without poll are ignored.
    expect(
      errors(s.receive(frame({ type: 'i', ns: 0, nr: 0, pf: false }, Uint8Array.of(1)), 0).events),
    ).toEqual([{ code: 'INVALID_STATE', action: 'ignored' }]);
  });

  it('a server that answers late is polled until it answers', () => {
    const sim = new Sim(client);
    sim.connect();
    let pending: Uint8Array | undefined;
    sim.respond = (r) => {
      pending = r;
      return undefined;
    };
    sim.fromP(sim.p.send(Uint8Array.of(1, 2), sim.now));
    sim.run(() => sim.now > 5000);
    expect(sim.p.state).toBe('connected'); // still alive: the server answers the polls with RR
    sim.fromS(sim.s.send(pending!, sim.now));
    sim.run(() => sim.received.length > 0);
    expect(toHex(sim.received[0]!)).toBe('0102');
  });

  it('the reassembly cap drops an oversized APDU with LIMIT_EXCEEDED and the link stays usable', () => {
    const sim = new Sim({ ...client, ...wide }, { ...wide, maxApduLength: 200 });
    sim.connect();
    sim.fromP(sim.p.send(bytesOf(1000, 1), sim.now));
    sim.run(() => sim.sEvents.some((e) => e.type === 'error'));
    expect(errors(sim.sEvents)).toEqual([{ code: 'LIMIT_EXCEEDED', action: 'ignored' }]);
    expect(sim.request(bytesOf(100, 2))?.length).toBe(100);
  });
});

describe('lost, duplicated, reordered and corrupted frames', () => {
  // HDLC assumes a line that loses or corrupts frames but never duplicates them; copies are handled by
  // dropping I frames behind V(R) and by not trusting a final RR that acknowledges nothing after an
  // I-frame poll. The network delivers every unit in one shared timeline (sim.ts).
  const w3 = { maxInfoTx: 128, maxInfoRx: 128, windowTx: 3, windowRx: 3 } as const;
  const w2 = { maxInfoTx: 128, maxInfoRx: 128, windowTx: 2, windowRx: 2 } as const;
  const cases: [
    string,
    { drop?: number; duplicate?: number; reorder?: number; corrupt?: number },
    typeof wide | typeof w3 | typeof w2,
  ][] = [
    ['dropped, window 7', { drop: 0.15 }, wide],
    ['corrupted, window 7', { corrupt: 0.1 }, wide],
    ['duplicated, window 3', { duplicate: 0.1 }, w3],
    ['duplicated, window 7', { duplicate: 0.1 }, wide],
    ['dropped, duplicated and corrupted, window 7', { drop: 0.05, duplicate: 0.05, corrupt: 0.05 }, wide],
    ['dropped and duplicated, window 2', { drop: 0.1, duplicate: 0.05 }, w2],
  ];
  for (const [label, loss, win] of cases) {
    for (const seed of [1, 2, 3, 4, 5]) {
      it(`${label} (seed ${seed}): every response arrives once, in order`, () => {
        const sim = new Sim({ ...client, ...win, retries: 20 }, win, { ...loss, seed });
        sim.connect();
        expect(sim.p.state).toBe('connected');
        sim.respond = (r) => Uint8Array.of(...r.subarray(0, 4), 0xaa);
        for (let i = 0; i < 30; i++) {
          const req = bytesOf(50 + i * 41, seed * 100 + i);
          const res = sim.request(req);
          expect(res && toHex(res), `request ${i}`).toBe(toHex(Uint8Array.of(...req.subarray(0, 4), 0xaa)));
        }
        expect(sim.received).toHaveLength(30);
        expect(sim.pEvents.some((e) => e.type === 'reset' || e.type === 'failed')).toBe(false);
      });
    }
  }

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`reordered (seed ${seed}): responses arrive in order, never twice; a reset is clean`, () => {
      const sim = new Sim({ ...client, ...wide, retries: 20 }, wide, { reorder: 0.15, seed });
      sim.connect();
      sim.respond = (r) => r.subarray(0, 8);
      let delivered = 0;
      for (let i = 0; i < 30; i++) {
        const req = bytesOf(60 + i * 29, seed * 100 + i);
        const res = sim.request(req, 20_000);
        if (res) {
          delivered++;
          expect(toHex(res)).toBe(toHex(req.subarray(0, 8)));
        } else {
          // The only acceptable way to lose a response is a reported link reset.
          expect(sim.pEvents.some((e) => e.type === 'reset')).toBe(true);
          sim.run(() => sim.p.state === 'connected');
        }
      }
      expect(delivered).toBeGreaterThan(20);
      expect(sim.p.state).toBe('connected');
    });
  }

  it('a lost final frame from the server is recovered by an RR poll after the timeout', () => {
    const sim = new Sim({ ...client, ...wide }, wide);
    sim.connect();
    sim.respond = () => bytesOf(1000, 9);
    let n = 0;
    sim.tamper = (dir, b) => {
      const f = decodeHdlcFrame(b);
      if (dir === 'toP' && f.control.type === 'i' && f.control.pf && n++ === 0) return [];
      return [b];
    };
    const res = sim.request(bytesOf(10, 1));
    expect(res && toHex(res)).toBe(toHex(bytesOf(1000, 9)));
    expect(sim.wire.some((w) => w.dir === 'toS' && w.frame.control.type === 'rr')).toBe(true);
  });
});

describe('conformance-style negative cases', () => {
  it('wrong N(S) to the secondary: discarded, RR with the expected N(R), link usable', () => {
    const s = connectedSecondary();
    const out = s.receive(frame({ type: 'i', ns: 1, nr: 0, pf: true }, Uint8Array.of(0xe6, 0xe6, 0, 1)), 0);
    expect(sent(out).map((f) => f.control)).toEqual([{ type: 'rr', nr: 0, pf: true }]);
    expect(errors(out.events)).toEqual([{ code: 'SEQUENCE_ERROR', action: 'rr' }]);
    const ok = s.receive(frame({ type: 'i', ns: 0, nr: 0, pf: true }, Uint8Array.of(0xe6, 0xe6, 0, 1)), 0);
    expect(ok.events).toContainEqual({ type: 'apdu', apdu: Uint8Array.of(1) });
  });

  it('wrong N(R) to the secondary: FRMR with Z, repeated on polls, SNRM recovers', () => {
    const s = connectedSecondary();
    const out = s.receive(frame({ type: 'i', ns: 0, nr: 3, pf: true }, Uint8Array.of(0xe6, 0xe6, 0, 1)), 0);
    const [f] = sent(out);
    expect(f!.control).toEqual({ type: 'frmr', pf: true });
    expect(decodeFrmrInfo(f!.information)).toMatchObject({
      rejectedControl: 0x70,
      z: true,
      w: false,
      vs: 0,
      vr: 0,
    });
    expect(errors(out.events)).toEqual([{ code: 'INVALID_NR', action: 'frmr' }]);
    expect(s.state).toBe('frame-reject');
    expect(sent(s.receive(frame({ type: 'rr', nr: 0, pf: true }), 0)).map((x) => x.control.type)).toEqual([
      'frmr',
    ]);
    s.receive(frame({ type: 'snrm', pf: true }), 0);
    expect(s.state).toBe('connected');
  });

  it('unknown control field to the secondary: FRMR with W', () => {
    const s = connectedSecondary();
    const out = s.receive(frame({ type: 'unknown', value: 0x19 }), 0); // REJ
    const [f] = sent(out);
    expect(decodeFrmrInfo(f!.information)).toMatchObject({ rejectedControl: 0x19, w: true });
    expect(errors(out.events)).toEqual([{ code: 'UNKNOWN_CONTROL', action: 'frmr' }]);
  });

  it('information field where none is allowed: FRMR with W and X', () => {
    const s = connectedSecondary();
    const [f] = sent(s.receive(frame({ type: 'rr', nr: 0, pf: true }, Uint8Array.of(1)), 0));
    expect(decodeFrmrInfo(f!.information)).toMatchObject({ w: true, x: true });
  });

  it('information field too long: FRMR with Y, DISC then resets cleanly', () => {
    const s = connectedSecondary({ maxInfoRx: 128 });
    const out = s.receive(frame({ type: 'i', ns: 0, nr: 0, pf: true }, new Uint8Array(129)), 0);
    expect(decodeFrmrInfo(sent(out)[0]!.information)).toMatchObject({ y: true });
    expect(errors(out.events)).toEqual([{ code: 'LIMIT_EXCEEDED', action: 'frmr' }]);
    expect(sent(s.receive(frame({ type: 'disc', pf: true }), 0)).map((x) => x.control.type)).toEqual(['ua']);
    expect(s.state).toBe('disconnected');
  });

  it('frames for other addresses are ignored with UNKNOWN_ADDRESS', () => {
    const s = new HdlcSecondary({ accept: (a) => a.upper === 1 });
    const other = decodeHdlcFrame(
      encodeHdlcFrame({
        destination: serverAddress(2, 17),
        source: C,
        control: { type: 'snrm', pf: true },
        segmented: false,
        information: new Uint8Array(0),
      }),
    );
    const out = s.receive(other, 0);
    expect(out.frames).toEqual([]);
    expect(errors(out.events)).toEqual([{ code: 'UNKNOWN_ADDRESS', action: 'ignored' }]);
    s.receive(frame({ type: 'snrm', pf: true }), 0);
    const fromOther = decodeHdlcFrame(
      encodeHdlcFrame({
        destination: S,
        source: clientAddress(1),
        control: { type: 'rr', nr: 0, pf: true },
        segmented: false,
        information: new Uint8Array(0),
      }),
    );
    expect(errors(s.receive(fromOther, 0).events)).toEqual([{ code: 'UNKNOWN_ADDRESS', action: 'ignored' }]);
    const p = new HdlcPrimary(client);
    p.connect(0);
    const wrong = decodeHdlcFrame(
      encodeHdlcFrame({
        destination: clientAddress(1),
        source: S,
        control: { type: 'ua', pf: true },
        segmented: false,
        information: new Uint8Array(0),
      }),
    );
    expect(errors(p.receive(wrong, 0).events)).toEqual([{ code: 'UNKNOWN_ADDRESS', action: 'ignored' }]);
    expect(p.state).toBe('connecting');
  });

  it('wrong N(R) to the primary: the link is reset with SNRM and works afterwards', () => {
    const sim = new Sim(client);
    sim.connect();
    sim.fromP(sim.p.send(Uint8Array.of(1), sim.now));
    // Before the server answers, a response with an impossible N(R) arrives.
    const out = sim.p.receive(
      frame({ type: 'i', ns: 0, nr: 5, pf: true }, Uint8Array.of(0xe6, 0xe7, 0, 1), false, false),
      sim.now,
    );
    expect(errors(out.events)).toEqual([{ code: 'INVALID_NR', action: 'reset' }]);
    expect(out.events).toContainEqual({ type: 'reset', reason: 'invalid-nr', droppedApdus: 1 });
    expect(sent(out).map((f) => f.control.type)).toEqual(['snrm']);
    sim.fromP(out);
    sim.run(() => sim.p.state === 'connected' && sim.s.state === 'connected');
    expect(sim.request(Uint8Array.of(7, 7))?.length).toBe(2);
  });

  it('wrong N(S) to the primary: a gap is answered with RR and the expected N(R); a duplicate is dropped', () => {
    const sim = new Sim({ ...client, ...wide }, wide);
    sim.connect();
    sim.fromP(sim.p.send(Uint8Array.of(1), sim.now));
    // N(S)=2 while 0 is expected: frames 0 and 1 were lost.
    const out = sim.p.receive(
      frame({ type: 'i', ns: 2, nr: 1, pf: true }, Uint8Array.of(0xe6, 0xe7, 0, 1), false, false),
      sim.now,
    );
    expect(errors(out.events)).toEqual([{ code: 'SEQUENCE_ERROR', action: 'rr' }]);
    expect(sent(out).map((f) => f.control)).toEqual([{ type: 'rr', nr: 0, pf: true }]);
    sim.fromP(out);
    sim.run(() => sim.received.length > 0);
    expect(toHex(sim.received[0]!)).toBe('01');
    // N(S)=0 again once V(R)=1: a copy of an accepted frame, dropped whole (its F bit is stale too).
    sim.fromP(sim.p.send(Uint8Array.of(2), sim.now));
    const dup = sim.p.receive(
      frame({ type: 'i', ns: 0, nr: 1, pf: true }, Uint8Array.of(0xe6, 0xe7, 0, 1), false, false),
      sim.now,
    );
    expect(errors(dup.events)).toEqual([{ code: 'SEQUENCE_ERROR', action: 'ignored' }]);
    expect(dup.frames).toEqual([]);
  });

  it('FRMR received by the primary: reset and usable', () => {
    const sim = new Sim(client);
    sim.connect();
    sim.fromP(sim.p.send(Uint8Array.of(1), sim.now));
    const out = sim.p.receive(
      frame({ type: 'frmr', pf: true }, Uint8Array.of(0x70, 0, 8), false, false),
      sim.now,
    );
    expect(errors(out.events)).toEqual([{ code: 'FRAME_REJECTED', action: 'reset' }]);
    sim.fromP(out);
    sim.run(() => sim.p.state === 'connected' && sim.s.state === 'connected');
    expect(sim.request(Uint8Array.of(3))?.length).toBe(1);
  });

  it('unknown control and unexpected frames to the primary are ignored', () => {
    const sim = new Sim(client);
    sim.connect();
    expect(
      errors(sim.p.receive(frame({ type: 'unknown', value: 0x19 }, undefined, false, false), 0).events),
    ).toEqual([{ code: 'UNKNOWN_CONTROL', action: 'ignored' }]);
    // A response while the primary holds the poll (e.g. a late duplicate).
    expect(
      errors(sim.p.receive(frame({ type: 'rr', nr: 0, pf: true }, undefined, false, false), 0).events),
    ).toEqual([{ code: 'UNEXPECTED_APDU', action: 'ignored' }]);
    expect(sim.p.state).toBe('connected');
    expect(sim.request(Uint8Array.of(3))?.length).toBe(1);
  });

  it('sending while disconnected is a typed error', () => {
    const p = new HdlcPrimary(client);
    expect(() => p.send(Uint8Array.of(1), 0)).toThrowError(
      expect.objectContaining({ code: 'CLOSED' }) as Error,
    );
    const s = new HdlcSecondary();
    expect(() => s.send(Uint8Array.of(1), 0)).toThrowError(
      expect.objectContaining({ code: 'CLOSED' }) as Error,
    );
  });
});
