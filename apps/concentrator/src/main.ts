/**
 * The `concentrator` command: options (commander), config file, environment, then
 * `startConcentrator`; graceful shutdown on SIGINT/SIGTERM. Returns the exit code.
 */
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { startConcentrator } from './concentrator.js';
import {
  ConfigError,
  DEFAULTS,
  loadObjectMap,
  readConfigFile,
  type ApiKeySpec,
  type ConcentratorConfig,
  type ConfigFile,
} from './config.js';
import { startDemo } from './demo.js';
import { BrokerError } from './mqtt-bus.js';

function portArg(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('a port number 0..65535');
  return n;
}

interface CliOptions {
  config?: string;
  mqttUrl?: string;
  embeddedBroker?: boolean;
  broker?: boolean;
  dlmsPort?: number;
  hdlcPort?: number;
  httpPort?: number;
  host?: string;
  dataDir?: string;
  databaseUrl?: string;
  apiKey?: string;
  objectMap?: string;
  clock?: 'reading' | 'concentrator';
  logLevel?: string;
  demo?: boolean;
}

/** Builds the command (exported for the help test). */
export function buildCommand(): Command {
  return new Command('concentrator')
    .description(
      'DLMS virtual concentrator: serves the latest MQTT reading of each water meter to any DLMS client.',
    )
    .addHelpText(
      'after',
      [
        '',
        'How it works:',
        '  Readings arrive as JSON on MQTT topic hes/reading/{tenant}/{device_eui}.',
        '  Each meter mapped to a logical address (1000-65534; HTTP API or dashboard)',
        '  is a DLMS logical device: connect to the DLMS port with that address as',
        '  destination wPort (server=...) and read volume, flow, battery, alarms, clock.',
        '',
        'Try it:',
        '  concentrator --demo',
        '  npx dlms get "tcp://127.0.0.1:4059?server=2001" 3/7.0.1.0.0.255/2',
        '  open http://127.0.0.1:8400/ (dashboard)',
      ].join('\n'),
    )
    .option('-c, --config <file>', 'JSON config file (associations, API keys, object map...; see README)')
    .option(
      '--mqtt-url <url>',
      `MQTT broker (default ${DEFAULTS.mqttUrl}; an in-process broker starts there when none answers)`,
    )
    .option('--embedded-broker', 'always run the in-process MQTT broker on the --mqtt-url port')
    .option('--no-broker', 'never run the in-process broker (wait for the one at --mqtt-url)')
    .option('--dlms-port <port>', `DLMS wrapper TCP port (default ${DEFAULTS.dlmsPort})`, portArg)
    .option('--hdlc-port <port>', 'also serve HDLC over TCP on this port (off by default)', portArg)
    .option('--http-port <port>', `HTTP API and dashboard port (default ${DEFAULTS.httpPort})`, portArg)
    .option('--host <address>', `address to listen on (default ${DEFAULTS.host})`)
    .option('--data-dir <dir>', `where the SQLite file and counters live (default ${DEFAULTS.dataDir})`)
    .option('--database-url <url>', 'PostgreSQL URL instead of SQLite (env DATABASE_URL)')
    .option('--api-key <key>', 'admin API key (read and write) for the HTTP API (env CONCENTRATOR_API_KEY)')
    .option('--object-map <name|file>', 'COSEM objects per meter: platform (default), water, or a JSON file')
    .option(
      '--clock <source>',
      'what the Clock shows: reading (time of the cached reading, default) or concentrator',
    )
    .option('--log-level <level>', 'trace, debug, info, warn, error (default info)')
    .option('--demo', 'map three demo meters (2001-2003) and publish demo readings every 3 s')
    .showHelpAfterError()
    .exitOverride();
}

/** Merges defaults, config file, environment and options. */
export async function resolveConfig(o: CliOptions, env: NodeJS.ProcessEnv): Promise<ConcentratorConfig> {
  const file: ConfigFile = o.config !== undefined ? await readConfigFile(o.config) : {};
  const map = await loadObjectMap(o.objectMap ?? file.objectMap ?? 'platform');
  const clock = o.clock ?? map.clock?.source ?? 'reading';
  if (clock !== 'reading' && clock !== 'concentrator')
    throw new ConfigError([`--clock ${String(clock)}: reading or concentrator`]);
  const adminKey = o.apiKey ?? env.CONCENTRATOR_API_KEY;
  const apiKeys: ApiKeySpec[] = [...(file.apiKeys ?? [])];
  if (adminKey !== undefined && adminKey !== '')
    apiKeys.push({ key: adminKey, scopes: ['read', 'write'], name: 'admin' });
  const { objectMap: _m, ...fileRest } = file;
  return {
    ...DEFAULTS,
    ...fileRest,
    objectMap: { ...map, clock: { ...map.clock, source: clock } },
    apiKeys,
    ...(o.mqttUrl !== undefined ? { mqttUrl: o.mqttUrl } : {}),
    ...(o.embeddedBroker === true
      ? { embeddedBroker: true }
      : o.broker === false
        ? { embeddedBroker: false }
        : {}),
    ...(o.dlmsPort !== undefined ? { dlmsPort: o.dlmsPort } : {}),
    ...(o.hdlcPort !== undefined ? { hdlcPort: o.hdlcPort } : {}),
    ...(o.httpPort !== undefined ? { httpPort: o.httpPort } : {}),
    ...(o.host !== undefined ? { host: o.host } : {}),
    ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
    databaseUrl: o.databaseUrl ?? (env.DATABASE_URL || undefined) ?? file.databaseUrl,
    ...(o.logLevel !== undefined ? { logLevel: o.logLevel } : {}),
    demo: o.demo === true,
  };
}

/** Runs the concentrator until SIGINT/SIGTERM; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const cmd = buildCommand();
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    // --help ends with exit code 0; a usage error (commander already printed it) is 2.
    return (e as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const opts = cmd.opts<CliOptions>();
  let config: ConcentratorConfig;
  try {
    config = await resolveConfig(opts, process.env);
  } catch (e) {
    process.stderr.write(`concentrator: ${(e as Error).message}\n`);
    return 2;
  }
  const log = pino({ level: config.logLevel });
  let c;
  try {
    c = await startConcentrator(config, log);
  } catch (e) {
    if (e instanceof BrokerError || e instanceof ConfigError) {
      log.error(e.message);
      process.stderr.write(`concentrator: ${e.message}\n`);
    } else {
      const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
      const inUse =
        err.code === 'EADDRINUSE' || err.cause?.code === 'EADDRINUSE' || /EADDRINUSE/.test(err.message);
      process.stderr.write(
        `concentrator: cannot start: ${err.message}${inUse ? ' (a port is in use: choose another with --dlms-port / --http-port / --hdlc-port)' : ''}\n`,
      );
    }
    return 1;
  }
  const stopDemo = config.demo ? await startDemo(c.store, c.mqttUrl, log) : undefined;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  process.stderr.write(
    `concentrator: DLMS on tcp://${host}:${c.ports.dlms}${c.ports.hdlc !== undefined ? `, HDLC on hdlc+tcp://${host}:${c.ports.hdlc}` : ''}, dashboard on http://${host}:${c.ports.http}/\n` +
      (config.demo
        ? `  try: npx dlms get "tcp://${host}:${c.ports.dlms}?server=2001" 3/7.0.1.0.0.255/2\n`
        : ''),
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down');
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  await stopDemo?.();
  await c.close();
  log.info('stopped');
  return 0;
}
