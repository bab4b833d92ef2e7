// Commands and flags of `lcm`. Each command opens the store from the same config rules
// as the server: flags win over environment variables, which win over defaults.
import { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { registerServe } from './serve.ts';
import { registerMigrate } from './migrate.ts';
import { registerSeed } from './seed.ts';
import { registerClient } from './client.ts';
import { registerManager } from './manager.ts';
import { registerWebhook } from './webhook.ts';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('lcm')
    .description('Participant-profile service of the loyalty program (LCManager Partner API compatible).')
    .version(pkg.version, '-V, --version', 'print the version')
    .showHelpAfterError();
  registerServe(program);
  registerMigrate(program);
  registerSeed(program);
  registerClient(program);
  registerManager(program);
  registerWebhook(program);
  return program;
}
