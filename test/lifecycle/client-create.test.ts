// ClientCreate through real HTTP on both engines: the rules in table order, cards, history.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../helpers/engines.ts';
import { CASHIER, OTHER_MANAGER, CLIENT_1 } from '../helpers/fixtures.ts';
import { postJson } from '../helpers/http.ts';
import { findParticipant } from '../../src/participant/store/participants.ts';
import { eanCheckDigit } from '../../src/participant/card-number.ts';
import type { Principal } from '../../src/lib/principal.ts';
import { MODELS_NS, postXml, xmlText } from './helpers.ts';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';

const URL = '/api/client/ClientCreate';
const DENIED = { Message: 'Authorization has been denied for this request.' };

interface Created {
  ErrorCode: number;
  Message: string;
  Phone: number;
  Card: number;
  Client: number;
}

for (const engine of ENGINES) {
  describe(`ClientCreate on ${engine}`, () => {
    let s: Seeded;
    before(async () => {
      s = await seededApp(engine);
      // A pre-printed card of operator 1 that nobody holds yet, and one of operator 2.
      await s.t.store.db.insertInto('cards').values([
        { number: 5550001, operator_id: 1, participant_id: null, status: 0 },
        { number: 5550002, operator_id: 2, participant_id: null, status: 0 },
        { number: 5550003, operator_id: 1, participant_id: 2, status: 0 },
      ]).execute();
    });
    after(async () => s.close());

    const create = async (body: Record<string, unknown>, as: Principal = CASHIER) => postJson(s.app, URL, body, as);
    const code = async (body: Record<string, unknown>, as?: Principal) => {
      const res = await create(body, as);
      assert.equal(res.status, 200, res.body);
      return (res.json() as Created).ErrorCode;
    };

    it('creates a participant, issues a 13-digit card with a check digit, returns its id', async () => {
      const res = await create({ Phone: 9161110001, Name: ' Анна ', Surname: 'Смирнова', Email: 'anna@example.ru', Birthdate: '1991-02-03T00:00:00+03:00', Gender: -1, AllowSms: true, AllowEmail: false, AgreePersonalData: true, PosCode: 'msk-001' });
      assert.equal(res.status, 200);
      const body = res.json() as Created;
      assert.deepEqual(Object.keys(body), ['ErrorCode', 'Message', 'Phone', 'Card', 'Client']);
      assert.equal(body.ErrorCode, 0);
      assert.equal(body.Message, '');
      assert.equal(body.Phone, 79161110001);
      const card = String(body.Card);
      assert.match(card, /^2\d{12}$/);
      assert.equal(Number(card[12]), eanCheckDigit(card.slice(0, 12)));
      const p = await findParticipant(s.t.store.db, body.Client);
      assert.ok(p);
      assert.equal(p.operatorId, 1);
      assert.equal(p.name, 'Анна');
      assert.equal(p.birthdate, '1991-02-03');
      assert.equal(p.gender, -1);
      assert.equal(p.allowSms, true);
      assert.equal(p.allowEmail, false);
      const cards = await s.t.store.db.selectFrom('cards').selectAll().where('participant_id', '=', body.Client).execute();
      assert.equal(cards.length, 1);
      assert.equal(Number(cards[0]!.number), body.Card);
    });

    it('records the creation in the history with old values null, and the consents in the ledger', async () => {
      const body = (await create({ Phone: 9161110002, Name: 'Борис', AllowEmail: true, PosCode: 'MSK-001' })).json() as Created;
      const rows = await s.t.store.db.selectFrom('change_history').selectAll().where('participant_id', '=', body.Client).execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.manager_login, 'cashier');
      assert.equal(rows[0]!.pos_code, 'MSK-001');
      assert.deepEqual(JSON.parse(rows[0]!.fields), [
        { Field: 'Name', Old: null, New: 'Борис' },
        { Field: 'Phone', Old: null, New: 79161110002 },
        { Field: 'AllowEmail', Old: null, New: true },
      ]);
      const consents = await s.t.store.db.selectFrom('consent_ledger').selectAll().where('participant_id', '=', body.Client).execute();
      assert.equal(consents.length, 1);
      assert.equal(consents[0]!.consent, 'AllowEmail');
    });

    it('stores AgreePersonalData as a consent: column, history row, ledger row, change event; GetClient and ClientInfo do not show it', async () => {
      const body = (await create({ Phone: 9161110005, Name: 'Глеб', AgreePersonalData: true, AllowSms: false })).json() as Created;
      assert.equal(body.ErrorCode, 0);
      const p = (await findParticipant(s.t.store.db, body.Client))!;
      assert.equal(p.agreePersonalData, true);
      const row = await s.t.store.db.selectFrom('participants').select('agree_personal_data').where('id', '=', body.Client).executeTakeFirstOrThrow();
      assert.ok(row.agree_personal_data === true || row.agree_personal_data === 1);
      const history = await s.t.store.db.selectFrom('change_history').selectAll().where('participant_id', '=', body.Client).execute();
      assert.equal(history.length, 1);
      assert.deepEqual(JSON.parse(history[0]!.fields), [
        { Field: 'Name', Old: null, New: 'Глеб' },
        { Field: 'Phone', Old: null, New: 79161110005 },
        { Field: 'AllowSms', Old: null, New: false },
        { Field: 'AgreePersonalData', Old: null, New: true },
      ]);
      const ledger = await s.t.store.db.selectFrom('consent_ledger').selectAll().where('participant_id', '=', body.Client).orderBy('id').execute();
      assert.deepEqual(
        ledger.map((l) => [l.history_id, l.consent, l.given === true || l.given === 1, l.previous]),
        [
          [history[0]!.id, 'AllowSms', false, null],
          [history[0]!.id, 'AgreePersonalData', true, null],
        ],
      );
      const events = await s.t.store.db.selectFrom('change_events').select('payload').where('participant_id', '=', body.Client).execute();
      assert.equal(events.length, 1);
      assert.deepEqual(JSON.parse(events[0]!.payload).Changes, JSON.parse(history[0]!.fields));
      // Absent: not recorded (null), and no ledger row.
      const other = (await create({ Phone: 9161110006 })).json() as Created;
      assert.equal((await findParticipant(s.t.store.db, other.Client))!.agreePersonalData, null);
      assert.equal((await s.t.store.db.selectFrom('consent_ledger').selectAll().where('participant_id', '=', other.Client).execute()).length, 0);
      // The responses stay the original's: no AgreePersonalData member.
      const got = (await postJson(s.app, '/api/client/GetClient', { ClientID: body.Client }, CASHIER)).json() as { ErrorCode: number; ClientData: Record<string, unknown> };
      assert.equal(got.ErrorCode, 0);
      assert.ok(!Object.keys(got.ClientData).some((k) => /agree/i.test(k)));
      const info = (await postJson(s.app, '/api/client/ClientInfo', { Phone: 79161110005 }, CASHIER)).json() as Record<string, unknown>;
      assert.equal(info.ErrorCode, 0);
      assert.equal(info.Id, body.Client);
      assert.ok(!Object.keys(info).some((k) => /agree/i.test(k)));
    });

    it('answers in XML to an XML request', async () => {
      const res = await postXml(s.app, URL, `<ClientCreateRequest xmlns="${MODELS_NS}"><Phone>79161110003</Phone><Name>Вера</Name><Card>5550001</Card></ClientCreateRequest>`, CASHIER);
      assert.equal(res.status, 200);
      assert.match(res.contentType ?? '', /^application\/xml/);
      assert.match(res.body, /^<ClientCreateResponse /);
      assert.equal(xmlText(res.body, 'ErrorCode'), '0');
      assert.equal(xmlText(res.body, 'Card'), '5550001', 'a free pre-printed card of the operator is linked');
      assert.equal(xmlText(res.body, 'Phone'), '79161110003');
      const id = Number(xmlText(res.body, 'Client'));
      const card = await s.t.store.db.selectFrom('cards').selectAll().where('number', '=', 5550001).executeTakeFirstOrThrow();
      assert.equal(card.participant_id, id);
    });

    it('links a given new card number', async () => {
      const body = (await create({ Phone: 79161110004, Card: 777000111 })).json() as Created;
      assert.equal(body.ErrorCode, 0);
      assert.equal(body.Card, 777000111);
    });

    it('refuses, in the order of the table, with nothing written', async () => {
      const count = async () => Number((await s.t.store.db.selectFrom('participants').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const before = await count();
      assert.equal(await code({ Name: 'X' }), 14);
      assert.equal(await code({ Phone: 0, Operator: 99 }), 14);
      assert.equal(await code({ Phone: 79161110010, Operator: 99 }), 3);
      assert.equal(await code({ Phone: 79161110010, PosCode: 'NOPE' }), 4);
      assert.equal(await code({ Phone: 79161110010, PosCode: 'OTH-001' }), 4);
      assert.equal(await code({ Phone: 79161110010, SiteCode: 'W-OFF' }), 5);
      assert.equal(await code({ Phone: 79161110010, Partner: 20 }), 16);
      assert.equal(await code({ Phone: 79161110010, Partner: 10, Gender: 2 }), 11);
      assert.equal(await code({ Phone: 79161110010, Name: 'Я'.repeat(101) }), 13);
      assert.equal(await code({ Phone: 12345 }), 6);
      assert.equal(await code({ Phone: 79161110010, Email: 'not-an-address' }), 8);
      assert.equal(await code({ Phone: 79161110010, Birthdate: '1899-12-31' }), 10);
      assert.equal(await code({ Phone: 79161110010, Card: -4 }), 17);
      assert.equal(await code({ Phone: 79160000001 }), 7);
      assert.equal(await code({ Phone: 89160000001 }), 7, 'the national form of a held phone');
      assert.equal(await code({ Phone: 79161110010, Email: 'IVAN@example.ru' }), 9);
      assert.equal(await code({ Phone: 79161110010, Card: 5550003 }), 15, 'a card held by another participant');
      assert.equal(await code({ Phone: 79161110010, Card: 5550002 }), 15, "another operator's card");
      assert.equal(await count(), before);
      const msg = (await create({ Email: 'x@example.ru' })).json() as Created;
      assert.deepEqual(msg, { ErrorCode: 14, Message: 'Не задан номер телефона', Phone: 0, Card: 0, Client: 0 });
    });

    it("another operator's phone is free: operators are separate", async () => {
      const body = (await create({ Phone: 79160000003 })).json() as Created;
      assert.equal(body.ErrorCode, 0);
    });

    it('403: another operator in the body, a foreign Token, a client token', async () => {
      for (const [body, as] of [
        [{ Phone: 79161110020, Operator: 2 }, CASHIER],
        [{ Phone: 79161110020, Token: 9999 }, CASHIER],
        [{ Phone: 79161110020, Token: 5001 }, OTHER_MANAGER],
        [{ Phone: 79161110020 }, CLIENT_1],
      ] as const) {
        const res = await create(body, as);
        assert.equal(res.status, 403, JSON.stringify(body));
        assert.deepEqual(res.json(), DENIED);
      }
      assert.equal(await code({ Phone: 79161110020, Token: 5001, Operator: 1 }), 0);
    });

    it('the other operator creates in its own operator', async () => {
      const body = (await create({ Phone: 79161110030 }, OTHER_MANAGER)).json() as Created;
      const p = await findParticipant(s.t.store.db, body.Client);
      assert.equal(p?.operatorId, 2);
    });

    it('concurrent creations with the same phone: exactly one wins, the other gets 7', async () => {
      const results = await Promise.all([0, 1, 2, 3].map(() => create({ Phone: 79161110040 })));
      const codes = results.map((r) => (r.json() as Created).ErrorCode).sort();
      assert.deepEqual(codes, [0, 7, 7, 7]);
    });
  });
}
