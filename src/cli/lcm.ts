// The `lcm` command line.
import { buildProgram } from './program.ts';
import { errorLine } from './common.ts';

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`lcm: ${errorLine(err)}\n`);
  process.exitCode = 1;
}
