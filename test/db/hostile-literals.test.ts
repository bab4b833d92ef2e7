// Parameters written into the statement text as literals (src/db/pg-statements.ts: a
// serving store's statements that run on their own go as one simple query with their bound)
// must read back exactly as sent, whatever the value holds and whatever the server's
// standard_conforming_strings says: through a real ClientUpdate (the batch read, the batch
// write as a prepared statement with its profile rows, history and Idempotency-Key row as
// jsonb), and for every parameter type. Each store here bounds its statements, so every
// statement outside a transaction is inlined.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { ENGINES, createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { FIXTURES, CASHIER } from '../helpers/fixtures.ts';
import { postJson } from '../helpers/http.ts';
import { loadConfig } from '../../src/config.ts';
import { openStore } from '../../src/db/store.ts';
import type { Store } from '../../src/db/store.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { driverError } from '../../src/db/errors.ts';
import { seed } from '../../src/seed/fixtures.ts';
import { buildApp } from '../../src/http/app.ts';
import { servingStoreOptions } from '../../src/http/server.ts';

const URL = '/api/client/ClientUpdate';

/** Values that would end a literal early if it were quoted the wrong way for the server's setting. */
const HOSTILE = {
  Name: "O'Brien \\' ''); update participants set name = 'pwned'; --",
  Surname: "back\\slash \\\\ \\x41 \\u0041 E'\\'' end\\",
  Patronymic: '$$ $lcm_$ $1 $q$ dollar $$; select 1; $$',
  ContragentId: 'Ёлка 🎄 \u202e𝒜\u00a0x" "\'',
  Email: "o'brien\\$$x'--@example.ru",
};
const KEY = "it's-\\'-$$-$1-\"x\"";

async function setScs(database: TestDatabase, value: 'on' | 'off'): Promise<void> {
  const c = new pg.Client({ connectionString: database.direct });
  await c.connect();
  try {
    await c.query(`do $$ begin execute format('alter database %I set standard_conforming_strings = ${value}', current_database()); end $$`);
  } finally {
    await c.end();
  }
}

/** Reads with bound parameters on a plain connection of its own: nothing inlined. */
async function readDirect<T>(database: TestDatabase, text: string, values: unknown[]): Promise<T[]> {
  const c = new pg.Client({ connectionString: database.direct });
  await c.connect();
  try {
    return (await c.query(text, values)).rows as T[];
  } finally {
    await c.end();
  }
}

