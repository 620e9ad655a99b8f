/**
 * `dlms set <url> <class>/<obis>/<attr> <typed-json-value>`: writes one attribute. The value is the
 * typed JSON form of `dlms decode --json` (`{"type":"double-long-unsigned","value":5}`).
 */
import type { Command } from 'commander';
import { dataFromJson, type Data } from '@meteringlab/dlms-core';
import { formatAttributeTarget, type AttributeTarget } from '@meteringlab/cosem-objects';
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  UsageError,
  addCommonOptions,
  clientErrorLine,
  runSession,
  type CommandIo,
  type CommonOptions,
} from './client-common.js';
import { parseTargets } from './get.js';

/** Parses a typed JSON Data value given on the command line. */
export function parseTypedValue(text: string): Data {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(
      `not JSON: ${text} (a value is typed JSON, e.g. {"type":"long-unsigned","value":5})`,
    );
  }
  try {
    return dataFromJson(json);
  } catch (e) {
    throw new UsageError(`not a typed Data value: ${(e as Error).message}`);
  }
}

export function registerSet(program: Command, io: CommandIo, setCode: (c: number) => void): void {
  addCommonOptions(
    program
      .command('set')
      .summary('write an attribute of a meter')
      .description(
        'Write one COSEM attribute. The value is typed JSON, e.g. \'{"type":"double-long-unsigned","value":5}\'.',
      )
      .argument('<url>', 'the meter (see dlms get --help)')
      .argument('<target>', 'the attribute as <class>/<obis>/<attribute>')
      .argument('<value>', 'the value as typed JSON'),
  ).action(async (url: string, text: string, valueText: string, o: CommonOptions) => {
    let target: AttributeTarget;
    let value: Data;
    try {
      [target] = parseTargets([text]) as [AttributeTarget];
      value = parseTypedValue(valueText);
    } catch (e) {
      io.stderr.write(`dlms: ${clientErrorLine(e)} (see dlms set --help)\n`);
      return setCode(EXIT_USAGE);
    }
    setCode(
      await runSession(url, o, io, async (client) => {
        const result = await client.set(target, value);
        const t = formatAttributeTarget(target);
        if (o.json) io.stdout.write(JSON.stringify([{ target: t, result }], null, 2) + '\n');
        else io.stdout.write(`${t}: ${String(result)}\n`);
        return result === 'success' ? EXIT_OK : EXIT_FAILED;
      }),
    );
  });
}
