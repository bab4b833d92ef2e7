import fs from 'node:fs';
import type { Command } from 'commander';
import { configFrom, databaseOption, withStore } from './common.ts';
import { parseFixtures, seed } from '../seed/fixtures.ts';

export function registerSeed(program: Command): void {
  databaseOption(program.command('seed').argument('<file>', 'fixtures file (JSON, see docs)').description('Load a fixtures file; running it twice leaves the same data.')).action(
    async (file: string, flags: { database?: string }) => {
      const fixtures = parseFixtures(fs.readFileSync(file, 'utf8'));
      const summary = await withStore(configFrom(flags), (store) => seed(store.db, store.engine, fixtures), { create: true });
      process.stdout.write(
        `Seeded ${summary.operators} operators, ${summary.partners} partners, ${summary.poses} POS, ${summary.sites} widgets, ${summary.managers} managers, ${summary.clients} participants.\n`,
      );
    },
  );
}
