/**
 * `dlms get <url> <class>/<obis>/<attr>...`: reads attributes (GET-with-list when several and the meter
 * allows it) and prints each one readably (see `get-view.ts`): a register value is read together with
 * its scaler_unit and printed scaled with its unit beside the raw value and scaler. `--raw` prints the
 * typed values only, as received, and reads nothing more. A refused attribute is printed with its
 * Data-Access-Result and makes the exit code 1 (a refused scaler_unit the user did not ask for does not).
 */
import type { Command } from 'commander';
import {
  formatAttributeTarget,
  parseAttributeTarget,
  scalerUnitFromData,
  type AttributeResult,
  type AttributeTarget,
} from '@meteringlab/cosem-objects';
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  UsageError,
  addCommonOptions,
  clientErrorLine,
  dataJson,
  dataText,
  runSession,
  type CommandIo,
  type CommonOptions,
} from './client-common.js';
import { attributeView, scalerUnitAttributeOf } from './get-view.js';

const EXAMPLES = `
Examples:
  Energy register value over the TCP wrapper, public client (its scaler_unit is read too):
    $ dlms get tcp://127.0.0.1:4059 3/1.0.1.8.0.255/2
    1-0:1.8.0.255 (Active energy import (+A), total) attr 2 value: 12345.6 Wh  (raw 123456, scaler -1, unit Wh)

  The value exactly as the meter sent it, and the meter's logical device name:
    $ dlms get --raw tcp://127.0.0.1:4059 3/1.0.1.8.0.255/2 1/0.0.42.0.0.255/2

  As JSON, management client 1 with a password, over HDLC on a serial port after a mode E sign-on:
    $ dlms get --json --auth low --password 00000000 "serial:///dev/ttyUSB0?mode=e&client=1" 8/0.0.1.0.0.255/2

  Ciphered, HLS-GMAC (the invocation counter is read over client 16 first), every APDU traced:
    $ dlms get --trace --auth hls-gmac --key <hex> --auth-key <hex> --system-title <hex> \\
        "tcp://meter:4059?client=1" 3/1.0.1.8.0.255/2

Exit codes: 0 read, 1 the meter refused an attribute, failed or did not answer, 2 usage error.
`;

interface GetOptions extends CommonOptions {
  readonly raw?: boolean;
}

/** `--raw`: each attribute as `<target> = <type> <value>` (or `! <result>`), JSON as `{target, value}`. */
function printRaw(results: readonly AttributeResult[], o: GetOptions, io: CommandIo): number {
  if (o.json) {
    const json = results.map((r) => {
      const target = formatAttributeTarget(r.target);
      return r.type === 'data' ? { target, value: dataJson(r.data) } : { target, error: r.result };
    });
    io.stdout.write(JSON.stringify(json, null, 2) + '\n');
  } else {
    for (const r of results) {
      const t = formatAttributeTarget(r.target);
      io.stdout.write(r.type === 'data' ? `${t} = ${dataText(r.data)}\n` : `${t} ! ${String(r.result)}\n`);
    }
  }
  return results.some((r) => r.type !== 'data') ? EXIT_FAILED : EXIT_OK;
}

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
      .argument(
        '<url>',
        'the meter: tcp://host:4059, udp://host:4059, hdlc+tcp://host:port, serial:///dev/ttyUSB0?baud=9600&mode=e (client, server, physical as query parameters)',
      )
      .argument('<targets...>', 'attributes as <class>/<obis>/<attribute>')
      .option(
        '--raw',
        'print only the typed values as received (no scaler_unit read, no date-time or text form)',
      )
      .addHelpText('after', EXAMPLES),
  ).action(async (url: string, texts: string[], o: GetOptions) => {
    let targets: AttributeTarget[];
    try {
      targets = parseTargets(texts);
    } catch (e) {
      io.stderr.write(`dlms: ${clientErrorLine(e)} (see dlms get --help)\n`);
      return setCode(EXIT_USAGE);
    }
    setCode(
      await runSession(url, o, io, async (client) => {
        if (o.raw) return printRaw(await client.get(targets), o, io);
        // Register values are read with their scaler_unit in the same request (with-list when the
        // meter negotiated multiple-references, else one GET after the other: DlmsClient decides).
        const keys = targets.map(formatAttributeTarget);
        const extra: AttributeTarget[] = [];
        for (const t of targets) {
          const su = scalerUnitAttributeOf(t.classId, t.attribute);
          if (su === undefined) continue;
          const s: AttributeTarget = { classId: t.classId, logicalName: t.logicalName, attribute: su };
          const k = formatAttributeTarget(s);
          if (!keys.includes(k)) {
            keys.push(k);
            extra.push(s);
          }
        }
        const all = await client.get([...targets, ...extra]);
        const byKey = new Map(all.map((r, i) => [keys[i]!, r]));
        const results = all.slice(0, targets.length);
        const views = results.map((r) => {
          const su = scalerUnitAttributeOf(r.target.classId, r.target.attribute);
          if (su === undefined) return attributeView(r);
          const s = byKey.get(formatAttributeTarget({ ...r.target, attribute: su }));
          if (s === undefined) return attributeView(r);
          return attributeView(r, s.type === 'data' ? scalerUnitFromData(s.data) : s.result);
        });
        if (o.json)
          io.stdout.write(
            JSON.stringify(
              views.map((v) => v.json),
              null,
              2,
            ) + '\n',
          );
        else for (const v of views) io.stdout.write(v.lines.join('\n') + '\n');
        return results.some((r) => r.type !== 'data') ? EXIT_FAILED : EXIT_OK;
      }),
    );
  });
}
