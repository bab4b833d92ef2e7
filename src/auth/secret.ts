// The HS256 secret: LCM_JWT_SECRET when set; otherwise generated once and kept where
// every process that serves this database finds it — a file beside the SQLite database,
// or the settings table on PostgreSQL (several processes share one database).
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Store } from '../db/store.ts';

export interface SecretLog {
  warn(message: string): void;
  info(message: string): void;
}

const SETTING_KEY = 'jwt_secret';

function generate(): string {
  return randomBytes(48).toString('base64url');
}

/** Where the generated secret of an SQLite database lives. */
export function secretFilePath(sqliteFile: string): string {
  return `${sqliteFile}.jwt-secret`;
}

function fromFile(file: string, log: SecretLog): string {
  const secret = generate();
  try {
    // 'wx': only one process ever creates it; a loser of the race reads the winner's.
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    log.warn(`LCM_JWT_SECRET is not set: generated a JWT secret and stored it in ${file} (mode 0600). Set LCM_JWT_SECRET in production.`);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const stored = fs.readFileSync(file, 'utf8').trim();
  if (stored === '') throw new Error(`The JWT secret file ${file} is empty; delete it or set LCM_JWT_SECRET`);
  log.info(`Using the JWT secret stored in ${file}`);
  return stored;
}

async function fromDatabase(store: Store, log: SecretLog): Promise<string> {
  const res = await store.db
    .insertInto('settings')
    .values({ key: SETTING_KEY, value: generate() })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  if (Number(res.numInsertedOrUpdatedRows ?? 0) > 0) {
    log.warn('LCM_JWT_SECRET is not set: generated a JWT secret and stored it in the database (settings table). Set LCM_JWT_SECRET in production.');
  }
  const row = await store.db.selectFrom('settings').select('value').where('key', '=', SETTING_KEY).executeTakeFirstOrThrow();
  return row.value;
}

export async function resolveJwtSecret(config: Config, store: Store, log: SecretLog): Promise<string> {
  if (config.jwtSecret !== undefined && config.jwtSecret !== '') return config.jwtSecret;
  if (store.engine === 'sqlite' && store.file !== undefined) return fromFile(secretFilePath(store.file), log);
  return fromDatabase(store, log);
}