if (ENGINES.includes('postgres')) {
  for (const scs of ['on', 'off'] as const) {
    describe(`literals written into statements, standard_conforming_strings = ${scs}`, () => {
      let database: TestDatabase;
      let store: Store;
      let app: FastifyInstance;
      before(async () => {
        database = await createTestDatabase('postgres');
        await setScs(database, scs);
        const config = loadConfig({}, { jwtSecret: 'test-secret-0123456789abcdef0123456789', database: database.url } as never);
        assert.ok(config.dbTimeoutMs > 0, 'statements are bounded, so statements on their own are inlined');
        store = await openStore(config.database, servingStoreOptions(config));
        await migrateToLatest(store.db);
        await seed(store.db, store.engine, FIXTURES);
        app = await buildApp({ config, store, logger: false });
      });
      after(async () => {
        await app.close();
        await store.close();
        await database.drop();
      });

      it('the store sessions run with the setting under test', async () => {
        const { rows } = await sql<{ s: string }>`select current_setting('standard_conforming_strings') as s`.execute(store.db);
        assert.deepEqual(rows, [{ s: scs }]);
      });

      it('a ClientUpdate whose fields and Idempotency-Key hold quotes, backslashes, $$ and unicode stores them exactly', async () => {
        const request = { Client: 1, ...HOSTILE };
        const first = await postJson(app, URL, request, CASHIER, { 'idempotency-key': KEY });
        assert.equal(first.status, 200, first.body);
        assert.equal((first.json() as { ErrorCode: number }).ErrorCode, 0, first.body);

        const [p] = await readDirect<Record<string, unknown>>(database, 'select name, surname, patronymic, contragent_id, email from participants where id = $1', [1]);
        assert.deepEqual(p, { name: HOSTILE.Name, surname: HOSTILE.Surname, patronymic: HOSTILE.Patronymic, contragent_id: HOSTILE.ContragentId, email: HOSTILE.Email });
        const others = await readDirect<{ n: string }>(database, "select count(*)::text as n from participants where name = 'pwned'", []);
        assert.deepEqual(others, [{ n: '0' }]);

        // The history row (jsonb-borne text) holds the new values as sent.
        const [h] = await readDirect<{ fields: string }>(database, 'select fields from change_history where participant_id = $1 order by id desc limit 1', [1]);
        const changes = new Map((JSON.parse(h!.fields) as { Field: string; New: unknown }[]).map((f) => [f.Field, f.New]));
        for (const [field, value] of Object.entries(HOSTILE)) assert.equal(changes.get(field), value, field);

        // The key row, written inside the batch statement, and a retry answered from it.
        const keys = await readDirect<{ key: string }>(database, 'select key from idempotency_keys', []);
        assert.deepEqual(keys, [{ key: KEY }]);
        const historyCount = async () => (await readDirect<{ n: string }>(database, 'select count(*)::text as n from change_history where participant_id = $1', [1]))[0]!.n;
        const before = await historyCount();
        const retry = await postJson(app, URL, request, CASHIER, { 'idempotency-key': KEY });
        assert.equal(retry.status, 200);
        assert.equal(retry.body, first.body);
        assert.equal(await historyCount(), before, 'the retry was replayed, not applied again');

        // Read back through the service (GetClient's statement is inlined too).
        const got = await postJson(app, '/api/client/GetClient', { ClientID: 1 }, CASHIER);
        const data = (got.json() as { ClientData: Record<string, unknown> }).ClientData;
        assert.deepEqual(
          { Name: data.firstname, Surname: data.lastname, Patronymic: data.middlename, ContragentId: data.contragentid, Email: data.email },
          HOSTILE,
        );
      });

      it('a NUL is refused: by the rules in a ClientUpdate, as PostgreSQL refuses it in a parameter in the store', async () => {
        const refused = await postJson(app, URL, { Client: 2, Name: 'a\u0000b' }, CASHIER);
        assert.equal((refused.json() as { ErrorCode: number }).ErrorCode, 13);
        const err = await sql`select ${'a\u0000b'}::text as v`.execute(store.db).then(() => undefined, (e: unknown) => e);
        assert.equal((err as { code?: string }).code, '22021');
        assert.equal(driverError(err).kind, 'other');
        const [p] = await readDirect<{ name: string }>(database, 'select name from participants where id = $1', [2]);
        assert.ok(!p!.name.includes('\u0000'));
      });

      it('every parameter type reads back as sent: text, numbers, booleans, null, dates, arrays, jsonb, bytea', async () => {
        const date = new Date('2026-12-03T09:15:00.123Z');
        const texts = [...Object.values(HOSTILE), KEY, '', ' ', '\\', "'", '$', '$$', '$lcm_0$'];
        const doc = { q: texts, n: -1.5e-7, t: true, z: null };
        const bytes = Buffer.from([0, 39, 92, 36, 255]);
        const { rows } = await sql<Record<string, unknown>>`select
            ${texts}::text[] as arr,
            ${JSON.stringify(doc)}::jsonb as doc,
            ${-2147483648}::int as i, ${123.456}::numeric::text as num, ${1e21}::float8 as big,
            ${true}::boolean as yes, ${false}::boolean as no, ${null}::text as nothing,
            ${date}::timestamptz as at, ${'2001-02-03'}::date as day,
            ${bytes}::bytea as raw`.execute(store.db);
        assert.deepEqual(rows[0], {
          arr: texts,
          doc,
          i: -2147483648,
          num: '123.456',
          big: 1e21,
          yes: true,
          no: false,
          nothing: null,
          at: date.toISOString(),
          day: '2001-02-03',
          raw: bytes,
        });
        for (const v of texts) {
          const one = await sql<{ v: string }>`select ${v}::text as v`.execute(store.db);
          assert.deepEqual(one.rows, [{ v }]);
        }
      });
    });
  }
}
