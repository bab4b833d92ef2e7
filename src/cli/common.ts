// Helpers shared by the commands: config from flags, and a store that is always closed.
import fs from 'node:fs';
import type { Command } from 'commander';
import { isPostgresUrl, loadConfig } from '../config.ts';
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

export interface StoreUse {
  /** The command may create a database that does not exist yet (seed, import; serve and migrate open theirs directly). */
  create?: boolean;
}

/**
 * Opens the store, migrates it, runs `fn`, and closes the store whatever happens. Commands
 * that only read or administer refuse a SQLite file that does not exist: a mistyped
 * --database would otherwise create and migrate an empty database and report it empty.
 */
export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>, use: StoreUse = {}): Promise<T> {
  if (!use.create && !isPostgresUrl(config.database) && config.database !== ':memory:' && !fs.existsSync(config.database)) {
    throw new UsageError(`database ${config.database} does not exist (lcm serve, migrate, seed and client import create one; check --database or LCM_DATABASE)`);
  }
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

/** A participant id given on the command line: a positive integer, or "invalid id". */
export function participantIdArg(id: string): number {
  const n = Number(id);
  if (!/^\d+$/.test(id.trim()) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`invalid id: ${id}`);
  return n;
}

/**
 * The one line `lcm` prints for a failed command. PostgreSQL's "database does not exist"
 * is said as such, wherever it surfaced (opening, or the migration that ran first).
 */
export function errorLine(err: unknown): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === '3D000') return e.message;
  }
  return err instanceof Error ? err.message : String(err);
}
