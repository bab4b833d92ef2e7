#!/usr/bin/env node
// Entry point of the `lcm` command. The sources are TypeScript, run as a bundle of them
// (see bundle.js); LCM_TSX=1 runs them through the tsx loader instead.
if (process.env.LCM_TSX === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/lcm.ts');
} else {
  const { bundledEntry } = await import('./bundle.js');
  await import(await bundledEntry());
}
