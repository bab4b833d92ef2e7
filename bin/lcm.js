#!/usr/bin/env node
// Entry point of the `lcm` command. The sources are TypeScript, run as a bundle of them
// (see bundle.js); LCM_TSX=1 runs them through the tsx loader instead, and so does a
// checkout whose bundle cannot be written (a read-only node_modules).
async function viaTsx() {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/lcm.ts');
}

if (process.env.LCM_TSX === '1') {
  await viaTsx();
} else {
  const { bundledEntry } = await import('./bundle.js');
  const entry = await bundledEntry();
  if (entry) {
    await import(entry);
  } else {
    process.stderr.write('lcm: cannot write node_modules/.cache/lcm; running the sources through tsx\n');
    await viaTsx();
  }
}
