/**
 * `dlms objects <url>`: the object list of the association (Association LN attribute 2, or the
 * Association SN list) as a table: class id and name, version, logical name, known name, attribute
 * access (with a legend of the access letters under the table).
 */
import type { Command } from 'commander';
import {
  className,
  obisName,
  readObjectList,
  type ObjectListEntry,
  type ShortNameObjectListEntry,
} from '@meteringlab/cosem-objects';
import {
  EXIT_OK,
  addCommonOptions,
  runSession,
  type CommandIo,
  type CommonOptions,
} from './client-common.js';

const ACCESS_LETTER: Readonly<Record<string, string>> = {
  'no-access': '-',
  'read-only': 'r',
  'write-only': 'w',
  'read-and-write': 'rw',
  'authenticated-read-only': 'R',
  'authenticated-write-only': 'W',
  'authenticated-read-and-write': 'RW',
};

/** Printed under the table: what the access letters mean, and how to read an attribute. */
const ACCESS_LEGEND =
  '\nattributes: <index>:<access>, r read, w write, rw read and write, R W RW the same after authentication, - no access\n' +
  'read one: dlms get <url> <class>/<logical name>/<index>, e.g. dlms get <url> 3/1.0.1.8.0.255/2\n';

function accessText(e: ObjectListEntry): string {
  return e.accessRights.attributes
    .map(
      (a) => `${a.index}:${typeof a.access === 'number' ? a.access : (ACCESS_LETTER[a.access] ?? a.access)}`,
    )
    .join(' ');
}

/** Pads the columns of rows to a plain-text table. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return (
    rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') +
    '\n'
  );
}

export function registerObjects(program: Command, io: CommandIo, setCode: (c: number) => void): void {
  addCommonOptions(
    program
      .command('objects')
      .summary('list the objects a meter exposes')
      .description('Print the object list of the association as a table (or JSON with --json).')
      .argument('<url>', 'the meter (see dlms get --help)'),
  ).action(async (url: string, o: CommonOptions) => {
    setCode(
      await runSession(url, o, io, async (client) => {
        const list = await readObjectList(client);
        if (o.json) {
          io.stdout.write(JSON.stringify(list, null, 2) + '\n');
          return EXIT_OK;
        }
        const first = list[0];
        if (first !== undefined && 'baseName' in first) {
          const rows = (list as ShortNameObjectListEntry[]).map((e) => [
            `0x${e.baseName.toString(16).padStart(4, '0')}`,
            String(e.classId),
            className(e.classId) ?? '',
            String(e.version),
            e.logicalName,
            obisName(e.logicalName) ?? '',
          ]);
          io.stdout.write(
            table([['base', 'class', 'class name', 'version', 'logical name', 'name'], ...rows]),
          );
        } else {
          const rows = (list as ObjectListEntry[]).map((e) => [
            String(e.classId),
            className(e.classId) ?? '',
            String(e.version),
            e.logicalName,
            obisName(e.logicalName) ?? '',
            accessText(e),
          ]);
          io.stdout.write(
            table([['class', 'class name', 'version', 'logical name', 'name', 'attributes'], ...rows]),
          );
          io.stdout.write(ACCESS_LEGEND);
        }
        return EXIT_OK;
      }),
    );
  });
}
