// The `lcm` command line.
import { buildProgram } from './program.ts';

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`lcm: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
