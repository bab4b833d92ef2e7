// The two writers (SQLite's and PostgreSQL's, src/participant/store/batch-write.ts) write
// exactly the same rows: one batch of ClientUpdate requests — several participants, several
// changes each with consents, a unique claim, a request that changes nothing, refused
// requests — then the same requests one by one through the fallback (a batch of one under
// a row lock), run on both engines and compared row by row, field by field: participants,
// change_history, consent_ledger, change_events (payload parsed), webhook_deliveries.
// Ids, times, event ids and password hashes are normalized; everything else must be equal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { Engine } from '../../../src/db/store.ts';
import type { Database } from '../../../src/db/schema.ts';
import { seededStore } from '../../helpers/app.ts';
import { CASHIER, CLIENT_1 } from '../../helpers/fixtures.ts';
import { ctx } from '../../history/support.ts';
import { applyBatch, updateClientInTransaction } from '../../../src/participant/update/batch.ts';
import type { ClientUpdateRequest } from '../../../src/participant/update/client-update.ts';
import { commitBatch } from '../../../src/participant/store/batch-write.ts';
import { FLAG_COLUMNS } from '../../../src/participant/store/profile-columns.ts';
import { addWebhook } from '../../../src/webhooks/store/webhooks.ts';
import type { Principal } from '../../../src/lib/principal.ts';

const FREE_PHONE = 79165550101;

/** One batch: [who, request, expected ErrorCode]. */
const BATCH: [Principal, ClientUpdateRequest, number][] = [
  [CASHIER, { Client: 1, Name: 'Анна', AllowSms: false, PosCode: 'MSK-001' }, 0],
  [CASHIER, { Client: 2, Email: 'New.Mail@Example.ru', AllowEmail: true, AllowEmailOnlineCheque: true }, 0],
  // The unique claim, and a later request of the batch claiming the same phone.
  [CASHIER, { Client: 1, Phone: FREE_PHONE, Gender: -1, Birthdate: '1991-02-03', AllowEmail: false }, 0],
  [CASHIER, { Client: 2, Phone: FREE_PHONE, Name: 'Никогда' }, 7],
  // Changes nothing: the values it gives are the stored ones.
  [CASHIER, { Client: 1, Name: 'Анна', Gender: -1 }, 0],
  [CASHIER, { Client: 1, Phone: 123, Surname: 'Никогда' }, 6],
  [CASHIER, { Client: 99999, Name: 'Никто' }, 2],
  [CASHIER, { Client: 2, ContragentId: 'EXT-22', AllowSms: true, Surname: 'Зайцева', SiteCode: 'W-1' }, 0],
  // A consent changed twice in one batch: two ledger rows under two history rows.
  [CLIENT_1, { Client: 1, AllowSms: true, Patronymic: 'Петровна' }, 0],
];

/** Then one by one, through the fallback. */
const ONE_BY_ONE: [Principal, ClientUpdateRequest, number][] = [
  [CASHIER, { Client: 2, AllowEmailOnlineCheque: false, Email: 'maria@example.ru' }, 0],
  [CASHIER, { Client: 1, Email: 'MARIA@example.ru' }, 9],
  [CASHIER, { Client: 1, AllowSms: false, AllowEmail: true, Name: 'Анна-Мария' }, 0],
  [CASHIER, { Client: 1, AllowSms: true }, 0],
  // Changes nothing.
  [CASHIER, { Client: 1, AllowSms: true }, 0],
];

type Row = Record<string, unknown>;

const TIMES = new Set(['created_at', 'updated_at', 'changed_at', 'next_attempt_at', 'lease_until', 'delivered_at']);
const BOOLEANS = new Set(['given', 'previous', ...FLAG_COLUMNS]);

