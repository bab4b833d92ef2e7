// Group commit of ClientUpdate as the app runs it (clientUpdateQueue): requests that arrive
// together share one transaction on both engines, and the semantics stay those of one
// request at a time — within a batch a failing request leaves the others intact, two
// requests claiming one phone give exactly one winner, a later request sees an earlier
// one's change, and a failed commit acknowledges nobody and stores nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { ENGINES } from '../../helpers/engines.ts';
import type { TestStore } from '../../helpers/engines.ts';
import { seededStore } from '../../helpers/app.ts';
import { CASHIER } from '../../helpers/fixtures.ts';
import { ctx } from '../../history/support.ts';
import { clientUpdateQueue } from '../../../src/participant/update/batch.ts';
import type { ClientUpdateQueue } from '../../../src/participant/update/batch.ts';
import type { ClientUpdateRequest } from '../../../src/participant/update/client-update.ts';
import { findParticipant, upsertParticipant } from '../../../src/participant/store/participants.ts';
import { addWebhook } from '../../../src/webhooks/store/webhooks.ts';

const FREE_PHONE = 79161234567;

for (const engine of ENGINES) {
  describe(`ClientUpdate group commit on ${engine}`, () => {
    let ts: TestStore;
    let updates: ClientUpdateQueue;
    before(async () => {
      ts = await seededStore(engine);
      updates = clientUpdateQueue(ts.store, ts.store.groupCommit);
    });
    after(async () => {
      await updates.idle();
      await ts.dispose();
    });

    /** Submits all requests in one turn of the event loop, so that they form one batch. */
    const together = async (reqs: ClientUpdateRequest[]) => {
      const before = { ...ts.store.groupCommit };
      const answers = await Promise.all(reqs.map((r) => updates.update(ctx(CASHIER), r)));
      const batches = ts.store.groupCommit.batches - before.batches;
      return { codes: answers.map((a) => ('ErrorCode' in a ? a.ErrorCode : 'forbidden')), batches };
    };
    const historyOf = async (id: number) =>
      (await ts.store.db.selectFrom('change_history').select('fields').where('participant_id', '=', id).orderBy('id').execute()).map((r) => JSON.parse(r.fields) as { Field: string; New: unknown }[]);

    it('concurrent requests are committed in fewer transactions than requests, in arrival order', async () => {
      const n = 40;
      const { codes, batches } = await together(Array.from({ length: n }, (_, i) => ({ Client: 1 + (i % 2), Patronymic: `P${i}` })));
      assert.deepEqual(codes, Array(n).fill(0));
      assert.ok(batches >= 1 && batches < n, `${batches} transactions for ${n} requests`);
      assert.equal((await findParticipant(ts.store.db, 1))!.patronymic, `P${n - 2}`);
      assert.equal((await findParticipant(ts.store.db, 2))!.patronymic, `P${n - 1}`);
      const h1 = await historyOf(1);
      assert.deepEqual(h1.slice(-n / 2).map((f) => f[0]!.New), Array.from({ length: n / 2 }, (_, i) => `P${2 * i}`), 'one history row per change, in order');
    });

    it('a request for a participant whose batch is in flight joins a later batch: no batch refused for a stale row', async () => {
      const before = { ...ts.store.groupCommit };
      const send = (reqs: ClientUpdateRequest[]) => reqs.map((r) => updates.update(ctx(CASHIER), r));
      const first = send([{ Client: 1, Patronymic: 'Первая-1' }]);
      await new Promise((resolve) => setImmediate(resolve)); // the first batch is under way
      const second = send([{ Client: 1, Patronymic: 'Вторая-1' }, { Client: 2, Patronymic: 'Вторая-2' }]);
      const answers = await Promise.all([...first, ...second]);
      assert.deepEqual(answers.map((a) => ('ErrorCode' in a ? a.ErrorCode : 'forbidden')), [0, 0, 0]);
      assert.equal(ts.store.groupCommit.retried, before.retried, 'no batch was refused and run again');
      assert.ok(ts.store.groupCommit.batches - before.batches >= 2);
      assert.equal((await findParticipant(ts.store.db, 1))!.patronymic, 'Вторая-1');
      assert.deepEqual((await historyOf(1)).slice(-2).map((f) => f[0]!.New), ['Первая-1', 'Вторая-1']);
    });

    it('a refused request in a batch leaves the others intact, and a later one sees an earlier change', async () => {
      const v1 = (await findParticipant(ts.store.db, 1))!.version;
      const { codes } = await together([
        { Client: 1, Name: 'Первый' },
        { Client: 1, Phone: 123, Surname: 'Никогда' },
        { Client: 99999 },
        { Client: 1, Surname: 'Второй' },
        { Client: 1, Name: 'Первый', Surname: 'Второй' },
      ]);
      assert.deepEqual(codes, [0, 6, 2, 0, 0]);
      const p1 = (await findParticipant(ts.store.db, 1))!;
      assert.equal(p1.name, 'Первый');
      assert.equal(p1.surname, 'Второй');
      assert.equal(p1.version, v1 + 2, 'two changes; the last request changed nothing');
      const h1 = await historyOf(1);
      assert.deepEqual(h1.slice(-2).map((f) => f.map((x) => x.Field)), [['Name'], ['Surname']]);
    });

    it('consent changes of a batch reach the ledger under their own history rows, and every event its delivery, in order', async () => {
      await addWebhook(ts.store.db, { operatorId: 1, url: 'http://127.0.0.1:9/unused', secret: 's' });
      try {
        const p1 = (await findParticipant(ts.store.db, 1))!;
        const p2 = (await findParticipant(ts.store.db, 2))!;
        const { codes } = await together([
          // A consent of a participant changed again later in the batch after one that is not.
          { Client: 2, Name: 'Без согласий' },
          { Client: 2, AllowEmail: !p2.allowEmail, AllowEmailOnlineCheque: !p2.allowEmailOnlineCheque },
          { Client: 1, AllowSms: !p1.allowSms },
          { Client: 1, AllowSms: !!p1.allowSms },
        ]);
        assert.deepEqual(codes, [0, 0, 0, 0]);
        const history = await ts.store.db.selectFrom('change_history').select(['id', 'participant_id', 'fields']).orderBy('id', 'desc').limit(4).execute();
        history.reverse();
        assert.deepEqual(history.map((h) => h.participant_id), [2, 2, 1, 1]);
        const ledger = await ts.store.db
          .selectFrom('consent_ledger')
          .select(['history_id', 'participant_id', 'consent', 'given'])
          .where('history_id', 'in', history.map((h) => h.id))
          .orderBy('id')
          .execute();
        const given = (v: unknown) => v === true || v === 1;
        assert.deepEqual(
          ledger.map((l) => [l.history_id, l.participant_id, l.consent, given(l.given)]).sort(),
          [
            [history[1]!.id, 2, 'AllowEmail', !p2.allowEmail],
            [history[1]!.id, 2, 'AllowEmailOnlineCheque', !p2.allowEmailOnlineCheque],
            [history[2]!.id, 1, 'AllowSms', !p1.allowSms],
            [history[3]!.id, 1, 'AllowSms', !!p1.allowSms],
          ].sort(),
        );
        const ledgerHistory = ledger.map((l) => l.history_id);
        assert.deepEqual(ledgerHistory, [...ledgerHistory].sort((a, b) => a - b), 'ledger rows in the order of their history rows');
        const events = await ts.store.db.selectFrom('change_events').select(['id', 'participant_id', 'payload']).orderBy('id', 'desc').limit(4).execute();
        events.reverse();
        assert.deepEqual(
          events.map((e) => JSON.parse(e.payload).Changes),
          history.map((h) => JSON.parse(h.fields)),
          'one event per history row, in the same order',
        );
        const deliveries = await ts.store.db.selectFrom('webhook_deliveries').select('event_id').where('event_id', 'in', events.map((e) => e.id)).orderBy('event_id').execute();
        assert.deepEqual(deliveries.map((d) => d.event_id), events.map((e) => e.id));
      } finally {
        await ts.store.db.deleteFrom('webhook_deliveries').execute();
        await ts.store.db.deleteFrom('webhooks').execute();
      }
    });

    it('two requests claiming one phone in one batch: exactly one winner', async () => {
      const { codes, batches } = await together([
        { Client: 1, Phone: FREE_PHONE, Name: 'Победитель' },
        { Client: 2, Phone: FREE_PHONE, Name: 'Проигравший' },
      ]);
      assert.equal(batches, 1);
      assert.deepEqual(codes, [0, 7]);
      assert.equal((await findParticipant(ts.store.db, 1))!.phone, FREE_PHONE);
      const p2 = (await findParticipant(ts.store.db, 2))!;
      assert.notEqual(p2.phone, FREE_PHONE);
      assert.notEqual(p2.name, 'Проигравший', 'the refused request wrote nothing');
    });

    it('a phone released earlier in a batch can be taken later in the same batch', async () => {
      const old1 = (await findParticipant(ts.store.db, 1))!.phone!;
      const { codes } = await together([
        { Client: 1, Phone: 79167654321 },
        { Client: 2, Phone: old1 },
      ]);
      assert.deepEqual(codes, [0, 0]);
      assert.equal((await findParticipant(ts.store.db, 1))!.phone, 79167654321);
      assert.equal((await findParticipant(ts.store.db, 2))!.phone, old1);
    });

    it('unique values a participant keeps through its change in a batch stay taken, an e-mail changed only in case too', async () => {
      const p1 = (await findParticipant(ts.store.db, 1))!;
      assert.ok(p1.phone !== null && p1.email !== null && p1.contragentId !== null);
      const retried = ts.store.groupCommit.retried;
      const { codes } = await together([
        { Client: 1, Name: 'Держатель', Email: p1.email.toUpperCase() },
        { Client: 2, Email: p1.email.toLowerCase() },
        { Client: 2, Phone: p1.phone },
        { Client: 2, ContragentId: p1.contragentId },
        { Client: 1, Email: p1.email },
      ]);
      assert.deepEqual(codes, [0, 9, 7, 12, 0]);
      // The rules answered so, not the database's unique constraints (a refused batch runs again).
      assert.equal(ts.store.groupCommit.retried, retried);
      assert.equal((await findParticipant(ts.store.db, 1))!.email, p1.email);
    });

    it('a claim committed by another transaction during the batch: the batch runs again, only that request is refused', async () => {
      await upsertParticipant(ts.store.db, { id: 50, operatorId: 1, name: 'Сосед' });
      const claimed = 79169990000;
      const retried = ts.store.groupCommit.retried;
      const other = await otherTransaction(ts);
      try {
        // Not yet committed: the batch's read cannot see it, its write waits for it.
        await other.run(`update participants set phone = ${claimed} where id = 50`);
        const pending = together([
          { Client: 1, Name: 'Раз' },
          { Client: 2, Phone: claimed, Name: 'Нельзя' },
          { Client: 1, Surname: 'Два' },
        ]);
        await other.waitUntilBlocking();
        await other.commit();
        const { codes } = await pending;
        assert.deepEqual(codes, [0, 7, 0]);
      } finally {
        await other.close();
      }
      assert.equal(ts.store.groupCommit.retried, retried + 1, 'the batch was refused as a whole once and run again');
      const p1 = (await findParticipant(ts.store.db, 1))!;
      assert.equal(p1.name, 'Раз');
      assert.equal(p1.surname, 'Два');
      const p2 = (await findParticipant(ts.store.db, 2))!;
      assert.notEqual(p2.phone, claimed);
      assert.notEqual(p2.name, 'Нельзя');
      assert.equal((await findParticipant(ts.store.db, 50))!.phone, claimed);
    });

    it('a participant changed by another transaction between the batch\'s read and write: no lost update', async () => {
      const before1 = (await findParticipant(ts.store.db, 1))!;
      const retried = ts.store.groupCommit.retried;
      const other = await otherTransaction(ts);
      try {
        // Not yet committed: the batch reads the old version, then its write waits for this commit.
        await other.run("update participants set patronymic = 'Другой', version = version + 1 where id = 1");
        const pending = together([
          { Client: 1, Name: 'Пакет' },
          { Client: 2, Name: 'Пакет-2' },
        ]);
        await other.waitUntilBlocking();
        await other.commit();
        const { codes } = await pending;
        assert.deepEqual(codes, [0, 0]);
      } finally {
        await other.close();
      }
      assert.equal(ts.store.groupCommit.retried, retried + 1, 'the stale batch was refused by its version check once and run again');
      const p1 = (await findParticipant(ts.store.db, 1))!;
      assert.equal(p1.patronymic, 'Другой', 'the other transaction\'s change survives');
      assert.equal(p1.name, 'Пакет');
      assert.equal(p1.version, before1.version + 2);
      assert.equal((await findParticipant(ts.store.db, 2))!.name, 'Пакет-2');
      const h1 = await historyOf(1);
      assert.deepEqual(h1.at(-1), [{ Field: 'Name', Old: before1.name, New: 'Пакет' }]);
    });

    // PostgreSQL only: there a trigger can make a write look stale, and a sequence can count
    // outside the rolled-back transactions. The retry itself is the same code on both engines.
    if (engine === 'postgres') it('a batch refused twice runs one request at a time', async () => {
      // The first two writes of participant 1 come out stale: their version NULL, as when the
      // version moved since the read.
      const db = ts.store.db;
      await sql`create sequence refuse_probe`.execute(db);
      await sql.raw(`create function refuse_twice() returns trigger language plpgsql as $$
        begin if nextval('refuse_probe') <= 2 then new.version := null; end if; return new; end $$`).execute(db);
      await sql`create trigger refuse_twice before update on participants for each row when (new.id = 1) execute function refuse_twice()`.execute(db);
      try {
        const before1 = (await findParticipant(db, 1))!;
        const retried = ts.store.groupCommit.retried;
        const { codes } = await together([
          { Client: 1, Name: 'Трижды' },
          { Client: 2, Name: 'Тоже' },
        ]);
        assert.deepEqual(codes, [0, 0]);
        assert.equal(ts.store.groupCommit.retried, retried + 2, 'refused as a batch twice, then run one by one');
        const p1 = (await findParticipant(db, 1))!;
        assert.equal(p1.name, 'Трижды');
        assert.equal(p1.version, before1.version + 1);
        assert.equal((await findParticipant(db, 2))!.name, 'Тоже');
        assert.deepEqual((await historyOf(1)).at(-1), [{ Field: 'Name', Old: before1.name, New: 'Трижды' }]);
        const { rows } = await sql<{ n: number }>`select count(distinct xmin::text)::int as n from participants where id in (1, 2)`.execute(db);
        assert.equal(rows[0]!.n, 2, 'each participant written by a transaction of its own');
      } finally {
        await sql`drop trigger refuse_twice on participants`.execute(db);
        await sql`drop function refuse_twice()`.execute(db);
        await sql`drop sequence refuse_probe`.execute(db);
      }
    });

    it('when the commit fails nobody in the batch is acknowledged and nothing is stored', async () => {
      // Fails at COMMIT, after every statement of the batch succeeded: PostgreSQL a deferred
      // constraint trigger, SQLite a deferred foreign key that a trigger breaks.
      const refuseAtCommit =
        engine === 'postgres'
          ? [
              sql`create function refuse_boom() returns trigger language plpgsql as $$
                begin if new.fields like '%BOOM%' then raise exception 'refused at commit'; end if; return null; end $$`,
              sql`create constraint trigger refuse_boom after insert on change_history
                deferrable initially deferred for each row execute function refuse_boom()`,
            ]
          : [
              sql`create table boom_guard (ref integer references participants (id) deferrable initially deferred)`,
              sql`create trigger refuse_boom after insert on change_history when new.fields like '%BOOM%'
                begin insert into boom_guard values (-1); end`,
            ];
      for (const statement of refuseAtCommit) await statement.execute(ts.store.db);
      try {
        const before1 = (await findParticipant(ts.store.db, 1))!;
        const before2 = (await findParticipant(ts.store.db, 2))!;
        const historyBefore = (await historyOf(1)).length + (await historyOf(2)).length;
        const outcomes = await Promise.allSettled([
          updates.update(ctx(CASHIER), { Client: 1, Name: 'Ничего' }),
          updates.update(ctx(CASHIER), { Client: 2, Name: 'BOOM' }),
          updates.update(ctx(CASHIER), { Client: 1, Surname: 'Ничего' }),
        ]);
        assert.deepEqual(
          outcomes.map((o) => o.status),
          ['rejected', 'rejected', 'rejected'],
        );
        assert.deepEqual(await findParticipant(ts.store.db, 1), before1);
        assert.deepEqual(await findParticipant(ts.store.db, 2), before2);
        assert.equal((await historyOf(1)).length + (await historyOf(2)).length, historyBefore);
      } finally {
        await sql`drop trigger refuse_boom ${sql.raw(engine === 'postgres' ? 'on change_history' : '')}`.execute(ts.store.db);
        if (engine === 'postgres') await sql`drop function refuse_boom()`.execute(ts.store.db);
        else await sql`drop table boom_guard`.execute(ts.store.db);
      }
    });
  });
}

