/**
 * `dlms action <url> <class>/<obis>/<method> [typed-json-param]`: invokes one method and prints its
 * result and return value.
 */
import type { Command } from 'commander';
import type { Data } from '@meteringlab/dlms-core';
import { formatMethodTarget, parseMethodTarget, type MethodTarget } from '@meteringlab/cosem-objects';
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
import { parseTypedValue } from './set.js';

export function registerAction(program: Command, io: CommandIo, setCode: (c: number) => void): void {
  addCommonOptions(
    program
      .command('action')
      .summary('invoke a method of a meter')
      .description(
        'Invoke one COSEM method, given as <class>/<obis>/<method>, with an optional typed JSON parameter.',
      )
      .argument('<url>', 'the meter (see dlms get --help)')
      .argument('<target>', 'the method as <class>/<obis>/<method>, e.g. 70/0.0.96.3.10.255/1')
      .argument('[parameter]', 'the parameter as typed JSON, e.g. {"type":"integer","value":0}'),
  ).action(async (url: string, text: string, paramText: string | undefined, o: CommonOptions) => {
    let target: MethodTarget;
    let parameters: Data | undefined;
    try {
      try {
        target = parseMethodTarget(text);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      parameters = paramText === undefined ? undefined : parseTypedValue(paramText);
    } catch (e) {
      io.stderr.write(`dlms: ${clientErrorLine(e)} (see dlms action --help)\n`);
      return setCode(EXIT_USAGE);
    }
    setCode(
      await runSession(url, o, io, async (client) => {
        const r = await client.action(target, parameters);
        const t = formatMethodTarget(target);
        const rp = r.returnParameters;
        if (o.json) {
          const ret =
            rp === undefined
              ? {}
              : rp.type === 'data'
                ? { returnValue: dataJson(rp.data) }
                : { returnError: rp.result };
          io.stdout.write(JSON.stringify([{ target: t, result: r.result, ...ret }], null, 2) + '\n');
        } else {
          const ret =
            rp === undefined
              ? ''
              : rp.type === 'data'
                ? ` = ${dataText(rp.data)}`
                : ` ! ${String(rp.result)}`;
          io.stdout.write(`${t}: ${String(r.result)}${ret}\n`);
        }
        return r.result === 'success' ? EXIT_OK : EXIT_FAILED;
      }),
    );
  });
}
