// Registered statements that run on their own reach PostgreSQL as named prepared statements
// (parsed and planned once per connection); the ClientUpdate batch write is one of them, and
// answers the same. A connection that does not keep them (a pooler in transaction mode) turns
// them off, and no request sees the refusal.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ENGINES } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { seededStore } from '../helpers/app.ts';
import { CASHIER } from '../helpers/fixtures.ts';
import { ctx } from '../history/support.ts';
import { preparedName, prepareOnPostgres } from '../../src/db/prepared.ts';
import { clientUpdateQueue } from '../../src/participant/update/batch.ts';
import { findParticipant } from '../../src/participant/store/participants.ts';
import { openStore } from '../../src/db/store.ts';
import { loadConfig } from '../../src/config.ts';
import { servingStoreOptions } from '../../src/http/server.ts';

const preparedOnThisConnection = sql<{ statement: string }>`select statement from pg_prepared_statements where name like 'lcm\\_%'`;

if (ENGINES.includes('postgres')) {
  describe('named prepared statements on PostgreSQL', () => {
    let ts: TestStore;
    before(async () => {
      ts = await seededStore('postgres');
    });
    after(() => ts.dispose());

    it('a registered statement that runs on its own is prepared on its connection once, and gives the same answers', async () => {
      const statement = sql<{ n: number }>`select count(*)::int + 0 * ${1}::int as n from participants where operator_id = ${1}`.compile(ts.store.db);
      prepareOnPostgres(statement.sql);
      // A pool of one connection: the one whose prepared statements the test lists.
      const store = await openStore(ts.config.database, { ...servingStoreOptions(ts.config), poolSize: 1 });
      try {
        assert.ok(!(await preparedOnThisConnection.execute(store.db)).rows.some((r) => r.statement.includes(statement.sql)));
        const first = await store.db.executeQuery(statement);
        const second = await store.db.executeQuery(statement);
        assert.equal(first.rows.length, 1);
        assert.deepEqual(second.rows, first.rows);
        const after = (await preparedOnThisConnection.execute(store.db)).rows.map((r) => r.statement);
        assert.equal(after.filter((s) => s.includes(statement.sql)).length, 1);
        // Inside a transaction it goes unnamed: a refusal there could not be retried.
        await store.db.transaction().execute(async (tx) => {
          await sql`deallocate all`.execute(tx);
          assert.deepEqual((await tx.executeQuery(statement)).rows, first.rows);
          assert.deepEqual((await preparedOnThisConnection.execute(tx)).rows, []);
        });
      } finally {
        await store.close();
      }
    });

    it('an unregistered statement is not prepared', async () => {
      await ts.store.db.transaction().execute(async (tx) => {
        await sql`select 41 + ${1}::int as n`.execute(tx);
        const prepared = (await preparedOnThisConnection.execute(tx)).rows.map((r) => r.statement);
        assert.ok(!prepared.some((s) => s.includes('select 41')));
      });
    });

    it('the ClientUpdate batch write runs as a prepared statement, and batch after batch stores what it answers', async () => {
      // A pool of one connection: the one whose prepared statements the test lists.
      const store = await openStore(ts.config.database, { poolSize: 1 });
      try {
        const updates = clientUpdateQueue(store, store.groupCommit);
        for (let round = 1; round <= 3; round++) {
          const answers = await Promise.all([1, 2].map((id) => updates.update(ctx(CASHIER), { Client: id, Name: `Подготовлен-${round}-${id}` })));
          assert.deepEqual(answers.map((a) => ('ErrorCode' in a ? a.ErrorCode : 'forbidden')), [0, 0]);
          for (const id of [1, 2]) assert.equal((await findParticipant(store.db, id))!.name, `Подготовлен-${round}-${id}`);
        }
        await updates.idle();
        const prepared = (await preparedOnThisConnection.execute(store.db)).rows.map((r) => r.statement);
        assert.equal(prepared.filter((s) => s.includes('insert into webhook_deliveries')).length, 1, 'the batch write, prepared once');
      } finally {
        await store.close();
      }
    });

    it('a connection that lost the batch write\'s prepared statement (as on another server connection behind a pooler): the batch is sent again unnamed, answered, and named statements are off from then on', async () => {
      const refusals: unknown[] = [];
      const store = await openStore(ts.config.database, { ...servingStoreOptions(ts.config), poolSize: 1, onPreparedRefused: (err) => refusals.push(err) });
      try {
        const updates = clientUpdateQueue(store, store.groupCommit);
        const update = async (round: string) => {
          const answers = await Promise.all([1, 2].map((id) => updates.update(ctx(CASHIER), { Client: id, Name: `${round}-${id}` })));
          assert.deepEqual(answers.map((a) => ('ErrorCode' in a ? a.ErrorCode : 'forbidden')), [0, 0]);
          for (const id of [1, 2]) assert.equal((await findParticipant(store.db, id))!.name, `${round}-${id}`);
        };
        await update('Первый');
        assert.equal((await preparedOnThisConnection.execute(store.db)).rows.length, 1);
        await sql`deallocate all`.execute(store.db);
        await update('Второй');
        assert.equal(refusals.length, 1, 'told once');
        assert.equal((refusals[0] as { code?: string }).code, '26000');
        await update('Третий');
        await updates.idle();
        assert.equal(refusals.length, 1);
        assert.deepEqual((await preparedOnThisConnection.execute(store.db)).rows, [], 'not prepared again');
      } finally {
        await store.close();
      }
    });

    it('a name taken on the connection (another client prepared it on this server connection): refused, sent unnamed, the other statement never run', async () => {
      const statement = sql`update participants set name = ${'Занято'} where id = ${3}`.compile(ts.store.db);
      prepareOnPostgres(statement.sql);
      const name = preparedName(statement.sql)!;
      const refusals: unknown[] = [];
      const store = await openStore(ts.config.database, { ...servingStoreOptions(ts.config), poolSize: 1, onPreparedRefused: (err) => refusals.push(err) });
      try {
        await sql.raw(`prepare ${name} as delete from participants where id = 3`).execute(store.db);
        const result = await store.db.executeQuery(statement);
        assert.equal(result.numAffectedRows, 1n);
        assert.equal((refusals[0] as { code?: string }).code, '42P05');
        assert.equal((await findParticipant(store.db, 3))!.name, 'Занято');
      } finally {
        await store.close();
      }
    });

    it('with LCM_PG_PREPARED=off the batch write is sent unnamed (poolers that cannot keep prepared statements)', async () => {
      const config = loadConfig({ LCM_DATABASE: ts.config.database, LCM_PG_PREPARED: 'off' });
      assert.equal(config.pgPrepared, false);
      const store = await openStore(config.database, { ...servingStoreOptions(config), poolSize: 1 });
      try {
        const updates = clientUpdateQueue(store, store.groupCommit);
        const answers = await Promise.all([1, 2].map((id) => updates.update(ctx(CASHIER), { Client: id, Name: `Без подготовки-${id}` })));
        assert.deepEqual(answers.map((a) => ('ErrorCode' in a ? a.ErrorCode : 'forbidden')), [0, 0]);
        await updates.idle();
        for (const id of [1, 2]) assert.equal((await findParticipant(store.db, id))!.name, `Без подготовки-${id}`);
        assert.deepEqual((await preparedOnThisConnection.execute(store.db)).rows, []);
      } finally {
        await store.close();
      }
    });
  });
}
