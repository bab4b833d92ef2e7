// The participant sign-in flow end to end over real HTTP, on both engines: GetConfirmCode,
// the signed code event at a subscribed gateway (and never at an "all events" webhook),
// SetClientPassword, ClientLogin with the phone as people write it, and ClientUpdate with
// the participant's own token. Then what must fail: wrong codes (also in parallel), an
// expired code, another operator's code, unknown phones, short passwords.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { addWebhook } from '../../src/webhooks/store/webhooks.ts';
import { listHistory } from '../../src/participant/store/history.ts';
import { verifySignature } from '../../src/webhooks/signature.ts';
import { CASHIER } from '../helpers/fixtures.ts';
import { bearer } from '../helpers/http.ts';
import { OK, clientLogin, codeEvents, nextCode, post, seeded, serveApp, startDelivering, startReceiver, waitFor } from './support.ts';
import type { Delivering, Receiver, SignInServer } from './support.ts';

const GET_CODE = '/api/client/GetConfirmCode';
const SET_PASSWORD = '/api/client/SetClientPassword';
const HOUR = 3_600_000;
const IVAN = 79160000001;
const MARIA = 79160000002;

for (const engine of ENGINES) {
  describe(`participant sign-in on ${engine}`, () => {
    let ts: TestStore;
    let server: SignInServer;
    let delivering: Delivering;
    let gateway: Receiver;
    let everything: Receiver;
    const codesFor = (phone: number) => codeEvents(gateway).filter((e) => e.Phone === phone).length;

    before(async () => {
      ts = await seeded(engine);
      // Every request comes from 127.0.0.1: the per-address limit is tested on its own.
      server = await serveApp(ts, { codeLimitPerAddressHour: 0 });
      gateway = await startReceiver();
      everything = await startReceiver();
      await addWebhook(ts.store.db, { operatorId: 1, url: gateway.url, secret: 'gateway-secret', events: ['participant.confirmation_code'] });
      await addWebhook(ts.store.db, { operatorId: 1, url: everything.url, secret: 'all-secret' });
      delivering = startDelivering(ts, server.app);
    });
    // A fresh hour for each test: the per-phone limits start over.
    beforeEach(() => server.clock.advance(2 * HOUR));
    after(async () => {
      await delivering.stop();
      await server.close();
      await gateway.close();
      await everything.close();
      await ts.dispose();
    });

    it('GetConfirmCode → signed event at the gateway → SetClientPassword → ClientLogin (+7 916 …) → ClientUpdate of oneself only', async () => {
      const before = await clientLogin(server.url, '79160000001', 'client-secret');
      assert.equal(before.status, 200);
      const oldRefresh = before.json.refresh_token as string;

      const asked = await post(server.url, GET_CODE, { Phone: 9160000001, Operator: 1 });
      assert.equal(asked.status, 200);
      assert.deepEqual(asked.json, OK);
      const event = await nextCode(gateway, IVAN, 0);
      const raw = gateway.requests.find((r) => (r.json as unknown as { EventId: string }).EventId === event.EventId)!;
      assert.ok(verifySignature('gateway-secret', raw.body, raw.signature), 'signed with the gateway webhook secret');
      assert.ok(!verifySignature('all-secret', raw.body, raw.signature));
      assert.equal(raw.eventId, event.EventId);
      assert.deepEqual(Object.keys(event), ['EventId', 'Type', 'Time', 'Operator', 'Phone', 'Code', 'ExpiresAt']);
      assert.equal(event.Operator, 1);
      assert.match(event.Code, /^\d{6}$/);
      assert.equal(Date.parse(event.ExpiresAt) - Date.parse(event.Time), 10 * 60_000);
      assert.equal(Date.parse(event.Time), server.clock.ms);

      // The stored hash is not the code, nor an unkeyed hash of it; the delivered message is gone.
      const row = await ts.store.db.selectFrom('confirm_codes').selectAll().where('phone', '=', IVAN).executeTakeFirstOrThrow();
      assert.equal(row.tries_left, 5);
      assert.match(row.code_hash, /^[0-9a-f]{64}$/);
      assert.ok(!row.code_hash.includes(event.Code));
      await waitFor(async () => (await ts.store.db.selectFrom('code_messages').select('id').execute()).length === 0, 'the delivered message deleted');

      const set = await post(server.url, SET_PASSWORD, { Phone: 89160000001, Code: event.Code, Password: 'new-password-1', Operator: 1, ClientID: 1 });
      assert.deepEqual(set.json, OK);
      // The code works once.
      const again = await post(server.url, SET_PASSWORD, { Phone: IVAN, Code: event.Code, Password: 'other-password', Operator: 1 });
      assert.equal(again.json.ErrorCode, 20);

      assert.equal((await clientLogin(server.url, '79160000001', 'client-secret')).status, 401, 'the old password no longer works');
      const login = await clientLogin(server.url, '+7 916 000-00-01', 'new-password-1');
      assert.equal(login.status, 200);
      const refreshed = await fetch(`${server.url}/ClientLogin`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: oldRefresh }).toString(),
      });
      assert.equal(refreshed.status, 401, 'refresh tokens issued before the password was set are revoked');

      const auth = `Bearer ${login.json.access_token as string}`;
      const own = await post(server.url, '/api/client/ClientUpdate', { Client: 1, Name: 'Иван-2' }, auth);
      assert.deepEqual(own.json, OK);
      const read = await post(server.url, '/api/client/GetClient', { ClientID: 1 }, auth);
      assert.equal((read.json.ClientData as { firstname: string }).firstname, 'Иван-2');
      const other = await post(server.url, '/api/client/ClientUpdate', { Client: 2, Name: 'Чужой' }, auth);
      assert.equal(other.status, 403);
      const maria = await post(server.url, '/api/client/GetClient', { ClientID: 2 }, await bearer(server.app, CASHIER));
      assert.equal((maria.json.ClientData as { firstname: string }).firstname, 'Мария');

      // History: "password set", no secret; the change event reaches the "all events" webhook without it.
      const history = await listHistory(ts.store.db, 1, { limit: 10 });
      const passwordRow = history.find((h) => h.fields.includes('"Password"'))!;
      assert.deepEqual(JSON.parse(passwordRow.fields), [{ Field: 'Password', Old: null, New: 'set' }]);
      assert.equal(passwordRow.initiator_kind, 'client');
      await waitFor(() => everything.requests.some((r) => r.body.includes('"Password"')), 'the password change event');
      const change = everything.requests.find((r) => r.body.includes('"Password"'))!;
      assert.deepEqual(change.json.Changes, [{ Field: 'Password', Old: null, New: 'set' }]);
      await waitFor(() => everything.requests.some((r) => r.body.includes('Иван-2')), 'the name change event');
      for (const r of everything.requests) {
        assert.ok(!r.body.includes('confirmation_code') && !r.body.includes(event.Code) && !r.body.includes('new-password-1'), `no code or password in ${r.body}`);
      }
      assert.deepEqual(gateway.requests.filter((r) => !r.body.includes('confirmation_code')).map((r) => r.body), [], 'the gateway takes codes only');
      const stored = JSON.stringify(await ts.store.db.selectFrom('change_events').select('payload').execute()) + JSON.stringify(await ts.store.db.selectFrom('change_history').select('fields').execute());
      assert.ok(!stored.includes('new-password-1') && !stored.includes(`"${event.Code}"`));
      // …nor in a metric (as a label value, the only place a string could go).
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /GetConfirmCode/);
      assert.ok(!metrics.includes(`"${event.Code}"`) && !metrics.includes('new-password-1'));
    });

    it('an unknown phone gets the same answer, and no code is sent', async () => {
      const seen = codesFor(MARIA);
      const unknown = await post(server.url, GET_CODE, { Phone: 79161234567, Operator: 1 });
      const known = await post(server.url, GET_CODE, { Phone: MARIA, Operator: 1 });
      assert.deepEqual([unknown.status, unknown.json], [known.status, known.json]);
      assert.deepEqual(unknown.json, OK);
      const event = await nextCode(gateway, MARIA, seen);
      assert.equal(event.Phone, MARIA);
      assert.equal(codeEvents(gateway).filter((e) => e.Phone === 79161234567).length, 0);
      // Its code was stored (the same work) but belongs to no one: it cannot set a password.
      const row = await ts.store.db.selectFrom('confirm_codes').selectAll().where('phone', '=', 79161234567).executeTakeFirstOrThrow();
      assert.equal(row.participant_id, null);
    });

    it('5 wrong codes, even sent at once, spend all tries: then the right code fails too (21)', async () => {
      const seen = codesFor(MARIA);
      await post(server.url, GET_CODE, { Phone: MARIA, Operator: 1 });
      const { Code: code } = await nextCode(gateway, MARIA, seen);
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => post(server.url, SET_PASSWORD, { Phone: MARIA, Code: wrong, Password: 'maria-new-pass', Operator: 1 })),
      );
      assert.deepEqual(answers.map((a) => a.json.ErrorCode), [20, 20, 20, 20, 20]);
      const right = await post(server.url, SET_PASSWORD, { Phone: MARIA, Code: code, Password: 'maria-new-pass', Operator: 1 });
      assert.deepEqual(right.json, { ErrorCode: 21, Message: 'Превышено количество попыток ввода кода подтверждения' });
      assert.equal((await clientLogin(server.url, '79160000002', 'maria-new-pass')).status, 401);
    });

    it('4 wrong codes leave the last try to the right one', async () => {
      const seen = codesFor(MARIA);
      await post(server.url, GET_CODE, { Phone: MARIA, Operator: 1 });
      const { Code: code } = await nextCode(gateway, MARIA, seen);
      const wrong = String((Number(code) + 7) % 1_000_000).padStart(6, '0');
      for (let i = 0; i < 4; i++) {
        const a = await post(server.url, SET_PASSWORD, { Phone: MARIA, Code: wrong, Password: 'maria-new-pass', Operator: 1 });
        assert.deepEqual(a.json, { ErrorCode: 20, Message: 'Неверный или просроченный код подтверждения' });
      }
      const right = await post(server.url, SET_PASSWORD, { Phone: MARIA, Code: code, Password: 'maria-new-pass', Operator: 1 });
      assert.deepEqual(right.json, OK);
      assert.equal((await clientLogin(server.url, '79160000002', 'maria-new-pass')).status, 200);
    });

    it('an expired code fails (20), and expired codes are cleaned up', async () => {
      const seen = codesFor(MARIA);
      await post(server.url, GET_CODE, { Phone: MARIA, Operator: 1 });
      const { Code: code } = await nextCode(gateway, MARIA, seen);
      server.clock.advance(10 * 60_000 + 1000);
      const late = await post(server.url, SET_PASSWORD, { Phone: MARIA, Code: code, Password: 'too-late-pass', Operator: 1 });
      assert.equal(late.json.ErrorCode, 20);
      // The next code request (any phone) removes it.
      await post(server.url, GET_CODE, { Phone: IVAN, Operator: 1 });
      const left = await ts.store.db.selectFrom('confirm_codes').select('phone').where('phone', '=', MARIA).execute();
      assert.equal(left.length, 0);
    });

    it('a code of operator 1 does not work for operator 2', async () => {
      const seen = codesFor(MARIA);
      await post(server.url, GET_CODE, { Phone: MARIA, Operator: 1 });
      // Operator 2 has a code for the same phone too (it holds no participant with it there).
      await post(server.url, GET_CODE, { Phone: MARIA, Operator: 2 });
      const { Code: code } = await nextCode(gateway, MARIA, seen);
      const other = await post(server.url, SET_PASSWORD, { Phone: MARIA, Code: code, Password: 'cross-operator', Operator: 2 });
      assert.equal(other.json.ErrorCode, 20);
      assert.equal((await clientLogin(server.url, '79160000002', 'cross-operator', '2')).status, 401);
      const own = await post(server.url, SET_PASSWORD, { Phone: MARIA, Code: code, Password: 'same-operator', Operator: 1 });
      assert.deepEqual(own.json, OK);
    });

    it('checks Operator, Phone, password length and ClientID in the declared order', async () => {
      const cases: [Record<string, unknown>, number][] = [
        [{ Phone: MARIA, Code: '1', Password: 'long-enough' }, 19],
        [{ Phone: MARIA, Code: '1', Password: 'long-enough', Operator: 99 }, 3],
        [{ Code: '1', Password: 'long-enough', Operator: 1 }, 14],
        [{ Phone: 123, Code: '1', Password: 'long-enough', Operator: 1 }, 6],
        [{ Phone: MARIA, Code: '1', Password: 'short', Operator: 1 }, 22],
        [{ Phone: MARIA, Code: '1', Password: 'x'.repeat(129), Operator: 1 }, 22],
      ];
      for (const [body, code] of cases) assert.equal((await post(server.url, SET_PASSWORD, body)).json.ErrorCode, code, JSON.stringify(body));
      assert.equal((await post(server.url, GET_CODE, { Phone: MARIA })).json.ErrorCode, 19);
      assert.equal((await post(server.url, GET_CODE, { Phone: 'abc', Operator: 1 })).status, 400);
      // A right code with another participant's ClientID: 2, and the code stays usable.
      const seen = codesFor(MARIA);
      await post(server.url, GET_CODE, { Phone: MARIA, Operator: 1 });
      const { Code: code } = await nextCode(gateway, MARIA, seen);
      assert.equal((await post(server.url, SET_PASSWORD, { Phone: MARIA, Code: code, Password: 'x'.repeat(128), Operator: 1, ClientID: 1 })).json.ErrorCode, 2);
      assert.deepEqual((await post(server.url, SET_PASSWORD, { Phone: MARIA, Code: code, Password: 'x'.repeat(128), Operator: 1, ClientID: 2 })).json, OK);
    });

    it('ClientCreate with ClientSetPassword sends a code as GetConfirmCode does; without it, none', async () => {
      const auth = await bearer(server.app, CASHIER);
      const created = await post(server.url, '/api/client/ClientCreate', { Phone: 9165554433, Name: 'Новый', ClientSetPassword: true }, auth);
      assert.equal(created.json.ErrorCode, 0);
      const { Code: code } = await nextCode(gateway, 79165554433, 0);
      assert.deepEqual((await post(server.url, SET_PASSWORD, { Phone: 79165554433, Code: code, Password: 'first-password', Operator: 1 })).json, OK);
      assert.equal((await clientLogin(server.url, '+7 (916) 555-44-33', 'first-password')).status, 200);
      // The same limits: the creation's code counts as the phone's code of this minute.
      assert.equal((await post(server.url, GET_CODE, { Phone: 79165554433, Operator: 1 })).status, 429);
      server.clock.advance(61_000);
      assert.equal((await post(server.url, GET_CODE, { Phone: 79165554433, Operator: 1 })).status, 200);

      const plain = await post(server.url, '/api/client/ClientCreate', { Phone: 79165554434, Name: 'Без пароля' }, auth);
      assert.equal(plain.json.ErrorCode, 0);
      const rows = await ts.store.db.selectFrom('confirm_codes').select('phone').where('phone', '=', 79165554434).execute();
      assert.equal(rows.length, 0);
    });
  });
}
