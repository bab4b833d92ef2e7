// Helpers shared by the commands: config from flags, and a store that is always closed.
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import type { Config, ConfigOverrides } from '../config.ts';
import { openStore } from '../db/store.ts';
import type { Store } from '../db/store.ts';
import { migrateToLatest } from '../db/migrate.ts';

export function databaseOption(cmd: Command): Command {
  return cmd.option('--database <path-or-url>', 'SQLite file or postgres:// URL (env LCM_DATABASE, default ./data/lcm.sqlite)');
}

export function configFrom(flags: ConfigOverrides): Config {
  return loadConfig(process.env, flags);
}

/** Opens the store, migrates it, runs `fn`, and closes the store whatever happens. */
export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config.database);
  try {
    await migrateToLatest(store.db);
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A failure the user caused: message on stderr, exit status 1, no stack trace. */
export class UsageError extends Error {}
