// Registered statements reach PostgreSQL as named prepared statements (parsed and planned
// once per connection); the ClientUpdate batch write is one of them, and answers the same.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ENGINES } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { seededStore } from '../helpers/app.ts';
import { CASHIER } from '../helpers/fixtures.ts';
import { ctx } from '../history/support.ts';
import { prepareOnPostgres } from '../../src/db/prepared.ts';
import { clientUpdateQueue } from '../../src/participant/update/batch.ts';
import { findParticipant } from '../../src/participant/store/participants.ts';
import { openStore } from '../../src/db/store.ts';
import { loadConfig } from '../../src/config.ts';
import { servingStoreOptions } from '../../src/http/server.ts';

const preparedOnThisConnection = sql<{ statement: string }>`select statement from pg_prepared_statements where name like 'lcm_prepared_%'`;

if (ENGINES.includes('postgres')) {
  describe('named prepared statements on PostgreSQL', () => {
    let ts: TestStore;
    before(async () => {
      ts = await seededStore('postgres');
    });
    after(() => ts.dispose());

    it('a registered statement is prepared on the connection that runs it, once, and gives the same answers', async () => {
      const statement = sql<{ n: number }>`select count(*)::int + 0 * ${1}::int as n from participants where operator_id = ${1}`.compile(ts.store.db);
      prepareOnPostgres(statement.sql);
      // One transaction: one connection, so its prepared statements can be listed.
      await ts.store.db.transaction().execute(async (tx) => {
        const before = (await preparedOnThisConnection.execute(tx)).rows.map((r) => r.statement);
        assert.ok(!before.includes(statement.sql));
        const first = await tx.executeQuery(statement);
        const second = await tx.executeQuery(statement);
        assert.deepEqual(second.rows, first.rows);
        const after = (await preparedOnThisConnection.execute(tx)).rows.map((r) => r.statement);
        assert.equal(after.filter((s) => s === statement.sql).length, 1);
      });
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
