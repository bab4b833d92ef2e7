// Idempotency-Key (docs/reliability.md, "Retries") over real HTTP on both engines: a retry
// gets the stored answer and acts no more, whatever format it asks for; a key reused with
// another request is refused (422); concurrent duplicates act once; scopes are the caller's;
// answers that wrote nothing are stored too, 403s are not; keys expire; without the header
// nothing is stored.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { ENGINES } from '../helpers/engines.ts';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';
import { CASHIER, CLIENT_1, OTHER_MANAGER } from '../helpers/fixtures.ts';
import { bearer } from '../helpers/http.ts';
import type { Principal } from '../../src/lib/principal.ts';
import { sweepKeys } from '../../src/idempotency/sweeper.ts';
import { loadConfig } from '../../src/config.ts';
import { lockKeyTable } from '../helpers/lock-key-table.ts';

const CREATE = '/api/client/ClientCreate';
const UPDATE = '/api/client/ClientUpdate';
const MODELS = 'http://schemas.datacontract.org/2004/07/LCManagerPartner.Models';

interface Answer {
  status: number;
  contentType: string | null;
  body: string;
}

for (const engine of ENGINES) {
  describe(`Idempotency-Key on ${engine}`, () => {
    let s: Seeded;
    let base: string;
    let phone = 79169990000;
    const freshPhone = () => ++phone;
    before(async () => {
      s = await seededApp(engine);
      await s.app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
    });
    after(async () => s.close());

    const post = async (url: string, body: string, headers: Record<string, string>, as: Principal = CASHIER): Promise<Answer> => {
      const res = await fetch(base + url, { method: 'POST', headers: { authorization: await bearer(s.app, as), ...headers }, body });
      return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
    };
    const json = (url: string, body: object, key: string | undefined, as?: Principal, extra: Record<string, string> = {}) =>
      post(url, JSON.stringify(body), { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }), ...extra }, as);
    const db = () => s.t.store.db;
    const participantsWithPhone = async (p: number) => (await db().selectFrom('participants').select('id').where('phone', '=', p).execute()).length;
    const historyCount = async (id: number) => (await db().selectFrom('change_history').select('id').where('participant_id', '=', id).execute()).length;
    const eventCount = async () => (await db().selectFrom('change_events').select('id').execute()).length;
    const keyRows = async (key: string) => db().selectFrom('idempotency_keys').selectAll().where('key', '=', key).execute();
    const metric = async (name: string, labels: string) => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };

    it('ClientCreate retried with the same key gets the first answer; one participant, one history row, one event', async () => {
      const p = freshPhone();
      const body = { Phone: p, Name: 'Повтор' };
      const replaysBefore = await metric('lcm_idempotency_replays_total', 'operation="ClientCreate"');
      const storedBefore = await metric('lcm_idempotency_keys_stored_total', 'operation="ClientCreate"');
      const first = await json(CREATE, body, 'create-retry-1');
      assert.equal(first.status, 200, first.body);
      const created = JSON.parse(first.body) as { ErrorCode: number; Client: number };
      assert.equal(created.ErrorCode, 0);
      const events = await eventCount();
      const again = await json(CREATE, body, 'create-retry-1');
      assert.equal(again.status, 200);
      assert.equal(again.body, first.body, 'the same answer, byte for byte');
      assert.equal(await participantsWithPhone(p), 1);
      assert.equal(await historyCount(created.Client), 1);
      assert.equal(await eventCount(), events, 'no change event for the retry');
      // Without the key, the same request is a new registration: the phone is now taken.
      const unkeyed = JSON.parse((await json(CREATE, body, undefined)).body) as { ErrorCode: number };
      assert.equal(unkeyed.ErrorCode, 7);
      assert.equal(await metric('lcm_idempotency_replays_total', 'operation="ClientCreate"'), replaysBefore + 1);
      assert.equal(await metric('lcm_idempotency_keys_stored_total', 'operation="ClientCreate"'), storedBefore + 1);
      const [row] = await keyRows('create-retry-1');
      assert.ok(row);
      assert.deepEqual(
        { operator: row.operator_id, principal: row.principal, operation: row.operation, status: row.status, response: JSON.parse(row.response) },
        { operator: 1, principal: 'manager:cashier', operation: 'ClientCreate', status: 200, response: JSON.parse(first.body) },
      );
      assert.equal(Date.parse(row.expires_at) - Date.parse(row.created_at), 24 * 3_600_000, 'kept for the default 24 h');
    });

    it('the same key with a different request: 422 in the negotiated format, nothing written', async () => {
      const p = freshPhone();
      assert.equal(JSON.parse((await json(CREATE, { Phone: p, Name: 'Первый' }, 'create-422')).body).ErrorCode, 0);
      const conflictsBefore = await metric('lcm_idempotency_conflicts_total', 'operation="ClientCreate",status="422"');
      const other = freshPhone();
      const res = await json(CREATE, { Phone: other, Name: 'Второй' }, 'create-422');
      assert.equal(res.status, 422);
      assert.match(res.contentType ?? '', /^application\/json/);
      assert.deepEqual(JSON.parse(res.body), { Message: 'This Idempotency-Key was already used with a different request. Send a new request with a new key.' });
      const xml = await json(CREATE, { Phone: other, Name: 'Второй' }, 'create-422', CASHIER, { accept: 'application/xml' });
      assert.equal(xml.status, 422);
      assert.match(xml.body, /^<Error><Message>This Idempotency-Key was already used/);
      assert.equal(await participantsWithPhone(other), 0);
      assert.equal(await metric('lcm_idempotency_conflicts_total', 'operation="ClientCreate",status="422"'), conflictsBefore + 2);
      // ClientUpdate: the same.
      assert.equal(JSON.parse((await json(UPDATE, { Client: 2, Surname: 'Ключ' }, 'update-422')).body).ErrorCode, 0);
      const h = await historyCount(2);
      const upd = await json(UPDATE, { Client: 2, Surname: 'Другой' }, 'update-422');
      assert.equal(upd.status, 422);
      assert.equal(await historyCount(2), h);
    });

    it('a retry in another format gets the same fields in its own format: JSON first, XML and form retries', async () => {
      const p = freshPhone();
      const first = await json(CREATE, { Phone: p, Name: 'Формат', AllowSms: true }, 'create-format');
      const fields = JSON.parse(first.body) as { ErrorCode: number; Message: string; Phone: number; Card: number; Client: number };
      assert.equal(fields.ErrorCode, 0);
      const xmlBody = `<ClientCreateRequest xmlns="${MODELS}"><AllowSms>true</AllowSms><Name>Формат</Name><Phone>${p}</Phone></ClientCreateRequest>`;
      const xml = await post(CREATE, xmlBody, { 'content-type': 'application/xml', accept: 'application/xml', 'idempotency-key': 'create-format' });
      assert.equal(xml.status, 200);
      assert.match(xml.contentType ?? '', /^application\/xml/);
      assert.equal(
        xml.body,
        // DataContract order: alphabetical.
        `<ClientCreateResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="${MODELS}"><Card>${fields.Card}</Card><Client>${fields.Client}</Client>` +
          `<ErrorCode>0</ErrorCode><Message></Message><Phone>${fields.Phone}</Phone></ClientCreateResponse>`,
      );
      const form = await post(CREATE, `phone=${p}&name=${encodeURIComponent('Формат')}&allowsms=true`, { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'create-format' });
      assert.equal(form.status, 200);
      assert.equal(form.body, first.body);
      assert.equal(await participantsWithPhone(p), 1);
      // ClientUpdate through the group commit: a JSON request, retried as XML.
      const h = await historyCount(1);
      const u1 = await json(UPDATE, { Client: 1, Patronymic: 'Форматович' }, 'update-format');
      assert.equal(u1.body, '{"ErrorCode":0,"Message":""}');
      const u2 = await post(UPDATE, `<SetClientUpdateRequest xmlns="${MODELS}"><Client>1</Client><Patronymic>Форматович</Patronymic></SetClientUpdateRequest>`, {
        'content-type': 'application/xml',
        accept: 'application/xml',
        'idempotency-key': 'update-format',
      });
      assert.equal(u2.status, 200);
      assert.match(u2.body, /^<SetClientUpdateResponse .*><ErrorCode>0<\/ErrorCode><Message><\/Message><\/SetClientUpdateResponse>$/);
      assert.equal(await historyCount(1), h + 1);
    });

    it('a late retry of a ClientUpdate does not undo a later change', async () => {
      const h = await historyCount(2);
      assert.equal(JSON.parse((await json(UPDATE, { Client: 2, Surname: 'Раньше' }, 'late-retry')).body).ErrorCode, 0);
      assert.equal(JSON.parse((await json(UPDATE, { Client: 2, Surname: 'Позже' }, 'later-change')).body).ErrorCode, 0);
      // The first answer was lost; the register retries it after the later change went through.
      assert.equal((await json(UPDATE, { Client: 2, Surname: 'Раньше' }, 'late-retry')).body, '{"ErrorCode":0,"Message":""}');
      assert.equal((await db().selectFrom('participants').select('surname').where('id', '=', 2).executeTakeFirstOrThrow()).surname, 'Позже');
      assert.equal(await historyCount(2), h + 2);
    });

    it('concurrent duplicates act once and all get the same answer (ClientCreate and ClientUpdate)', async () => {
      const p = freshPhone();
      const n = 8;
      const creates = await Promise.all(Array.from({ length: n }, () => json(CREATE, { Phone: p, Name: 'Толпа' }, 'create-crowd')));
      assert.deepEqual(new Set(creates.map((c) => c.status)), new Set([200]));
      assert.equal(new Set(creates.map((c) => c.body)).size, 1, creates.map((c) => c.body).join('\n'));
      assert.equal(JSON.parse(creates[0]!.body).ErrorCode, 0);
      assert.equal(await participantsWithPhone(p), 1);
      const h = await historyCount(2);
      const v = (await db().selectFrom('participants').select('version').where('id', '=', 2).executeTakeFirstOrThrow()).version;
      const updates = await Promise.all(Array.from({ length: n }, () => json(UPDATE, { Client: 2, Name: 'Толпа' }, 'update-crowd')));
      assert.deepEqual(updates.map((u) => `${u.status} ${u.body}`), Array(n).fill('200 {"ErrorCode":0,"Message":""}'));
      assert.equal(await historyCount(2), h + 1, 'one history row');
      assert.equal((await db().selectFrom('participants').select('version').where('id', '=', 2).executeTakeFirstOrThrow()).version, v + 1);
    });

    it('every 200 is stored, whatever its ErrorCode, and a no-change success too; a 403 is not', async () => {
      const notFound = await json(UPDATE, { Client: 99999, Name: 'Никто' }, 'update-code-2');
      assert.equal(JSON.parse(notFound.body).ErrorCode, 2);
      assert.equal((await keyRows('update-code-2')).length, 1);
      assert.equal((await json(UPDATE, { Client: 99999, Name: 'Никто' }, 'update-code-2')).body, notFound.body);
      // A phone already held: ErrorCode 7 stored; replayed even after the phone is free again.
      const taken = await json(UPDATE, { Client: 1, Phone: 79160000002 }, 'update-code-7');
      assert.equal(JSON.parse(taken.body).ErrorCode, 7);
      const h = await historyCount(1);
      const same = await json(UPDATE, { Client: 1, Name: 'Иван' }, 'update-nochange');
      assert.equal(JSON.parse(same.body).ErrorCode, 0);
      assert.equal(await historyCount(1), h, 'nothing changed, nothing recorded');
      assert.equal((await keyRows('update-nochange')).length, 1, 'the key of a no-change success is stored');
      const forbidden = await json(UPDATE, { Client: 2, Name: 'Чужой' }, 'update-403', CLIENT_1);
      assert.equal(forbidden.status, 403);
      assert.equal((await keyRows('update-403')).length, 0, 'a 403 is not stored');
    });

    it("another operator's manager with the same key has its own scope", async () => {
      const p = freshPhone();
      const mine = JSON.parse((await json(CREATE, { Phone: p, Name: 'Мой' }, 'shared-key')).body) as { ErrorCode: number; Client: number };
      assert.equal(mine.ErrorCode, 0);
      // The same key and the same body from operator 2: a registration of its own, not operator 1's answer.
      const theirs = JSON.parse((await json(CREATE, { Phone: p, Name: 'Мой' }, 'shared-key', OTHER_MANAGER)).body) as { ErrorCode: number; Client: number };
      assert.equal(theirs.ErrorCode, 0);
      assert.notEqual(theirs.Client, mine.Client);
      const rows = await db().selectFrom('participants').select(['id', 'operator_id']).where('phone', '=', p).orderBy('id').execute();
      assert.deepEqual(rows.map((r) => r.operator_id), [1, 2]);
      // A different body with the key from operator 2 is judged against operator 2's request only.
      assert.equal((await json(CREATE, { Phone: freshPhone() }, 'shared-key', OTHER_MANAGER)).status, 422);
      // A participant's own token: yet another scope, for ClientUpdate.
      assert.equal(JSON.parse((await json(UPDATE, { Client: 1, Name: 'Иван' }, 'shared-key', CLIENT_1)).body).ErrorCode, 0);
      assert.deepEqual((await keyRows('shared-key')).map((r) => `${r.operator_id} ${r.principal} ${r.operation}`).sort(), [
        '1 client:1 ClientUpdate',
        '1 manager:cashier ClientCreate',
        '2 manager:other ClientCreate',
      ]);
    });

    it('a malformed key is a 400 in the operation\'s own format; a quoted key is the same key', async () => {
      for (const bad of ['', 'a b', 'cl\u00e9', 'x'.repeat(256), '"a"b"']) {
        const res = await json(UPDATE, { Client: 1, Name: 'Иван' }, bad);
        assert.equal(res.status, 400, `key ${JSON.stringify(bad)}`);
        assert.deepEqual(JSON.parse(res.body), { ErrorCode: 100, Message: 'Некорректный запрос: заголовок Idempotency-Key должен содержать от 1 до 255 видимых символов ASCII' });
      }
      const create = await json(CREATE, { Phone: freshPhone() }, ' ');
      assert.equal(create.status, 400);
      assert.deepEqual(Object.keys(JSON.parse(create.body)), ['ErrorCode', 'Message', 'Phone', 'Card', 'Client']);
      assert.equal((await json(UPDATE, { Client: 1, Name: 'Иван' }, 'x'.repeat(255))).status, 200);
      const p = freshPhone();
      const quoted = await json(CREATE, { Phone: p }, '"quoted-key"');
      assert.equal((await json(CREATE, { Phone: p }, 'quoted-key')).body, quoted.body);
      assert.equal(await participantsWithPhone(p), 1);
    });

    it('an expired key is as if never seen; the sweep deletes expired keys only', async () => {
      const h = await historyCount(1);
      assert.equal(JSON.parse((await json(UPDATE, { Client: 1, Surname: 'Первый' }, 'expiring')).body).ErrorCode, 0);
      assert.equal(JSON.parse((await json(UPDATE, { Client: 1, Surname: 'Второй' }, 'other-key')).body).ErrorCode, 0);
      assert.equal(await historyCount(1), h + 2);
      // A day later (the row's expiry moved back, as the clock would have moved forward):
      // the same key and request act anew, and a different request is no longer refused.
      const past = new Date(Date.now() - 1000).toISOString();
      await db().updateTable('idempotency_keys').set({ expires_at: past }).where('key', '=', 'expiring').execute();
      assert.equal(JSON.parse((await json(UPDATE, { Client: 1, Surname: 'Первый' }, 'expiring')).body).ErrorCode, 0);
      assert.equal(await historyCount(1), h + 3, 'the expired key acted anew');
      const [renewed] = await keyRows('expiring');
      assert.ok(renewed && Date.parse(renewed.expires_at) > Date.now(), 'stored anew');
      await db().updateTable('idempotency_keys').set({ expires_at: past }).where('key', '=', 'expiring').execute();
      assert.equal((await json(CREATE, { Phone: freshPhone() }, 'expiring')).status, 200, 'another operation: its own scope anyway');
      assert.equal(JSON.parse((await json(UPDATE, { Client: 1, Surname: 'Третий' }, 'expiring')).body).ErrorCode, 0, 'not 422: expired');

      // The sweep, with its clock 25 h ahead: every key stored so far has expired.
      const total = Number((await db().selectFrom('idempotency_keys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      await db().updateTable('idempotency_keys').set({ expires_at: past }).where('key', '=', 'other-key').execute();
      assert.equal(await sweepKeys(s.t.store, new Date().toISOString(), 2), 1, 'at the present: only the one expired');
      assert.equal((await keyRows('other-key')).length, 0);
      const later = new Date(Date.now() + 25 * 3_600_000).toISOString();
      assert.equal(await sweepKeys(s.t.store, later, 2), total - 1, 'in bounded batches, all of them');
      assert.equal((await db().selectFrom('idempotency_keys').select('key').execute()).length, 0);
    });

    it('retries while the database is stuck: the first two wait out the deadline (503), a third waiting behind them answers 409; later the retry gets one registration', async () => {
      // An app of its own with a short deadline, and the key table locked by another connection.
      const slow = await seededApp(engine, { dbTimeoutMs: 1500 });
      const release = await lockKeyTable(engine, slow.t.database.url);
      try {
        await slow.app.listen({ host: '127.0.0.1', port: 0 });
        const url = `http://127.0.0.1:${(slow.app.server.address() as AddressInfo).port}${CREATE}`;
        const authorization = await bearer(slow.app, CASHIER);
        const p = freshPhone();
        const send = () =>
          fetch(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json', 'idempotency-key': 'stuck' }, body: JSON.stringify({ Phone: p }) }).then(async (r) => ({
            status: r.status,
            retryAfter: r.headers.get('retry-after'),
            body: await r.text(),
          }));
        // The first takes the key; the second waits for it, then runs and waits out its own
        // deadline; the third waits for both, longer than its deadline.
        const answers = await Promise.all([send(), send(), send()]);
        assert.deepEqual(answers.map((a) => a.status).sort(), [409, 503, 503], JSON.stringify(answers));
        const conflict = answers.find((a) => a.status === 409)!;
        assert.equal(conflict.retryAfter, '1');
        assert.deepEqual(JSON.parse(conflict.body), { Message: 'A request with this Idempotency-Key is still being processed. Retry it later with the same key.' });
        await release();
        // Whether the timed-out attempts committed after their 503 or not, the retry gets one registration.
        const retry = await send();
        assert.equal(retry.status, 200, retry.body);
        assert.equal(JSON.parse(retry.body).ErrorCode, 0);
        assert.equal((await slow.t.store.db.selectFrom('participants').select('id').where('phone', '=', p).execute()).length, 1);
        assert.equal((await send()).body, retry.body);
      } finally {
        await release();
        await slow.close();
      }
    });

    it('the TTL is a setting (LCM_IDEMPOTENCY_TTL_HOURS / --idempotency-ttl-hours), at least an hour', async () => {
      assert.throws(() => loadConfig({ LCM_IDEMPOTENCY_TTL_HOURS: '0' }), /idempotencyTtlHours/);
      const short = await seededApp(engine, { idempotencyTtlHours: '2' });
      try {
        const res = await short.app.inject({
          method: 'POST',
          url: UPDATE,
          headers: { authorization: await bearer(short.app, CASHIER), 'content-type': 'application/json', 'idempotency-key': 'two-hours' },
          payload: JSON.stringify({ Client: 1, Name: 'Ttl' }),
        });
        assert.equal(res.statusCode, 200);
        const row = await short.t.store.db.selectFrom('idempotency_keys').select(['created_at', 'expires_at']).executeTakeFirstOrThrow();
        assert.equal(Date.parse(row.expires_at) - Date.parse(row.created_at), 2 * 3_600_000);
      } finally {
        await short.close();
      }
    });

    it('without the header nothing is stored and nothing changes', async () => {
      const before = (await db().selectFrom('idempotency_keys').select('key').execute()).length;
      const p = freshPhone();
      assert.equal(JSON.parse((await json(CREATE, { Phone: p }, undefined)).body).ErrorCode, 0);
      assert.equal(JSON.parse((await json(CREATE, { Phone: p }, undefined)).body).ErrorCode, 7, 'a second registration, refused as always');
      assert.equal((await json(UPDATE, { Client: 1, Name: 'Без ключа' }, undefined)).body, '{"ErrorCode":0,"Message":""}');
      assert.equal((await db().selectFrom('idempotency_keys').select('key').execute()).length, before);
    });
  });
}
