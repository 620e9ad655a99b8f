/**
 * Disconnect control (class 70, version 0; Blue Book 4.5.8): the supply switch's state machine.
 *
 * States (control_state): 0 disconnected, 1 connected, 2 ready_for_reconnection; output_state is
 * true only when connected. Transitions (Blue Book figure of the class):
 *   a remote_reconnect  disconnected → ready_for_reconnection
 *   b remote_disconnect ready_for_reconnection → disconnected
 *   c remote_disconnect connected → disconnected
 *   d remote_reconnect  disconnected → connected
 *   e manual_reconnect  ready_for_reconnection → connected
 *   f manual_disconnect connected → ready_for_reconnection
 *   g local_disconnect  connected → ready_for_reconnection
 *   h local_reconnect   ready_for_reconnection → connected
 * control_mode selects the allowed transitions (table below; mode 0: always connected, no transition).
 * The mode table is the Blue Book's as reproduced in public DLMS libraries' documentation; for mode 6
 * those sources give remote reconnection "d" like mode 5, which we follow (not re-checked against the
 * Blue Book text).
 *
 * A trigger with no transition from the current state leaves the state as it is and still answers
 * `success` (e.g. remote_disconnect when already disconnected): a client repeating a command is not
 * refused. The application drives the physical switch from `onChange`, and reports manual and local
 * triggers (button, limiter) with {@link DisconnectControl.trigger}.
 */
import type { LogicalNameInput } from '../logical-name.js';
import { ACTION_SUCCESS, BaseObject, type MaybePromise } from './object.js';

/** control_state values. */
export type ControlState = 0 | 1 | 2;
export const DISCONNECTED: ControlState = 0;
export const CONNECTED: ControlState = 1;
export const READY_FOR_RECONNECTION: ControlState = 2;

/** Triggers of the state machine. */
export type DisconnectTrigger =
  | 'remote-disconnect'
  | 'remote-reconnect'
  | 'manual-disconnect'
  | 'manual-reconnect'
  | 'local-disconnect'
  | 'local-reconnect';

type Letter = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h';

const TRANSITIONS: Readonly<Record<Letter, readonly [DisconnectTrigger, ControlState, ControlState]>> = {
  a: ['remote-reconnect', DISCONNECTED, READY_FOR_RECONNECTION],
  b: ['remote-disconnect', READY_FOR_RECONNECTION, DISCONNECTED],
  c: ['remote-disconnect', CONNECTED, DISCONNECTED],
  d: ['remote-reconnect', DISCONNECTED, CONNECTED],
  e: ['manual-reconnect', READY_FOR_RECONNECTION, CONNECTED],
  f: ['manual-disconnect', CONNECTED, READY_FOR_RECONNECTION],
  g: ['local-disconnect', CONNECTED, READY_FOR_RECONNECTION],
  h: ['local-reconnect', READY_FOR_RECONNECTION, CONNECTED],
};

/** Allowed transitions per control_mode (Blue Book, class 70 attribute control_mode). */
const MODES: readonly (readonly Letter[])[] = [
  [],
  ['b', 'c', 'f', 'g', 'd', 'e'],
  ['b', 'c', 'f', 'g', 'a', 'e'],
  ['b', 'c', 'g', 'd', 'e'],
  ['b', 'c', 'g', 'a', 'e'],
  ['b', 'c', 'f', 'g', 'd', 'e', 'h'],
  ['b', 'c', 'g', 'd', 'e', 'h'],
];

/** Options of a {@link DisconnectControl}. */
export interface DisconnectControlOptions {
  /** Default 0.0.96.3.10.255. */
  readonly logicalName?: LogicalNameInput;
  /** control_mode 0–6. Default 1. */
  readonly controlMode?: number;
  /** Initial control_state. Default connected. */
  readonly controlState?: ControlState;
  /** Called after every state change, with the new output_state (drive the relay from here). */
  readonly onChange?: (
    state: ControlState,
    outputState: boolean,
    trigger: DisconnectTrigger,
  ) => MaybePromise<void>;
}

/** Disconnect control (class 70). */
export class DisconnectControl extends BaseObject {
  private state: ControlState;
  private mode: number;

  constructor(private readonly options: DisconnectControlOptions = {}) {
    super(70, 0, options.logicalName ?? '0.0.96.3.10.255');
    this.mode = options.controlMode ?? 1;
    this.state = this.mode === 0 ? CONNECTED : (options.controlState ?? CONNECTED);
    this.attributes.set(2, { get: () => ({ type: 'boolean', value: this.outputState }) });
    this.attributes.set(3, { get: () => ({ type: 'enum', value: this.state }) });
    this.attributes.set(4, {
      get: () => ({ type: 'enum', value: this.mode }),
      set: (v) => {
        if (v.type !== 'enum') return 'type-unmatched';
        if (v.value > 6) return 'other-reason';
        this.mode = v.value;
        return 'success';
      },
    });
    this.methods.set(1, async (p) => {
      if (p !== undefined && p.type !== 'integer') return { result: 'type-unmatched' };
      await this.trigger('remote-disconnect');
      return ACTION_SUCCESS;
    });
    this.methods.set(2, async (p) => {
      if (p !== undefined && p.type !== 'integer') return { result: 'type-unmatched' };
      await this.trigger('remote-reconnect');
      return ACTION_SUCCESS;
    });
  }

  /** control_state. */
  get controlState(): ControlState {
    return this.state;
  }

  /** output_state: true when connected. */
  get outputState(): boolean {
    return this.state === CONNECTED;
  }

  /** control_mode. */
  get controlMode(): number {
    return this.mode;
  }

  /**
   * Applies a trigger; returns true when it changed the state. Remote triggers come from methods 1
   * and 2; the application reports manual and local ones.
   */
  async trigger(t: DisconnectTrigger): Promise<boolean> {
    for (const letter of MODES[this.mode] ?? []) {
      const [trigger, from, to] = TRANSITIONS[letter];
      if (trigger === t && from === this.state) {
        this.state = to;
        await this.options.onChange?.(to, to === CONNECTED, t);
        return true;
      }
    }
    return false;
  }
}
