/** Entry point of the `mbus-gcm` command. */
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`mbus-gcm: not built yet (${argv.join(' ')})\n`);
  return 1;
}
