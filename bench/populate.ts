// Benchmark databases: migrated and seeded as `lcm migrate` and `lcm seed` do, then filled with
// participants 1..n (Петров<i> Иван<i> with their search keys, phone 79000000000+i, an e-mail,
// a birthdate) and one history row each,
// in bulk SQL — one statement per table, in one transaction.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../src/db/store.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { seed } from '../src/seed/fixtures.ts';
import type { Fixtures } from '../src/seed/fixtures.ts';
import { ROOT, onCleanup } from './processes.ts';

export const MANAGER_LOGIN = 'bench';

function fixtures(password: string): Fixtures {
  return {
    operators: [{ Id: 1, Name: 'Bench loyalty' }],
    partners: [{ Id: 10, Operator: 1, Name: 'Bench chain' }],
    poses: [{ Code: 'MSK-001', Partner: 10, Name: 'Bench store' }],
    managers: [{ Login: MANAGER_LOGIN, Password: password, Operator: 1, Token: 5001, Partner: 10, PosCode: 'MSK-001', Roles: ['admin'] }],
  };
}

/** Migrates and seeds operator, partner, POS and the manager; returns the manager's password. */
async function migrateAndSeed(database: string): Promise<string> {
  const password = randomBytes(12).toString('base64url');
  const store = await openStore(database);
  try {
    await migrateToLatest(store.db);
    await seed(store.db, store.engine, fixtures(password));
  } finally {
    await store.close();
  }
  return password;
}

const HISTORY_FIELDS = `'[{"Field":"Phone","Old":null,"New":' || phone || '}]'`;

function fillSqlite(file: string, n: number): void {
  const db = new SQLite(file);
  try {
    const now = new Date().toISOString();
    db.transaction(() => {
      db.prepare(
        `insert into participants (id, operator_id, name, surname, name_key, surname_key, phone, email, email_key, birthdate, gender, allow_sms, allow_email, created_at, updated_at, version)
         with recursive s(i) as (select 1 union all select i + 1 from s where i < ?)
         select i, 1, 'Иван' || i, 'Петров' || i, 'иван' || i, 'петров' || i, 79000000000 + i, 'user' || i || '@example.ru', 'user' || i || '@example.ru', '1990-05-15', 1, 1, 0, ?, ?, 0 from s`,
      ).run(n, now, now);
      db.prepare(
        `insert into change_history (participant_id, operator_id, changed_at, initiator_kind, manager_login, manager_token, request_id, fields)
         select id, 1, ?, 'manager', '${MANAGER_LOGIN}', 5001, 'populate-' || id, ${HISTORY_FIELDS} from participants`,
      ).run(now);
    })();
  } finally {
    db.close();
  }
}

async function fillPostgres(url: string, n: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    // The rows are consistent by construction: skip the per-row foreign-key triggers (superuser only).
    const su = await client.query<{ su: string }>(`select current_setting('is_superuser') as su`);
    if (su.rows[0]?.su === 'on') await client.query('set local session_replication_role = replica');
    await client.query(
      `insert into participants (id, operator_id, name, surname, name_key, surname_key, phone, email, email_key, birthdate, gender, allow_sms, allow_email, created_at, updated_at, version)
       select i, 1, 'Иван' || i, 'Петров' || i, 'иван' || i, 'петров' || i, 79000000000 + i, 'user' || i || '@example.ru', 'user' || i || '@example.ru', date '1990-05-15', 1, true, false, now(), now(), 0
       from generate_series(1, $1::int) i`,
      [n],
    );
    await client.query(`select setval(pg_get_serial_sequence('participants', 'id'), $1::int)`, [n]);
    await client.query(
      `insert into change_history (participant_id, operator_id, changed_at, initiator_kind, manager_login, manager_token, request_id, fields)
       select id, 1, now(), 'manager', '${MANAGER_LOGIN}', 5001, 'populate-' || id, ${HISTORY_FIELDS} from participants`,
    );
    await client.query('commit');
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

/** Files whose change makes a cached database stale. */
const CACHE_INPUTS = [fileURLToPath(import.meta.url), path.join(ROOT, 'src/db/store.ts'), path.join(ROOT, 'src/db/sqlite.ts'), path.join(ROOT, 'src/seed/fixtures.ts'), path.join(ROOT, 'src/db/migrations')];

function cacheKey(n: number): string {
  const hash = createHash('sha256');
  for (const input of CACHE_INPUTS) {
    const files = fs.statSync(input).isDirectory() ? fs.readdirSync(input).sort().map((f) => path.join(input, f)) : [input];
    for (const f of files) hash.update(f).update(fs.readFileSync(f));
  }
  return `participants-${n}-${hash.digest('hex').slice(0, 12)}`;
}

/** Builds the database into the cache (kept between runs: 1M participants take ~15 s to write). */
async function cachedSqlite(n: number): Promise<{ file: string; password: string }> {
  const dir = path.join(os.tmpdir(), 'lcm-bench-cache');
  fs.mkdirSync(dir, { recursive: true });
  const key = cacheKey(n);
  const file = path.join(dir, `${key}.sqlite`);
  const passwordFile = path.join(dir, `${key}.password`);
  if (fs.existsSync(file) && fs.existsSync(passwordFile)) return { file, password: fs.readFileSync(passwordFile, 'utf8') };
  for (const f of fs.readdirSync(dir)) if (f.startsWith(`participants-${n}-`)) fs.rmSync(path.join(dir, f), { force: true });
  const building = `${file}.building`;
  const password = await migrateAndSeed(building);
  fillSqlite(building, n);
  fs.renameSync(building, file);
  fs.writeFileSync(passwordFile, password);
  return { file, password };
}

/**
 * A fresh SQLite file with n participants in a temporary directory (removed at clean-up):
 * a copy of a cached one unless `cache` is false.
 */
export async function sqliteDatabase(n: number, cache = true): Promise<{ file: string; password: string; remove: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-bench-'));
  const remove = onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'bench.sqlite');
  if (!cache) {
    const password = await migrateAndSeed(file);
    fillSqlite(file, n);
    return { file, password, remove };
  }
  const cached = await cachedSqlite(n);
  fs.copyFileSync(cached.file, file);
  return { file, password: cached.password, remove };
}

/** A fresh PostgreSQL database on the admin URL's server (dropped at clean-up) with n participants. */
export async function postgresDatabase(adminUrl: string, n: number): Promise<{ url: string; password: string; remove: () => Promise<void> }> {
  const name = `lcm_bench_${process.pid}_${Date.now()}`;
  const admin = async (text: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const remove = onCleanup(() => admin(`drop database if exists ${name} with (force)`));
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const password = await migrateAndSeed(url);
  await fillPostgres(url, n);
  return { url, password, remove };
}
