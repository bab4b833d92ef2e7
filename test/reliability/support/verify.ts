// What a database must look like after a crash: every participant's row is the replay of
// its history rows (each row's Old is the state before it, its New the state after), its
// version counts them, the consent ledger and the change events match the history one to
// one, and every history row is one whole request that was sent — never a part of one.
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/db/schema.ts';
import type { Participant } from '../../../src/participant/participant.ts';
import { API_NAMES, PROFILE_FIELDS } from '../../../src/participant/participant.ts';
import { apiValue } from '../../../src/participant/change-record.ts';
import type { ApiValue, ChangeEventPayload, FieldRecord } from '../../../src/participant/change-record.ts';
import { toParticipant } from '../../../src/participant/store/participants.ts';
import { toBool } from '../../../src/db/convert.ts';
import type { Sent } from './load.ts';

export type ApiState = Record<string, ApiValue>;

export function apiState(p: Participant): ApiState {
  return Object.fromEntries(PROFILE_FIELDS.map((f) => [API_NAMES[f], apiValue(f, p[f])]));
}

export interface Baseline {
  state: ApiState;
  version: number;
}

/** Every participant's profile and version, before any load. */
export async function snapshot(db: Kysely<Database>): Promise<Map<number, Baseline>> {
  const rows = await db.selectFrom('participants').selectAll().orderBy('id').execute();
  return new Map(rows.map((r) => [r.id, { state: apiState(toParticipant(r)), version: r.version }]));
}

const CONSENTS = new Set(['AllowSms', 'AllowEmail', 'AllowEmailOnlineCheque']);

export interface Verified {
  /** Sequence numbers of the requests found applied. */
  applied: Set<number>;
  historyRows: number;
  ledgerRows: number;
}

/**
 * Checks the whole database against the baseline and the requests sent (by their unique
 * Name). Throws an AssertionError naming the participant and row at fault.
 */
export async function verifyDatabase(db: Kysely<Database>, baseline: Map<number, Baseline>, sent: Map<string, Sent>): Promise<Verified> {
  const applied = new Set<number>();
  const webhooks = (await db.selectFrom('webhooks').select('id').execute()).length;
  const deliveries = new Map(
    (await db.selectFrom('webhook_deliveries').select((eb) => ['event_id', eb.fn.countAll().as('n')]).groupBy('event_id').execute()).map((r) => [
      r.event_id,
      Number(r.n),
    ]),
  );
  let historyRows = 0;
  let ledgerRows = 0;
  const participants = await db.selectFrom('participants').selectAll().orderBy('id').execute();
  assert.deepEqual(participants.map((p) => p.id), [...baseline.keys()], 'no participant appeared or vanished');

  for (const row of participants) {
    const id = row.id;
    const base = baseline.get(id)!;
    const where = (what: string) => `participant ${id}: ${what}`;
    const history = await db.selectFrom('change_history').selectAll().where('participant_id', '=', id).orderBy('id').execute();
    const ledger = await db.selectFrom('consent_ledger').selectAll().where('participant_id', '=', id).orderBy('id').execute();
    const events = await db.selectFrom('change_events').selectAll().where('participant_id', '=', id).orderBy('id').execute();

    const state: ApiState = { ...base.state };
    const expectedLedger: { history_id: number; consent: string; given: ApiValue; previous: ApiValue; request_id: string }[] = [];
    for (const h of history) {
      const fields = JSON.parse(h.fields) as FieldRecord[];
      const at = (what: string) => where(`history row ${h.id}: ${what}`);
      assert.ok(fields.length > 0, at('records no field'));
      const name = fields.find((f) => f.Field === 'Name');
      assert.ok(name, at(`no Name change, so no request of the test made it: ${h.fields}`));
      const s = sent.get(String(name.New));
      assert.ok(s, at(`Name ${String(name.New)} was never sent`));
      assert.equal(s.client, id, at(`request ${s.seq} was for participant ${s.client}`));
      assert.ok(!applied.has(s.seq), at(`request ${s.seq} applied twice`));
      applied.add(s.seq);
      for (const f of fields) {
        assert.deepEqual(f.Old, state[f.Field], at(`${f.Field}.Old is not the state before the row (a lost or reordered write)`));
        assert.notDeepEqual(f.New, f.Old, at(`${f.Field} recorded without a change`));
        assert.ok(f.Field in s.expect, at(`${f.Field} changed but request ${s.seq} did not send it`));
        assert.deepEqual(f.New, s.expect[f.Field], at(`${f.Field}.New is not what request ${s.seq} sent`));
        state[f.Field] = f.New;
        if (CONSENTS.has(f.Field)) {
          expectedLedger.push({ history_id: h.id, consent: f.Field, given: f.New, previous: f.Old, request_id: h.request_id });
        }
      }
      // Half-applied: a field the request sent that the row neither changed nor already held.
      for (const [field, value] of Object.entries(s.expect)) {
        assert.deepEqual(state[field], value, at(`request ${s.seq} applied only in part: ${field} is ${JSON.stringify(state[field])}, sent ${JSON.stringify(value)}`));
      }
    }
    historyRows += history.length;
    ledgerRows += ledger.length;

    assert.deepEqual(apiState(toParticipant(row)), state, where('the stored row is not the replay of its history'));
    assert.equal(row.version, base.version + history.length, where('version is not the initial version plus the history rows'));
    // The ledger follows the history's order (the latest consent is the last row); within
    // one change its rows may come in any order.
    ledger.forEach((l, i) => {
      if (i > 0) assert.ok(l.history_id >= ledger[i - 1]!.history_id, where(`ledger row ${l.id} (history ${l.history_id}) after one of history ${ledger[i - 1]!.history_id}`));
    });
    const byChange = (a: { history_id: number; consent: string }, b: { history_id: number; consent: string }) => a.history_id - b.history_id || a.consent.localeCompare(b.consent);
    assert.deepEqual(
      ledger.map((l) => ({ history_id: l.history_id, consent: l.consent, given: toBool(l.given), previous: toBool(l.previous), request_id: l.request_id })).sort(byChange),
      expectedLedger.sort(byChange),
      where('the consent ledger does not match the consent changes of the history'),
    );
    assert.equal(events.length, history.length, where('change events and history rows differ in number'));
    events.forEach((e, i) => {
      const h = history[i]!;
      const payload = JSON.parse(e.payload) as ChangeEventPayload;
      assert.equal(payload.Client, id, where(`event ${e.id} names participant ${payload.Client}`));
      assert.deepEqual(payload.Changes, JSON.parse(h.fields), where(`event ${e.id} does not carry history row ${h.id}`));
      assert.equal(e.created_at, h.changed_at, where(`event ${e.id} and history row ${h.id} are not of one change`));
    });
    for (const e of events) {
      assert.equal(deliveries.get(e.id) ?? 0, webhooks, where(`event ${e.id}: not exactly one delivery per webhook`));
    }
  }

  const count = async (table: 'change_history' | 'consent_ledger' | 'change_events') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  assert.equal(await count('change_history'), historyRows, 'history rows of no participant');
  assert.equal(await count('consent_ledger'), ledgerRows, 'ledger rows of no participant');
  assert.equal(await count('change_events'), historyRows, 'change events of no participant');

  for (const s of sent.values()) {
    if (s.outcome === 'acked') assert.ok(applied.has(s.seq), `request ${s.seq} (round ${s.round}, participant ${s.client}) was acknowledged (${s.answer}) but is not in the database`);
  }
  return { applied, historyRows, ledgerRows };
}
