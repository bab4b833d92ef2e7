// ClientUpdate through real HTTP on both engines: every row of the ErrorCode table, every
// field, each (fix) of the spec, and the evaluation order.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { ENGINES } from '../../helpers/engines.ts';
import { seededApp } from '../../helpers/app.ts';
import type { TestStore } from '../../helpers/engines.ts';
import { FIXTURES, CASHIER, OTHER_MANAGER, CLIENT_1 } from '../../helpers/fixtures.ts';
import { postJson } from '../../helpers/http.ts';
import { seed } from '../../../src/seed/fixtures.ts';
import { findParticipant } from '../../../src/participant/store/participants.ts';
import { participantView } from '../../../src/participant/participant.ts';
import type { ParticipantView } from '../../../src/participant/participant.ts';
import type { Principal } from '../../../src/lib/principal.ts';
import { latestBirthdate } from '../../../src/lib/birthdate.ts';

const URL = '/api/client/ClientUpdate';
const DENIED = { Message: 'Authorization has been denied for this request.' };
const MESSAGES: Record<number, string> = {
  0: '',
  1: 'Не задан идентификатор клиента',
  2: 'Клиент не найден',
  3: 'Заданный идентификатор Оператора ПЛ не найден',
  4: 'Торговая точка не найдена',
  5: 'Виджет не найден',
  6: 'Некорректный номер телефона',
  7: 'Номер телефона уже привязан к другому клиенту',
  8: 'Некорректный адрес электронной почты',
  9: 'Данный E-mail уже привязан к клиенту',
  10: 'Некорректная дата рождения',
  11: 'Некорректное значение пола',
  12: 'Контрагент уже связан с другим клиентом',
};