interface OtherTransaction {
  run(statement: string): Promise<void>;
  /** Resolves once the batch's write waits for this transaction. */
  waitUntilBlocking(): Promise<void>;
  commit(): Promise<void>;
  close(): Promise<void>;
}

/** A write transaction of another connection (another process, as far as the store knows), begun and holding its locks. */
async function otherTransaction(ts: TestStore): Promise<OtherTransaction> {
  if (ts.store.engine === 'postgres') {
    const other = new pg.Client({ connectionString: ts.config.database });
    await other.connect();
    await other.query('begin');
    return {
      run: async (statement) => void (await other.query(statement)),
      waitUntilBlocking: () => waitForLockWait(ts),
      commit: async () => void (await other.query('commit')),
      close: () => other.end(),
    };
  }
  const other = new SQLite(ts.config.database);
  other.pragma('busy_timeout = 5000');
  // Holds SQLite's one write lock: the batch's write transaction waits for it (busy_timeout).
  other.exec('begin immediate');
  return {
    run: async (statement) => void other.exec(statement),
    // The batch reads at once, then its BEGIN IMMEDIATE waits in the store's thread, which
    // nothing shows from outside; the retried counter checked afterwards proves it happened.
    waitUntilBlocking: () => new Promise((r) => setTimeout(r, 300)),
    commit: async () => void other.exec('commit'),
    close: async () => void other.close(),
  };
}

/** Waits until some backend of the test database waits on a lock (the batch's UPDATE). */
async function waitForLockWait(ts: TestStore): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`.execute(ts.store.db);
    if (rows[0]!.n > 0) return;
    if (Date.now() > end) throw new Error('the batch never waited on the uncommitted claim');
    await new Promise((r) => setTimeout(r, 20));
  }
}
