#!/usr/bin/env node
// Entry point of the `lcm` command: the sources are TypeScript, loaded through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/lcm.ts');
