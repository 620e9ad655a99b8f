/** Entry point of the `dlms` command. */
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`dlms: not built yet (${argv.join(' ')})\n`);
  return 1;
}
