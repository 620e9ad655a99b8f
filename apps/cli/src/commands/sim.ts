/**
 * `dlms sim`: serve one simulated meter, or a fleet, over the wrapper on TCP and UDP and over HDLC on
 * TCP, with optional faults and periodic pushes. This module only turns the command line into
 * `startSimulator` options (`../sim-runtime.ts`), prints one line per listener, and waits for SIGINT
 * or SIGTERM to close everything. Exit codes: 0 after a clean shutdown, 1 when the profile is invalid
 * or a port cannot be bound, 2 for usage errors.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isDlmsError } from '@meteringlab/dlms-core';
import {
  simulatorOptionProblem,
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../sim-runtime.js';

/** Where the command writes (the CLI's streams; tests pass their own). */
export interface SimIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

/** Hooks for in-process callers (tests): told when the simulator runs, and a way to stop it. */
export interface SimHooks {
  /** Called once every listener is bound. */
  onStarted?(sim: RunningSimulator): void;
  /** When it aborts, the simulator shuts down as on SIGINT. */
  readonly signal?: AbortSignal;
}

const EXAMPLES = `
Examples:
  One meter (the default electricity meter) on the DLMS/COSEM port, wrapper over TCP:
    $ dlms sim --port 4059
    then, from another terminal, read its energy register with any DLMS client:
    client address 16 (public, no password), server address 1, OBIS 1.0.1.8.0.255 attribute 2.

  The same meter over HDLC on TCP and over UDP as well:
    $ dlms sim --port 4059 --hdlc-port 4060 --udp-port 4059

  Your own meter (objects, associations with passwords or HLS keys, pushes; see SIMULATOR.md):
    $ dlms sim --port 4059 --profile my-meter.json

  A fleet of 100 meters behind one port (server addresses 1..100 = destination wPorts):
    $ dlms sim --port 4059 --fleet 100
  or 10 meters on ports 5000..5009, each at server address 1:
    $ dlms sim --port 5000 --fleet 10 --fleet-mode ports

  A bad link: 50-200 ms latency, 5% of answers lost, 1% corrupted, 10% of associations refused,
  reproducible with a seed:
    $ dlms sim --port 4059 --latency 50-200 --drop 0.05 --corrupt 0.01 --reject 0.1 --seed 7

  Push the clock and the registers every 15 minutes to a head-end listening on TCP:
    $ dlms sim --port 4059 --push-to tcp://192.0.2.10:4059 --push-interval 900

Port 0 picks a free port; the lines printed at start say which. Stop with Ctrl-C.
Exit codes: 0 stopped cleanly, 1 invalid profile or port in use, 2 usage error.
`;

interface SimCliOptions {
  readonly port?: number;
  readonly hdlcPort?: number;
  readonly udpPort?: number;
  readonly host: string;
  readonly profile?: string;
  readonly fleet: number;
  readonly fleetMode: 'wports' | 'ports';
  readonly latency?: readonly [number, number];
  readonly drop?: number;
  readonly corrupt?: number;
  readonly reject?: number;
  readonly seed: number;
  readonly pushTo?: string;
  readonly pushInterval: number;
  readonly pushCiphered?: boolean;
  readonly quiet?: boolean;
  readonly directReads: boolean;
  readonly coalesceWrites: boolean;
}

class SimUsageError extends Error {}

function portArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n > 65535)
      throw new SimUsageError(`${name} must be a port number 0..65535, not ${v}`);
    return n;
  };
}

function probability(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
      throw new SimUsageError(`${name} must be a probability 0..1, not ${v}`);
    return n;
  };
}

function positiveInt(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min)
      throw new SimUsageError(`${name} must be an integer >= ${min}, not ${v}`);
    return n;
  };
}

function latency(v: string): readonly [number, number] {
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(v);
  if (m === null)
    throw new SimUsageError(`--latency must be milliseconds (50) or a range (50-200), not ${v}`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi < lo) throw new SimUsageError(`--latency ${v}: the range is inverted`);
  return [lo, hi];
}

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new SimUsageError(`--push-interval must be a number of seconds > 0, not ${v}`);
  return n;
}

