/**
 * `dlms get <url> <class>/<obis>/<attr>...`: reads attributes (GET-with-list when several and the meter
 * allows it). A refused attribute is printed with its Data-Access-Result and makes the exit code 1.
 */
import type { Command } from 'commander';
import { formatAttributeTarget, parseAttributeTarget, type AttributeTarget } from '@meteringlab/cosem-objects';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, addCommonOptions, clientErrorLine, dataJson, dataText, runSession, type CommandIo, type CommonOptions } from './client-common.js';

const EXAMPLES = `
Examples:
  Energy register value and its scaler/unit over the TCP wrapper, public client:
    $ dlms get tcp://127.0.0.1:4059 3/1.0.1.8.0.255/2 3/1.0.1.8.0.255/3

  As JSON, management client 1 with a password, over HDLC on a serial port after a mode E sign-on:
    $ dlms get --json --auth low --password 00000000 "serial:///dev/ttyUSB0?mode=e&client=1" 8/0.0.1.0.0.255/2

  Ciphered, HLS-GMAC (the invocation counter is read over client 16 first), every APDU traced:
    $ dlms get --trace --auth hls-gmac --key <hex> --auth-key <hex> --system-title <hex> \\
        "tcp://meter:4059?client=1" 3/1.0.1.8.0.255/2

Exit codes: 0 read, 1 the meter refused an attribute, failed or did not answer, 2 usage error.
`;

/** Parses target arguments; a bad one is a usage error naming it. */
export function parseTargets(texts: readonly string[]): AttributeTarget[] {
  return texts.map((t) => {
    try {
      return parseAttributeTarget(t);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  });
}

export function registerGet(program: Command, io: CommandIo, setCode: (c: number) => void): void {
  addCommonOptions(
    program
      .command('get')
      .summary('read attributes of a meter')
      .description('Read COSEM attributes, each given as <class>/<obis>/<attribute>, e.g. 3/1.0.1.8.0.255/2.')
      .argument('<url>', 'the meter: tcp://host:4059, udp://host:4059, hdlc+tcp://host:port, serial:///dev/ttyUSB0?baud=9600&mode=e (client, server, physical as query parameters)')
      .argument('<targets...>', 'attributes as <class>/<obis>/<attribute>')
      .addHelpText('after', EXAMPLES),
  ).action(async (url: string, texts: string[], o: CommonOptions) => {
    let targets: AttributeTarget[];
    try {
      targets = parseTargets(texts);
    } catch (e) {
      io.stderr.write(`dlms: ${clientErrorLine(e)} (see dlms get --help)\n`);
      return setCode(EXIT_USAGE);
    }
    setCode(
      await runSession(url, o, io, async (client) => {
        const results = await client.get(targets);
        let refused = false;
        const json = results.map((r) => {
          const target = formatAttributeTarget(r.target);
          if (r.type === 'data') return { target, value: dataJson(r.data) };
          refused = true;
          return { target, error: r.result };
        });
        if (o.json) io.stdout.write(JSON.stringify(json, null, 2) + '\n');
        else {
          for (const r of results) {
            const t = formatAttributeTarget(r.target);
            io.stdout.write(r.type === 'data' ? `${t} = ${dataText(r.data)}\n` : `${t} ! ${String(r.result)}\n`);
          }
        }
        return refused ? EXIT_FAILED : EXIT_OK;
      }),
    );
  });
}
