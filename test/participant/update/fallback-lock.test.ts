// PostgreSQL: the one-by-one fallback (updateClientInTransaction, a batch of one) locks its
// participant before reading it. Two fallbacks change different fields of one participant;
// the first is held inside its transaction (a trigger on its history row waits for an
// advisory lock the test holds) while the second starts. With the row lock the second waits
// for the first's commit, reads the row afresh, and both changes survive with consecutive
// versions. Without it the second reads the old row and its write is refused as stale.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import { seededStore } from '../../helpers/app.ts';
import type { TestStore } from '../../helpers/engines.ts';
import { CASHIER } from '../../helpers/fixtures.ts';
import { ctx } from '../../history/support.ts';
import { updateClientInTransaction } from '../../../src/participant/update/batch.ts';
import { findParticipant } from '../../../src/participant/store/participants.ts';

const HOLD = 4242;

describe('the one-by-one fallback locks its participant on postgres', { skip: process.env.LCM_TEST_PG ? false : 'needs LCM_TEST_PG' }, () => {
  let ts: TestStore;
  let other: pg.Client;
  before(async () => {
    ts = await seededStore('postgres');
    other = new pg.Client({ connectionString: ts.config.database });
    await other.connect();
    await sql.raw(`create function hold_first() returns trigger language plpgsql as $$
      begin perform pg_advisory_xact_lock_shared(${HOLD}); return new; end $$`).execute(ts.store.db);
    await sql`create trigger hold_first before insert on change_history for each row when (new.fields like '%Первый%') execute function hold_first()`.execute(ts.store.db);
  });
  after(async () => {
    await other.end();
    await ts.dispose();
  });

  /** Waits until some backend of the database waits on a lock of this kind. */
  const waitingOn = async (advisory: boolean) => {
    const end = Date.now() + 10_000;
    for (;;) {
      const { rows } = await other.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and (wait_event = 'advisory') = $1`,
        [advisory],
      );
      if (rows[0]!.n > 0) return;
      if (Date.now() > end) throw new Error(`nobody waited on ${advisory ? 'the advisory lock' : 'a row lock'}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('two fallbacks changing different fields of one participant: both changes survive, versions consecutive', async () => {
    const before1 = (await findParticipant(ts.store.db, 1))!;
    await other.query('select pg_advisory_lock($1)', [HOLD]);
    let released = false;
    try {
      const first = updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 1, Name: 'Первый' });
      await waitingOn(true); // the first has written the participant and holds its transaction open
      const second = updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 1, Surname: 'Второй' });
      await waitingOn(false); // the second waits for the first's row: at its lock (or, unlocked, at its write)
      await other.query('select pg_advisory_unlock($1)', [HOLD]);
      released = true;
      const answers = await Promise.allSettled([first, second]);
      assert.deepEqual(answers, [
        { status: 'fulfilled', value: { ErrorCode: 0, Message: '' } },
        { status: 'fulfilled', value: { ErrorCode: 0, Message: '' } },
      ]);
    } finally {
      if (!released) await other.query('select pg_advisory_unlock($1)', [HOLD]);
    }
    const p1 = (await findParticipant(ts.store.db, 1))!;
    assert.equal(p1.name, 'Первый');
    assert.equal(p1.surname, 'Второй', 'the second change was made on the row the first wrote');
    assert.equal(p1.version, before1.version + 2);
    const history = await ts.store.db.selectFrom('change_history').select('fields').where('participant_id', '=', 1).orderBy('id').execute();
    assert.deepEqual(
      history.slice(-2).map((h) => JSON.parse(h.fields)),
      [[{ Field: 'Name', Old: before1.name, New: 'Первый' }], [{ Field: 'Surname', Old: before1.surname, New: 'Второй' }]],
    );
  });
});
