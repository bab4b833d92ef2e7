// The console's read operations over HTTP, on both engines: ClientSearch (every kind of
// term, letter case, ё, the 50 cap, isolation, client tokens refused), ClientHistory paging,
// ClientConsents and ClientDeliveries (isolation, paging), and that OpenAPI lists them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../helpers/engines.ts';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';
import { postJson } from '../helpers/http.ts';
import { CASHIER, CLIENT_1, OTHER_MANAGER } from '../helpers/fixtures.ts';
import type { Principal } from '../../src/lib/principal.ts';
import { addWebhook } from '../../src/webhooks/store/webhooks.ts';
import { insertParticipants } from '../../src/participant/store/inserts.ts';
import { SEARCH_LIMIT } from '../../src/contract/client-search.ts';

interface Found {
  Client: number;
  Match: string;
  Surname: string | null;
  Name: string | null;
  Phone: number | null;
  Email: string | null;
  RegDate: string;
}

for (const engine of ENGINES) {
  describe(`console endpoints on ${engine}`, () => {
    let s: Seeded;
    const post = async (op: string, body: unknown, who: Principal | null = CASHIER) => postJson(s.app, `/api/client/${op}`, body, who);
    const ok = async <T = Record<string, unknown>>(op: string, body: unknown, who: Principal = CASHIER): Promise<T> => {
      const res = await post(op, body, who);
      assert.equal(res.status, 200, res.body);
      return res.json() as T;
    };
    const search = async (query: string, who: Principal = CASHIER) => (await ok<{ ErrorCode: number; Clients: Found[] }>('ClientSearch', { Query: query }, who)).Clients;
    const ids = (found: Found[]) => found.map((f) => f.Client);

    before(async () => {
      s = await seededApp(engine);
      // A card of participant 2, and one of operator 2's participant with the same digits' neighbour.
      await s.app.deps.store.db
        .insertInto('cards')
        .values([
          { number: 2000000000015, operator_id: 1, participant_id: 2, status: 0 },
          { number: 2000000000022, operator_id: 2, participant_id: 3, status: 0 },
        ])
        .execute();
    });
    after(async () => s?.close());

    it('finds a participant by phone in the forms people type', async () => {
      for (const q of ['8 916 000-00-01', '+7 (916) 000-00-01', '9160000001', '79160000001', '+7 916 000 00 01']) {
        const found = await search(q);
        assert.deepEqual(ids(found), [1], q);
        assert.equal(found[0]!.Match, 'Phone', q);
      }
      const [p] = await search('8 916 000-00-01');
      assert.equal(p!.Surname, 'Петров');
      assert.equal(p!.Name, 'Иван');
      assert.equal(p!.Phone, 79160000001);
      assert.equal(p!.Email, 'ivan@example.ru');
      assert.ok(!Number.isNaN(Date.parse(p!.RegDate)));
    });

    it('finds by e-mail in any letter case, by card number and by ContragentId', async () => {
      assert.deepEqual(ids(await search('IVAN@Example.RU')), [1]);
      const byCard = await search('2000000000015');
      assert.deepEqual(ids(byCard), [2]);
      assert.equal(byCard[0]!.Match, 'Card');
      assert.deepEqual(ids(await search('1C-0002')), [2]);
      assert.equal((await search('1C-0002'))[0]!.Match, 'ContragentId');
    });

    it('finds by surname prefix in any letter case, with an optional name prefix', async () => {
      assert.deepEqual(ids(await search('Петр')), [1]);
      assert.deepEqual(ids(await search('пЕТРОВ')), [1]);
      assert.deepEqual(ids(await search('Петр Ив')), [1]);
      assert.deepEqual(ids(await search('Петр Ма')), []);
      assert.deepEqual(ids(await search('Иванова м')), [2]);
      assert.deepEqual(ids(await search('Иван')), [2], 'Иван is a name of 1 but the surname prefix of 2 only');
    });

    it('finds names written by ClientUpdate and ClientCreate, reading ё as е', async () => {
      const updated = await ok<{ ErrorCode: number }>('ClientUpdate', { Client: 2, Surname: 'Семёнова', Name: 'Алёна' });
      assert.equal(updated.ErrorCode, 0);
      assert.deepEqual(ids(await search('семенова ал')), [2]);
      assert.deepEqual(ids(await search('СЕМЁН')), [2]);
      assert.deepEqual(ids(await search('Иванова')), [], 'the old surname is no longer found');
      const created = await ok<{ ErrorCode: number; Client: number }>('ClientCreate', { Phone: 79160000077, Surname: 'Ёжиков', Name: 'Пётр' });
      assert.equal(created.ErrorCode, 0);
      assert.deepEqual(ids(await search('ежиков петр')), [created.Client]);
    });

    it(`answers at most ${SEARCH_LIMIT} participants, in surname, name and id order`, async () => {
      const at = new Date().toISOString();
      await insertParticipants(
        s.app.deps.store.db,
        Array.from({ length: 60 }, (_, i) => ({ id: 1000 + i, operatorId: 1, values: { surname: 'Тестов', name: `Имя${String(59 - i).padStart(2, '0')}` }, at })),
      );
      const found = await search('тестов');
      assert.equal(found.length, SEARCH_LIMIT);
      assert.deepEqual(found.map((f) => f.Name), Array.from({ length: SEARCH_LIMIT }, (_, i) => `Имя${String(i).padStart(2, '0')}`));
    });

    it('finds a rare name under a common surname prefix (the name index drives), and the common one too', async () => {
      const at = new Date().toISOString();
      await insertParticipants(
        s.app.deps.store.db,
        Array.from({ length: 1101 }, (_, i) => ({ id: 5000 + i, operatorId: 1, values: { surname: `Частов${i}`, name: i === 777 ? 'Редкий' : 'Общий' }, at })),
      );
      const rare = await search('част ред');
      assert.deepEqual(ids(rare), [5777]);
      assert.equal(rare[0]!.Name, 'Редкий');
      const common = await search('Частов1 Об');
      assert.equal(common.length, SEARCH_LIMIT);
      assert.ok(common.every((f) => f.Surname!.startsWith('Частов1') && f.Name === 'Общий'));
      assert.deepEqual(ids(await search('Частов Нет')), []);
    });

    it("never finds another operator's participants", async () => {
      assert.deepEqual(ids(await search('79160000003')), []);
      assert.deepEqual(ids(await search('other@example.ru')), []);
      assert.deepEqual(ids(await search('2000000000022')), [], "operator 2's card");
      assert.deepEqual(ids(await search('Other')), []);
      assert.deepEqual(ids(await search('79160000003', OTHER_MANAGER)), [3]);
      assert.deepEqual(ids(await search('Петров', OTHER_MANAGER)), []);
      assert.deepEqual(ids(await search('8 916 000-00-01', OTHER_MANAGER)), []);
    });

    it('refuses a client token (403) and no token (401); a blank or long query is ErrorCode 13', async () => {
      assert.equal((await post('ClientSearch', { Query: 'Петров' }, CLIENT_1)).status, 403);
      assert.equal((await post('ClientSearch', { Query: 'Петров' }, null)).status, 401);
      assert.equal((await post('ClientSearch', { Query: 'Петров', Operator: 2 })).status, 403);
      for (const q of ['', '   ', 'x'.repeat(101)]) {
        const res = await ok<{ ErrorCode: number; Message: string; Clients: unknown[] }>('ClientSearch', { Query: q });
        assert.deepEqual(res, { ErrorCode: 13, Message: 'Некорректное значение поля Query', Clients: [] }, JSON.stringify(q));
      }
    });

    it('pages ClientHistory with Limit and Offset', async () => {
      for (const n of [1, 2, 3, 4, 5]) assert.equal((await ok<{ ErrorCode: number }>('ClientUpdate', { Client: 1, Patronymic: `Отчество${n}` })).ErrorCode, 0);
      const all = (await ok<{ Changes: { Fields: { New: string }[] }[] }>('ClientHistory', { Client: 1 })).Changes;
      assert.ok(all.length >= 5);
      const pages = [];
      for (let offset = 0; offset < all.length; offset += 2) {
        const page = (await ok<{ Changes: unknown[] }>('ClientHistory', { Client: 1, Limit: 2, Offset: offset })).Changes;
        assert.ok(page.length <= 2 && page.length > 0);
        pages.push(...page);
      }
      assert.deepEqual(pages, all);
      assert.equal(all[0]!.Fields[0]!.New, 'Отчество5');
      assert.deepEqual(await ok('ClientHistory', { Client: 1, Offset: -1 }), { ErrorCode: 13, Message: 'Некорректное значение поля Offset', Changes: [] });
    });

    it('answers the consents: current state and the ledger with its source, paged', async () => {
      assert.equal((await ok<{ ErrorCode: number }>('ClientUpdate', { Client: 1, AllowSms: false, PosCode: 'MSK-001' })).ErrorCode, 0);
      assert.equal((await ok<{ ErrorCode: number }>('ClientUpdate', { Client: 1, AllowEmail: true, SiteCode: 'W-1' })).ErrorCode, 0);
      const res = await ok<{ ErrorCode: number; Consents: unknown[]; Changes: { Consent: string; Given: boolean; Previous: boolean | null; Initiator: string; PosCode: string | null; SiteCode: string | null }[] }>('ClientConsents', { Client: 1 });
      assert.equal(res.ErrorCode, 0);
      assert.deepEqual(res.Consents, [
        { Consent: 'AllowSms', Given: false },
        { Consent: 'AllowEmail', Given: true },
        { Consent: 'AllowEmailOnlineCheque', Given: false },
      ]);
      assert.deepEqual(
        res.Changes.map(({ Consent, Given, Previous, Initiator, PosCode, SiteCode }) => ({ Consent, Given, Previous, Initiator, PosCode, SiteCode })),
        [
          { Consent: 'AllowEmail', Given: true, Previous: false, Initiator: 'manager cashier (token 5001)', PosCode: null, SiteCode: 'W-1' },
          { Consent: 'AllowSms', Given: false, Previous: true, Initiator: 'manager cashier (token 5001)', PosCode: 'MSK-001', SiteCode: null },
        ],
      );
      const second = await ok<{ Changes: { Consent: string }[] }>('ClientConsents', { Client: 1, Limit: 1, Offset: 1 });
      assert.deepEqual(second.Changes.map((c) => c.Consent), ['AllowSms']);
      // A participant reads its own consents, not another's; another operator's manager finds nobody.
      assert.equal((await ok<{ ErrorCode: number }>('ClientConsents', { Client: 1 }, CLIENT_1)).ErrorCode, 0);
      assert.equal((await post('ClientConsents', { Client: 2 }, CLIENT_1)).status, 403);
      assert.deepEqual(await ok('ClientConsents', { Client: 1 }, OTHER_MANAGER), { ErrorCode: 2, Message: 'Клиент не найден', Consents: [], Changes: [] });
    });

    it("answers a participant's webhook deliveries with their state, paged, to its operator's managers only", async () => {
      const hook = await addWebhook(s.app.deps.store.db, { operatorId: 1, url: 'http://127.0.0.1:9/hook', secret: 's' });
      await addWebhook(s.app.deps.store.db, { operatorId: 2, url: 'http://127.0.0.1:9/other', secret: 's' });
      assert.equal((await ok<{ ErrorCode: number }>('ClientUpdate', { Client: 1, Surname: 'Сидоров' })).ErrorCode, 0);
      assert.equal((await ok<{ ErrorCode: number }>('ClientUpdate', { Client: 1, Email: 'sidorov@example.ru', Name: 'Пётр' })).ErrorCode, 0);
      assert.equal((await ok<{ ErrorCode: number }>('ClientUpdate', { Client: 2, Surname: 'Другая' })).ErrorCode, 0);
      type Delivery = { EventId: string; Fields: string[]; Webhook: number; Url: string; Status: string; Attempts: number; DeliveredAt: string | null };
      const res = await ok<{ ErrorCode: number; Deliveries: Delivery[] }>('ClientDeliveries', { Client: 1 });
      assert.equal(res.ErrorCode, 0);
      assert.deepEqual(
        res.Deliveries.map(({ Fields, Webhook, Url, Status, Attempts, DeliveredAt }) => ({ Fields, Webhook, Url, Status, Attempts, DeliveredAt })),
        [
          { Fields: ['Name', 'Email'], Webhook: hook.id, Url: hook.url, Status: 'pending', Attempts: 0, DeliveredAt: null },
          { Fields: ['Surname'], Webhook: hook.id, Url: hook.url, Status: 'pending', Attempts: 0, DeliveredAt: null },
        ],
      );
      const page = await ok<{ Deliveries: Delivery[] }>('ClientDeliveries', { Client: 1, Limit: 1, Offset: 1 });
      assert.deepEqual(page.Deliveries.map((d) => d.EventId), [res.Deliveries[1]!.EventId]);
      assert.equal((await post('ClientDeliveries', { Client: 1 }, CLIENT_1)).status, 403);
      assert.deepEqual(await ok('ClientDeliveries', { Client: 1 }, OTHER_MANAGER), { ErrorCode: 2, Message: 'Клиент не найден', Deliveries: [] });
      assert.deepEqual(await ok('ClientDeliveries', { Client: 1, Limit: 1001 }), { ErrorCode: 13, Message: 'Некорректное значение поля Limit', Deliveries: [] });
    });

    it('declares the new operations in OpenAPI and the help pages', async () => {
      const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
      for (const op of ['ClientSearch', 'ClientConsents', 'ClientDeliveries']) {
        assert.ok(doc.paths[`/api/client/${op}`], op);
        assert.equal((await s.app.inject({ method: 'GET', url: `/Help/Api/POST-api-client-${op}` })).statusCode, 200, op);
      }
    });
  });
}