function normalize(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (TIMES.has(k)) out[k] = v === null ? null : 'time';
    else if (BOOLEANS.has(k)) out[k] = v === null ? null : v === true || v === 1;
    else if (k === 'event_id' && typeof v === 'string') out[k] = 'uuid';
    else if (k === 'password_hash') out[k] = v === null ? null : 'hash';
    else if (k === 'phone' || k === 'manager_token') out[k] = v === null ? null : Number(v);
    else if (k === 'fields') out[k] = JSON.parse(v as string);
    else if (k === 'payload') out[k] = { ...JSON.parse(v as string), EventId: 'uuid', Time: 'time' };
    else out[k] = v;
  }
  return out;
}

async function dump(db: Kysely<Database>): Promise<Record<string, Row[]>> {
  return {
    participants: (await db.selectFrom('participants').selectAll().orderBy('id').execute()).map(normalize),
    change_history: (await db.selectFrom('change_history').selectAll().orderBy('id').execute()).map(normalize),
    consent_ledger: (await db.selectFrom('consent_ledger').selectAll().orderBy('id').execute()).map(normalize),
    change_events: (await db.selectFrom('change_events').selectAll().orderBy('id').execute()).map(normalize),
    webhook_deliveries: (await db.selectFrom('webhook_deliveries').selectAll().orderBy('event_id').orderBy('webhook_id').execute()).map(normalize),
  };
}

const codeOf = (outcome: unknown) => (typeof outcome === 'object' && outcome !== null && 'ErrorCode' in outcome ? outcome.ErrorCode : outcome);

/** Runs the batch and the one-by-one requests on a fresh seeded store; returns every row of the five tables. */
async function run(engine: Engine): Promise<Record<string, Row[]>> {
  const ts = await seededStore(engine);
  try {
    await addWebhook(ts.store.db, { operatorId: 1, url: 'http://127.0.0.1:9/a', secret: 's' });
    await addWebhook(ts.store.db, { operatorId: 1, url: 'http://127.0.0.1:9/b', secret: 's' });
    const jobs = BATCH.map(([who, req], i) => ({ ctx: ctx(who, `batch-${i}`, '192.0.2.1'), req }));
    const settled = await applyBatch(ts.store.db, jobs, commitBatch(ts.store));
    assert.deepEqual(
      settled.map((s) => (s.ok ? codeOf(s.value) : s.err)),
      BATCH.map(([, , code]) => code),
      `${engine}: the batch's answers`,
    );
    for (const [i, [who, req, code]] of ONE_BY_ONE.entries()) {
      assert.equal(codeOf(await updateClientInTransaction(ts.store, ctx(who, `single-${i}`, '192.0.2.2'), req)), code, `${engine}: one by one #${i}`);
    }
    return await dump(ts.store.db);
  } finally {
    await ts.dispose();
  }
}

describe('the two writers write the same rows', { skip: process.env.LCM_TEST_PG ? false : 'needs LCM_TEST_PG' }, () => {
  it('a batch and one-by-one requests: every row of participants, history, ledger, events and deliveries equal on SQLite and PostgreSQL', async () => {
    const sqlite = await run('sqlite');
    const postgres = await run('postgres');
    // Not vacuous: what the requests above must have written.
    const successes = 8; // the requests answered 0, but the two that change nothing
    assert.equal(sqlite.change_history!.length, successes, 'one history row per change');
    assert.equal(sqlite.change_events!.length, successes);
    assert.equal(sqlite.webhook_deliveries!.length, 2 * successes, 'each event to both webhooks of operator 1');
    assert.equal(sqlite.consent_ledger!.length, 9, 'one ledger row per changed consent');
    assert.ok(sqlite.consent_ledger!.every((l) => sqlite.change_history!.some((h) => h.id === l.history_id && h.participant_id === l.participant_id)));
    for (const table of Object.keys(sqlite)) {
      assert.equal(postgres[table]!.length, sqlite[table]!.length, `${table}: as many rows`);
      sqlite[table]!.forEach((row, i) => assert.deepEqual(postgres[table]![i], row, `${table} row ${i}`));
    }
  });
});