const tomorrowAnywhere = (() => {
  const d = new Date(`${latestBirthdate()}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
})();

interface Case {
  name: string;
  body: Record<string, unknown>;
  as?: Principal;
  /** ErrorCode expected with HTTP 200, or 403. */
  expect: number | 403;
  message?: string;
  /** Fields of participant 1 (or `client`) after the call, API names. */
  after?: Partial<ParticipantView>;
  client?: number;
}

const NAME_101 = 'Я'.repeat(101);
const EMOJI_100 = '😀'.repeat(100); // 100 code points, 200 UTF-16 units: fits.

const CASES: Case[] = [
  // 1: Client
  { name: 'no Client', body: { Name: 'X' }, expect: 1 },
  { name: 'Client 0', body: { Client: 0, Name: 'X' }, expect: 1 },
  { name: 'Client negative', body: { Client: -5 }, expect: 1 },
  // 3: Operator
  { name: 'unknown Operator', body: { Client: 1, Operator: 99 }, expect: 3 },
  // 403 after 3, before 2
  { name: 'Operator of another operator → 403', body: { Client: 1, Operator: 2 }, expect: 403 },
  { name: 'Operator of another operator and unknown client → 403, not 2', body: { Client: 999, Operator: 2 }, expect: 403 },
  { name: 'Token differs from the JWT → 403 (fix)', body: { Client: 1, Token: 9999, Name: 'Hacked' }, expect: 403, after: { Name: 'Иван' } },
  { name: 'Token equal to the JWT is fine', body: { Client: 1, Token: 5001, Operator: 1, Name: 'Пётр' }, expect: 0, after: { Name: 'Пётр' } },
  { name: 'client token on another client → 403 (fix)', as: CLIENT_1, body: { Client: 2, Name: 'Hacked' }, expect: 403, client: 2, after: { Name: 'Мария' } },
  { name: 'client token with a Token → 403', as: CLIENT_1, body: { Client: 1, Token: 5001 }, expect: 403 },
  { name: 'client token on itself', as: CLIENT_1, body: { Client: 1, Surname: 'Сидоров' }, expect: 0, after: { Surname: 'Сидоров' } },
  // 2: participant
  { name: 'unknown participant', body: { Client: 999 }, expect: 2 },
  { name: "another operator's participant is not found", body: { Client: 3, Name: 'X' }, expect: 2 },
  { name: "another operator's manager cannot see ours", as: OTHER_MANAGER, body: { Client: 1, Name: 'X' }, expect: 2, after: { Name: 'Иван' } },
  // 4: PosCode
  { name: 'unknown PosCode', body: { Client: 1, PosCode: 'NOPE' }, expect: 4 },
  { name: "another operator's PosCode", body: { Client: 1, PosCode: 'OTH-001' }, expect: 4 },
  { name: 'PosCode case-insensitive and trimmed', body: { Client: 1, PosCode: ' msk-001 ', Name: 'Олег' }, expect: 0, after: { Name: 'Олег' } },
  // 5: SiteCode
  { name: 'inactive widget', body: { Client: 1, SiteCode: 'W-OFF' }, expect: 5 },
  { name: "another operator's widget", body: { Client: 1, SiteCode: 'W-2' }, expect: 5 },
  { name: 'unknown widget', body: { Client: 1, SiteCode: 'NOPE' }, expect: 5 },
  { name: 'widget case-insensitive and trimmed', body: { Client: 1, SiteCode: ' w-1 ', Name: 'Олег' }, expect: 0, after: { Name: 'Олег' } },
  // 11: Gender
  { name: 'Gender 2', body: { Client: 1, Gender: 2 }, expect: 11 },
  { name: 'Gender -2', body: { Client: 1, Gender: -2 }, expect: 11 },
  { name: 'Gender -1 is stored', body: { Client: 1, Gender: -1 }, expect: 0, after: { Gender: -1 } },
  { name: 'Gender 0 leaves it unchanged', body: { Client: 1, Gender: 0 }, expect: 0, after: { Gender: 1 } },
  // 13: text fields
  { name: 'Name of 101 characters', body: { Client: 1, Name: NAME_101 }, expect: 13, message: 'Некорректное значение поля Name' },
  { name: 'Surname with a control character', body: { Client: 1, Surname: 'Пет\u0007ров' }, expect: 13, message: 'Некорректное значение поля Surname' },
  { name: 'Patronymic with a newline', body: { Client: 1, Patronymic: 'a\nb' }, expect: 13, message: 'Некорректное значение поля Patronymic' },
  { name: 'ContragentId of 101 characters', body: { Client: 1, ContragentId: 'x'.repeat(101) }, expect: 13, message: 'Некорректное значение поля ContragentId' },
  { name: '100 code points fit, however many UTF-16 units', body: { Client: 1, Name: EMOJI_100 }, expect: 0, after: { Name: EMOJI_100 } },
  { name: 'names are trimmed', body: { Client: 1, Name: '  Пётр  ', Surname: '\tИванов ', Patronymic: ' Ильич' }, expect: 0, after: { Name: 'Пётр', Surname: 'Иванов', Patronymic: 'Ильич' } },
  { name: 'text is stored verbatim, markup and SQL included', body: { Client: 1, Name: "<b>x</b>'; drop table participants;--" }, expect: 0, after: { Name: "<b>x</b>'; drop table participants;--" } },
  { name: 'a name that is only spaces is unchanged', body: { Client: 1, Name: '   ' }, expect: 0, after: { Name: 'Иван' } },
  // 6: Phone
  { name: 'Phone too short', body: { Client: 1, Phone: 123 }, expect: 6 },
  { name: 'Phone invalid Russian number', body: { Client: 1, Phone: 71234567890 }, expect: 6 },
  { name: 'Phone too long', body: { Client: 1, Phone: 7916123456789012 }, expect: 6 },
  { name: 'Phone negative', body: { Client: 1, Phone: -79161234567 }, expect: 6 },
  { name: 'Phone 10 digits → 7XXXXXXXXXX', body: { Client: 1, Phone: 9161234567 }, expect: 0, after: { Phone: 79161234567 } },
  { name: 'Phone 8XXXXXXXXXX → 7XXXXXXXXXX', body: { Client: 1, Phone: 89161234567 }, expect: 0, after: { Phone: 79161234567 } },
  { name: 'Phone Moscow fixed line', body: { Client: 1, Phone: 74951234567 }, expect: 0, after: { Phone: 74951234567 } },
  { name: 'Phone of another country as E.164 digits', body: { Client: 1, Phone: 442071838750 }, expect: 0, after: { Phone: 442071838750 } },
  { name: 'Phone invalid for its country', body: { Client: 1, Phone: 44207183 }, expect: 6 },
  { name: 'Phone 0 leaves it unchanged', body: { Client: 1, Phone: 0 }, expect: 0, after: { Phone: 79160000001 } },
  // 8: Email
  { name: 'Email without @', body: { Client: 1, Email: 'not-an-email' }, expect: 8 },
  { name: 'Email without a dot in the domain', body: { Client: 1, Email: 'a@b' }, expect: 8 },
  { name: 'Email with a space', body: { Client: 1, Email: 'a b@c.ru' }, expect: 8 },
  { name: 'Email with two @', body: { Client: 1, Email: 'a@b@c.ru' }, expect: 8 },
  { name: 'Email longer than 254', body: { Client: 1, Email: `${'a'.repeat(250)}@b.ru` }, expect: 8 },
  { name: 'Email trimmed and stored as given', body: { Client: 1, Email: ' Ivan.Petrov@Example.RU ' }, expect: 0, after: { Email: 'Ivan.Petrov@Example.RU' } },
  // 10: Birthdate
  { name: 'Birthdate before 1900', body: { Client: 1, Birthdate: '1899-12-31' }, expect: 10 },
  { name: 'Birthdate after today anywhere on Earth', body: { Client: 1, Birthdate: tomorrowAnywhere }, expect: 10 },
  { name: 'Birthdate 1900-01-01', body: { Client: 1, Birthdate: '1900-01-01' }, expect: 0, after: { Birthdate: '1900-01-01' } },
  { name: 'Birthdate latest date on Earth', body: { Client: 1, Birthdate: latestBirthdate() }, expect: 0, after: { Birthdate: latestBirthdate() } },
  { name: 'Birthdate with +03:00 midnight is that calendar date (fix)', body: { Client: 1, Birthdate: '1990-05-15T00:00:00+03:00' }, expect: 0, after: { Birthdate: '1990-05-15' } },
  { name: 'Birthdate late evening at -10:00 stays that date', body: { Client: 1, Birthdate: '1992-02-29T23:30:00-10:00' }, expect: 0, after: { Birthdate: '1992-02-29' } },
  { name: 'Birthdate with 7 fractional digits and +14:00', body: { Client: 1, Birthdate: '2001-01-01T00:00:00.1234567+14:00' }, expect: 0, after: { Birthdate: '2001-01-01' } },
  // 7, 9, 12: uniqueness per operator
  { name: "another participant's phone", body: { Client: 1, Phone: 79160000002 }, expect: 7 },
  { name: "another participant's phone in its national form", body: { Client: 1, Phone: 89160000002 }, expect: 7 },
  { name: "another operator's participant's phone is free here", body: { Client: 1, Phone: 79160000003 }, expect: 0, after: { Phone: 79160000003 } },
  { name: 'own phone again is no conflict', body: { Client: 1, Phone: 9160000001 }, expect: 0, after: { Phone: 79160000001 } },
  { name: "another participant's e-mail, other case", body: { Client: 1, Email: 'MARIA@example.ru' }, expect: 9 },
  { name: "another operator's e-mail is free here", body: { Client: 1, Email: 'other@example.ru' }, expect: 0, after: { Email: 'other@example.ru' } },
  { name: 'own e-mail in another case is a change', body: { Client: 1, Email: 'IVAN@example.ru' }, expect: 0, after: { Email: 'IVAN@example.ru' } },
  { name: "another participant's ContragentId", body: { Client: 1, ContragentId: '1C-0002' }, expect: 12 },
  { name: 'ContragentId compared exactly', body: { Client: 1, ContragentId: '1c-0002' }, expect: 0, after: { ContragentId: '1c-0002' } },
  // the order of the table when several rules fail
  { name: 'order: 1 before 3', body: { Operator: 99 }, expect: 1 },
  { name: 'order: 2 before 4', body: { Client: 999, PosCode: 'NOPE' }, expect: 2 },
  { name: 'order: 4 before 5', body: { Client: 1, PosCode: 'NOPE', SiteCode: 'NOPE' }, expect: 4 },
  { name: 'order: 5 before 11', body: { Client: 1, SiteCode: 'NOPE', Gender: 5 }, expect: 5 },
  { name: 'order: 11 before 13', body: { Client: 1, Gender: 5, Name: NAME_101 }, expect: 11 },
  { name: 'order: 13 before 6', body: { Client: 1, Name: NAME_101, Phone: 1 }, expect: 13, message: 'Некорректное значение поля Name' },
  { name: 'order: 13 names the first bad field', body: { Client: 1, Patronymic: NAME_101, Surname: NAME_101 }, expect: 13, message: 'Некорректное значение поля Surname' },
  { name: 'order: 6 before 8', body: { Client: 1, Phone: 1, Email: 'bad' }, expect: 6 },
  { name: 'order: 8 before 10', body: { Client: 1, Email: 'bad', Birthdate: '1800-01-01' }, expect: 8 },
  { name: 'order: 10 before 7', body: { Client: 1, Birthdate: '1800-01-01', Phone: 79160000002 }, expect: 10 },
  { name: 'order: 7 before 9', body: { Client: 1, Phone: 79160000002, Email: 'maria@example.ru' }, expect: 7 },
  { name: 'order: 9 before 12', body: { Client: 1, Email: 'maria@example.ru', ContragentId: '1C-0002' }, expect: 9 },
  // all or nothing
  { name: 'nothing is written when a later rule fails', body: { Client: 1, Name: 'Новое', AllowSms: false, Phone: 79160000002 }, expect: 7, after: { Name: 'Иван', AllowSms: true, Phone: 79160000001 } },
  // partial update and consents
  { name: 'absent, null and empty fields stay', body: { Client: 1, Name: null, Surname: '', Email: '', Birthdate: null, AllowSms: null, ContragentId: '' }, expect: 0, after: participantFixture() },
  { name: 'consents are stored', body: { Client: 1, AllowSms: false, AllowEmail: true, AllowEmailOnlineCheque: true }, expect: 0, after: { AllowSms: false, AllowEmail: true, AllowEmailOnlineCheque: true } },
  { name: 'ContragentId stored trimmed', body: { Client: 1, ContragentId: ' ERP-77 ' }, expect: 0, after: { ContragentId: 'ERP-77' } },
];

function participantFixture(): Partial<ParticipantView> {
  const c = FIXTURES.clients![0]!;
  return {
    Name: c.Name!, Surname: c.Surname!, Patronymic: c.Patronymic!, Phone: c.Phone!, Email: c.Email!, Birthdate: c.Birthdate!,
    Gender: c.Gender!, AllowSms: c.AllowSms!, AllowEmail: c.AllowEmail!, AllowEmailOnlineCheque: c.AllowEmailOnlineCheque!, ContragentId: c.ContragentId!,
  };
}

/** The seed page's JSON sample with its values adjusted to the fixtures. */
const SEED_SAMPLE = {
  Client: 1,
  Name: 'sample string 2',
  Surname: 'sample string 3',
  Patronymic: 'sample string 4',
  AllowSms: true,
  AllowEmail: true,
  Birthdate: '2025-10-30T05:04:59.6543877+03:00',
  Phone: 79161112233,
  Email: 'sample5@example.ru',
  Gender: 1,
  PosCode: 'MSK-001',
  AllowEmailOnlineCheque: true,
  ContragentId: 'sample string 7',
  Operator: 1,
  Token: 5001,
  SiteCode: 'W-1',
};

for (const engine of ENGINES) {
  describe(`ClientUpdate rules on ${engine}`, () => {
    let ts: TestStore;
    let app: FastifyInstance;
    before(async () => {
      ({ t: ts, app } = await seededApp(engine));
    });
    after(async () => {
      await app.close();
      await ts.dispose();
    });
    // Every case starts from the fixtures (passwords need not be re-hashed here).
    beforeEach(async () => {
      await seed(ts.store.db, engine, { clients: FIXTURES.clients!.map(({ Password: _p, ...c }) => c) });
    });

    const view = async (id: number) => {
      const p = await findParticipant(ts.store.db, id);
      assert.ok(p, `participant ${id} exists`);
      return participantView(p);
    };

    for (const c of CASES) {
      it(c.name, async () => {
        const id = c.client ?? 1;
        const before = await view(id);
        const res = await postJson(app, URL, c.body, c.as ?? CASHIER);
        if (c.expect === 403) {
          assert.equal(res.status, 403, res.body);
          assert.deepEqual(res.json(), DENIED);
        } else {
          assert.equal(res.status, 200, res.body);
          assert.equal(res.contentType, 'application/json; charset=utf-8');
          const expected = { ErrorCode: c.expect, Message: c.message ?? MESSAGES[c.expect] };
          assert.equal(res.body, JSON.stringify(expected));
        }
        const now = await view(id);
        if (c.after) {
          for (const [k, v] of Object.entries(c.after)) assert.deepEqual(now[k as keyof ParticipantView], v, k);
        }
        if (c.expect !== 0) assert.deepEqual(now, before, 'a refused request changes nothing');
      });
    }

    it('accepts the seed page JSON sample (ids adjusted to the fixtures)', async () => {
      const res = await postJson(app, URL, SEED_SAMPLE, CASHIER);
      assert.equal(res.body, '{"ErrorCode":0,"Message":""}');
      const p = await view(1);
      assert.deepEqual(p, {
        Client: 1, Operator: 1, Name: 'sample string 2', Surname: 'sample string 3', Patronymic: 'sample string 4',
        Phone: 79161112233, Email: 'sample5@example.ru', Birthdate: '2025-10-30', Gender: 1, AllowSms: true, AllowEmail: true,
        AllowEmailOnlineCheque: true, ContragentId: 'sample string 7', AgreePersonalData: null,
      });
    });

    it('answers at api/values/ClientUpdate and case-insensitively', async () => {
      for (const url of ['/api/values/ClientUpdate', '/API/CLIENT/clientupdate', '/api/client/ClientUpdate/?x=1']) {
        const res = await postJson(app, url, { Client: 1, Name: `via ${url}` }, CASHIER);
        assert.equal(res.body, '{"ErrorCode":0,"Message":""}', url);
        assert.equal((await view(1)).Name, `via ${url}`);
      }
    });

    it('a request that changes nothing succeeds without touching the row', async () => {
      const before = await ts.store.db.selectFrom('participants').select(['version', 'updated_at']).where('id', '=', 1).executeTakeFirstOrThrow();
      const res = await postJson(app, URL, { Client: 1, Name: 'Иван', Phone: 89160000001, AllowSms: true, Gender: 1 }, CASHIER);
      assert.equal(res.body, '{"ErrorCode":0,"Message":""}');
      const after = await ts.store.db.selectFrom('participants').select(['version', 'updated_at']).where('id', '=', 1).executeTakeFirstOrThrow();
      assert.deepEqual(after, before);
    });

    it('a change bumps the version', async () => {
      const v0 = (await findParticipant(ts.store.db, 1))!.version;
      await postJson(app, URL, { Client: 1, Name: 'Версия' }, CASHIER);
      assert.equal((await findParticipant(ts.store.db, 1))!.version, v0 + 1);
    });

    it('refuses a missing or bad token with 401', async () => {
      const none = await postJson(app, URL, { Client: 1, Name: 'X' }, null);
      assert.equal(none.status, 401);
      assert.deepEqual(none.json(), DENIED);
      const bad = await postJson(app, URL, { Client: 1, Name: 'X' }, null, { authorization: 'Bearer not.a.jwt' });
      assert.equal(bad.status, 401);
      assert.equal((await view(1)).Name, 'Иван');
    });

    it('accepts the Evotor header Mloyalty-Authorization', async () => {
      const token = await app.deps.auth.issueAccessToken(CASHIER);
      const res = await postJson(app, URL, { Client: 1, Name: 'Эвотор' }, null, { 'mloyalty-authorization': `Bearer ${token}` });
      assert.equal(res.body, '{"ErrorCode":0,"Message":""}');
      assert.equal((await view(1)).Name, 'Эвотор');
    });

    for (const tz of ['Pacific/Kiritimati', 'America/Adak']) {
      it(`stores the written calendar date with TZ=${tz}`, async () => {
        const saved = process.env.TZ;
        process.env.TZ = tz;
        try {
          for (const [input, stored] of [
            ['1990-05-15T00:00:00+03:00', '1990-05-15'],
            ['1990-05-15T23:59:59.9999999-12:00', '1990-05-15'],
            ['1990-05-15T00:00:00Z', '1990-05-15'],
            ['1990-05-16', '1990-05-16'],
            ['1990-05-17T00:30', '1990-05-17'],
          ] as const) {
            const res = await postJson(app, URL, { Client: 1, Birthdate: input }, CASHIER);
            assert.equal(res.body, '{"ErrorCode":0,"Message":""}', input);
            assert.equal((await view(1)).Birthdate, stored, `${input} under ${tz}`);
          }
        } finally {
          if (saved === undefined) delete process.env.TZ;
          else process.env.TZ = saved;
        }
      });
    }
  });
}
