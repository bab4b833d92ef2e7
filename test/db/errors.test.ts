// The one reader of driver errors (src/db/errors.ts): real errors of both engines turn into
// the typed outcomes the callers act on — a unique violation naming its constraint, a stale
// batch write, a retryable conflict, the database unavailable — and anything else stays 'other'.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import { driverError } from '../../src/db/errors.ts';
import { DatabaseTimeout } from '../../src/db/deadline.ts';
import { clashedUniqueField } from '../../src/participant/store/updates.ts';
import { seededStore } from '../helpers/app.ts';
import { ENGINES } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';

async function caught(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  return assert.fail('expected a failure');
}

for (const engine of ENGINES) {
  describe(`driverError on ${engine}`, () => {
    let ts: TestStore;
    before(async () => {
      ts = await seededStore(engine);
    });
    after(async () => {
      await ts.dispose();
    });

    it('a unique index refusing a write: unique-violation naming the index, the profile field read from it', async () => {
      const [a, b] = await ts.store.db.selectFrom('participants').select(['id', 'phone']).where('phone', 'is not', null).where('operator_id', '=', 1).orderBy('id').limit(2).execute();
      assert.ok(a && b, 'two participants of operator 1 with a phone');
      const err = await caught(() => ts.store.db.updateTable('participants').set({ phone: a.phone }).where('id', '=', b.id).execute());
      const failure = driverError(err);
      assert.equal(failure.kind, 'unique-violation');
      assert.match(failure.kind === 'unique-violation' ? failure.constraint : '', /phone/);
      assert.equal(clashedUniqueField(err), 'phone');
    });

    it('a card number taken twice: unique-violation of the cards index', async () => {
      const card = { number: 2_000_000_000_001, operator_id: 1, participant_id: null, status: 0 };
      await ts.store.db.insertInto('cards').values(card).execute();
      const err = await caught(() => ts.store.db.insertInto('cards').values(card).execute());
      const failure = driverError(err);
      assert.equal(failure.kind, 'unique-violation');
      assert.match(failure.kind === 'unique-violation' ? failure.constraint : '', /cards/);
      assert.equal(clashedUniqueField(err), undefined, 'no profile field');
    });

    it("a write whose version check yields NULL: stale-write (the batch writers' guard)", async () => {
      const err = await caught(() => sql`update participants set version = null where id = 1`.execute(ts.store.db));
      assert.deepEqual(driverError(err), { kind: 'stale-write' });
    });

    it('a NOT NULL violation of another column, a syntax error, a plain Error: other', async () => {
      const notNull = await caught(() => sql`update participants set operator_id = null where id = 1`.execute(ts.store.db));
      assert.deepEqual(driverError(notNull), { kind: 'other' });
      const syntax = await caught(() => sql`selec 1`.execute(ts.store.db));
      assert.deepEqual(driverError(syntax), { kind: 'other' });
      assert.deepEqual(driverError(new Error('boom')), { kind: 'other' });
      assert.deepEqual(driverError(undefined), { kind: 'other' });
    });
  });
}

describe('driverError: unavailable and retryable', () => {
  it('a request that outwaited its deadline: unavailable, timeout', () => {
    assert.deepEqual(driverError(new DatabaseTimeout(10)), { kind: 'unavailable', reason: 'timeout' });
  });

  it('a refused connection, wrapped as a cause: unavailable, unreachable', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 2000 });
    const err = await caught(() => client.connect());
    assert.deepEqual(driverError(new Error('wrapped', { cause: err })), { kind: 'unavailable', reason: 'unreachable' });
  });

  const PG = process.env.LCM_TEST_PG;
  it('a PostgreSQL deadlock: retryable-conflict', { skip: PG ? false : 'LCM_TEST_PG not set' }, async () => {
    const a = new pg.Client({ connectionString: PG });
    const b = new pg.Client({ connectionString: PG });
    await a.connect();
    await b.connect();
    try {
      await a.query('begin');
      await b.query('begin');
      await a.query('select pg_advisory_xact_lock(1701)');
      await b.query('select pg_advisory_xact_lock(1702)');
      const first = a.query('select pg_advisory_xact_lock(1702)').then(() => undefined, (e: unknown) => e);
      const second = b.query('select pg_advisory_xact_lock(1701)').then(() => undefined, (e: unknown) => e);
      // The victim fails while the other still waits for the victim's lock.
      const victim = await Promise.race([first, second]);
      assert.deepEqual(driverError(victim), { kind: 'retryable-conflict' });
    } finally {
      // Together: the survivor's lock query completes only once the victim rolls back.
      await Promise.all([a.query('rollback').catch(() => {}), b.query('rollback').catch(() => {})]);
      await a.end();
      await b.end();
    }
  });
});