/** Runs `dlms sim` with parsed options until SIGINT/SIGTERM (or `hooks.signal`); resolves to the exit code. */
export async function runSim(opts: SimCliOptions, io: SimIo, hooks: SimHooks = {}): Promise<number> {
  let profile: unknown;
  if (opts.profile !== undefined) {
    try {
      profile = JSON.parse(await readFile(opts.profile, 'utf8'));
    } catch (e) {
      io.stderr.write(`dlms: cannot read the profile ${opts.profile}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  const options: SimulatorOptions = {
    ...(profile === undefined ? {} : { profile }),
    host: opts.host,
    ...(opts.port === undefined ? {} : { port: opts.port }),
    ...(opts.hdlcPort === undefined ? {} : { hdlcPort: opts.hdlcPort }),
    ...(opts.udpPort === undefined ? {} : { udpPort: opts.udpPort }),
    fleet: opts.fleet,
    fleetMode: opts.fleetMode,
    faults: {
      seed: opts.seed,
      ...(opts.drop === undefined ? {} : { drop: opts.drop }),
      ...(opts.corrupt === undefined ? {} : { corrupt: opts.corrupt }),
      ...(opts.reject === undefined ? {} : { reject: opts.reject }),
      ...(opts.latency === undefined ? {} : { delayMs: opts.latency }),
    },
    ...(opts.pushTo === undefined ? {} : { pushTo: opts.pushTo, pushIntervalS: opts.pushInterval }),
    ...(opts.pushCiphered === true ? { pushCiphered: true } : {}),
    directReads: opts.directReads,
    coalesceWrites: opts.coalesceWrites,
  };
  const problem = simulatorOptionProblem(options);
  if (problem !== undefined) {
    io.stderr.write(`dlms: ${problem} (see dlms sim --help)\n`);
    return 2;
  }
  const log =
    opts.quiet === true ? () => undefined : (line: string) => void io.stderr.write(`dlms sim: ${line}\n`);
  let sim: RunningSimulator;
  try {
    sim = await startSimulator(options, log);
  } catch (e) {
    const text = isDlmsError(e) ? `${e.code}: ${e.message}` : (e as Error).message;
    io.stderr.write(`dlms: ${text}\n`);
    return 1;
  }
  for (const l of sim.listeners) io.stdout.write(`${l.line}\n`);
  hooks.onStarted?.(sim);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      hooks.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (hooks.signal?.aborted === true) stop();
    else hooks.signal?.addEventListener('abort', stop);
  });
  await sim.close();
  log(
    `stopped (${sim.stats.connections} connections, ${sim.stats.associations} associations, ${sim.stats.pushesSent} pushes sent)`,
  );
  return 0;
}

/**
 * Adds `dlms sim` to the program. `setCode` receives the exit code; bad option values are commander
 * `InvalidArgumentError`s (usage errors, exit code 2 in `main`).
 */
export function registerSimCommand(
  program: Command,
  io: SimIo,
  setCode: (code: number) => void,
  hooks: SimHooks = {},
): void {
  const usage =
    <T>(parse: (v: string) => T) =>
    (v: string): T => {
      try {
        return parse(v);
      } catch (e) {
        throw e instanceof SimUsageError ? new InvalidArgumentError(e.message) : e;
      }
    };
  program
    .command('sim')
    .summary('be a meter: serve simulated DLMS/COSEM meters over TCP, UDP and HDLC')
    .description(
      'Run one simulated meter, or a fleet of them, that DLMS/COSEM clients can associate with and read ' +
        '(GET, SET, ACTION, selective access on load profiles), for testing head-end systems, data ' +
        'concentrators and clients without hardware.\n\n' +
        'Without --profile the meter is a single electricity meter: server address 1, public client 16 ' +
        '(no authentication), clock 0.0.1.0.0.255, logical device name 0.0.42.0.0.255, active energy ' +
        'import 1.0.1.8.0.255 in Wh increasing by 1.5 kWh per hour, and a 15-minute load profile ' +
        '1.0.99.1.0.255 holding the last 24 hours. A profile (JSON, see SIMULATOR.md) defines other ' +
        'objects, LLS/HLS associations, ciphering keys and pushes.\n\n' +
        'Prints one line per listener, logs associations to stderr, stops on Ctrl-C (SIGINT) or SIGTERM.',
    )
    .addOption(
      new Option(
        '-p, --port <port>',
        'serve the wrapper (IEC 62056-47) over TCP on this port (0: any free port)',
      ).argParser(usage(portArg('--port'))),
    )
    .addOption(
      new Option('--hdlc-port <port>', 'serve HDLC (IEC 62056-46) over TCP on this port').argParser(
        usage(portArg('--hdlc-port')),
      ),
    )
    .addOption(
      new Option('--udp-port <port>', 'serve the wrapper over UDP on this port').argParser(
        usage(portArg('--udp-port')),
      ),
    )
    .addOption(
      new Option('--host <address>', 'address to listen on (0.0.0.0: every interface)').default('127.0.0.1'),
    )
    .addOption(
      new Option('--profile <file.json>', 'the meter(s) to simulate (default: one electricity meter)'),
    )
    .addOption(
      new Option('--fleet <n>', 'simulate n copies of the meter')
        .default(1)
        .argParser(usage(positiveInt('--fleet', 1))),
    )
    .addOption(
      new Option(
        '--fleet-mode <mode>',
        'wports: one port, meters at server addresses 1..n; ports: meter i on port+i',
      )
        .choices(['wports', 'ports'])
        .default('wports'),
    )
    .addOption(
      new Option(
        '--latency <ms>',
        'delay every answer by ms, or by a random time in a range like 50-200',
      ).argParser(usage(latency)),
    )
    .addOption(
      new Option('--drop <p>', 'probability (0..1) that an answer is never sent').argParser(
        usage(probability('--drop')),
      ),
    )
    .addOption(
      new Option('--corrupt <p>', 'probability that one byte of an answer is flipped').argParser(
        usage(probability('--corrupt')),
      ),
    )
    .addOption(
      new Option('--reject <p>', 'probability that an association request is rejected').argParser(
        usage(probability('--reject')),
      ),
    )
    .addOption(
      new Option('--seed <n>', 'seed of the random faults, for reproducible runs')
        .default(1)
        .argParser(usage(positiveInt('--seed', 0))),
    )
    .addOption(
      new Option(
        '--push-to <url>',
        'push the clock and registers to tcp://host:port or udp://host:port (DataNotification)',
      ),
    )
    .addOption(
      new Option('--push-interval <s>', 'seconds between pushes').default(60).argParser(usage(seconds)),
    )
    .addOption(
      new Option('--push-ciphered', 'cipher pushes with the profile keys (general-glo-ciphering, suite 0)'),
    )
    .addOption(new Option('-q, --quiet', 'do not log associations and errors to stderr'))
    .addOption(
      new Option(
        '--no-direct-reads',
        "wrapper TCP: read connections through Node's 'data' events (slower; to compare)",
      ),
    )
    .addOption(
      new Option(
        '--no-coalesce-writes',
        'wrapper TCP: write every answer at once instead of one write per connection per turn (to compare)',
      ),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (opts: SimCliOptions) => {
      setCode(await runSim(opts, io, hooks));
    });
}
