/** Entry point of the concentrator. */
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`concentrator: not built yet (${argv.join(' ')})\n`);
  return 1;
}
