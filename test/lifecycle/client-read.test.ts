// GetClient and ClientInfo through real HTTP on both engines: fields, formats, scoping.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../helpers/engines.ts';
import { CASHIER, OTHER_MANAGER, CLIENT_1 } from '../helpers/fixtures.ts';
import { postJson } from '../helpers/http.ts';
import type { Principal } from '../../src/lib/principal.ts';
import { MODELS_NS, postXml, xmlText } from './helpers.ts';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';

const DENIED = { Message: 'Authorization has been denied for this request.' };

for (const engine of ENGINES) {
  describe(`GetClient and ClientInfo on ${engine}`, () => {
    let s: Seeded;
    let regdate: string;
    before(async () => {
      s = await seededApp(engine);
      await s.t.store.db.insertInto('cards').values([
        { number: 1000000000001, operator_id: 1, participant_id: 1, status: 0 },
        { number: 1000000000003, operator_id: 2, participant_id: 3, status: 0 },
      ]).execute();
      regdate = (await s.t.store.db.selectFrom('participants').select('created_at').where('id', '=', 1).executeTakeFirstOrThrow()).created_at;
    });
    after(async () => s.close());

    const get = (body: Record<string, unknown>, as: Principal = CASHIER) => postJson(s.app, '/api/client/GetClient', body, as);
    const info = (body: Record<string, unknown>, as: Principal = CASHIER) => postJson(s.app, '/api/client/ClientInfo', body, as);

    it('GetClient serves the profile with the original lower-case names', async () => {
      const res = await get({ ClientID: 1 });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), {
        ErrorCode: 0,
        Message: '',
        ClientData: {
          id: 1, firstname: 'Иван', middlename: 'Сергеевич', lastname: 'Петров', gender: 1, birthdate: '1990-05-15T00:00:00',
          phone: 79160000001, email: 'ivan@example.ru', allowsms: true, allowemail: false, allowemailonlinecheque: false,
          contragentid: '1C-0001', regdate,
        },
      });
      const sparse = (await get({ ClientID: 2 })).json() as { ClientData: Record<string, unknown> };
      assert.equal(sparse.ClientData.birthdate, null);
      assert.equal(sparse.ClientData.allowsms, null);
      assert.equal(sparse.ClientData.gender, 0);
    });

    it('GetClient in XML', async () => {
      const res = await postXml(s.app, '/api/client/GetClient', `<GetClientRequest xmlns="${MODELS_NS}"><OperatorId>1</OperatorId><ClientID>2</ClientID></GetClientRequest>`, CASHIER);
      assert.equal(res.status, 200);
      assert.match(res.body, /^<GetClientResponse [^>]*><ClientData>/);
      assert.equal(xmlText(res.body, 'firstname'), 'Мария');
      assert.match(res.body, /<birthdate i:nil="true"\/>/);
      assert.equal(xmlText(res.body, 'ErrorCode'), '0');
    });

    it('GetClient codes 1, 3, 2 with ClientData null; operator scoping', async () => {
      const codeOf = async (body: Record<string, unknown>, as?: Principal) => {
        const res = await get(body, as);
        assert.equal(res.status, 200, res.body);
        const b = res.json() as { ErrorCode: number; ClientData: unknown };
        if (b.ErrorCode !== 0) assert.equal(b.ClientData, null);
        return b.ErrorCode;
      };
      assert.equal(await codeOf({}), 1);
      assert.equal(await codeOf({ ClientID: 1, OperatorId: 99 }), 3);
      assert.equal(await codeOf({ ClientID: 999 }), 2);
      assert.equal(await codeOf({ ClientID: 3 }), 2, "another operator's participant is not found");
      assert.equal(await codeOf({ ClientID: 1 }, OTHER_MANAGER), 2);
      assert.equal(await codeOf({ ClientID: 3 }, OTHER_MANAGER), 0);
      assert.deepEqual((await get({ ClientID: 1 })).json(), (await get({ ClientID: 1, OperatorId: 1 })).json());
    });

    it('GetClient 403: another operator in the body; a client token on someone else', async () => {
      for (const [body, as] of [[{ ClientID: 1, OperatorId: 2 }, CASHIER], [{ ClientID: 2 }, CLIENT_1], [{ ClientID: 999 }, CLIENT_1]] as const) {
        const res = await get(body, as);
        assert.equal(res.status, 403);
        assert.deepEqual(res.json(), DENIED);
      }
      assert.equal(((await get({ ClientID: 1 }, CLIENT_1)).json() as { ErrorCode: number }).ErrorCode, 0);
    });

    it('ClientInfo by card and by phone (national forms too)', async () => {
      const expected = {
        ErrorCode: 0, Message: '', Card: 1000000000001, Phone: 79160000001, Surname: 'Петров', Name: 'Иван', Patronymic: 'Сергеевич',
        Email: 'ivan@example.ru', Birthdate: '1990-05-15T00:00:00', AllowSms: true, AllowEmail: false, Gender: 1, Id: 1, RegDate: regdate,
        AllowEmailOnlineCheque: false, ContragentId: '1C-0001',
      };
      assert.deepEqual((await info({ Card: 1000000000001 })).json(), expected);
      assert.deepEqual((await info({ Phone: 9160000001 })).json(), expected);
      assert.deepEqual((await info({ Phone: 89160000001 })).json(), expected);
      assert.deepEqual((await info({ Card: 1000000000001, Phone: 79160000002 })).json(), expected, 'Card wins over Phone');
      const cardless = (await info({ Phone: 79160000002 })).json() as Record<string, unknown>;
      assert.equal(cardless.Id, 2);
      assert.equal(cardless.Card, null);
    });

    it('ClientInfo in XML', async () => {
      const res = await postXml(s.app, '/api/client/ClientInfo', `<ClientInfoRequest xmlns="${MODELS_NS}"><Card>1000000000001</Card></ClientInfoRequest>`, CASHIER);
      assert.equal(res.status, 200);
      assert.match(res.body, /^<ClientInfoResponse /);
      assert.equal(xmlText(res.body, 'Id'), '1');
      assert.equal(xmlText(res.body, 'Birthdate'), '1990-05-15T00:00:00');
    });

    it('ClientInfo codes 18, 3, 6, 2; operator scoping', async () => {
      const codeOf = async (body: Record<string, unknown>, as?: Principal) => {
        const res = await info(body, as);
        assert.equal(res.status, 200, res.body);
        const b = res.json() as Record<string, unknown>;
        if (b.ErrorCode !== 0) assert.equal(b.Id, null);
        return b.ErrorCode;
      };
      assert.equal(await codeOf({}), 18);
      assert.equal(await codeOf({ Card: 0, Phone: 0 }), 18);
      assert.equal(await codeOf({ Phone: 79160000001, Operator: 99 }), 3);
      assert.equal(await codeOf({ Phone: 12345 }), 6);
      assert.equal(await codeOf({ Phone: 79169999999 }), 2);
      assert.equal(await codeOf({ Card: 42 }), 2);
      assert.equal(await codeOf({ Card: 1000000000003 }), 2, "another operator's card is not found");
      assert.equal(await codeOf({ Phone: 79160000003 }), 2, "another operator's phone is not found");
      assert.equal(await codeOf({ Card: 1000000000003 }, OTHER_MANAGER), 0);
    });

    it('ClientInfo 403: another operator in the body; a client token on anyone but itself', async () => {
      for (const [body, as] of [
        [{ Phone: 79160000001, Operator: 2 }, CASHIER],
        [{ Phone: 79160000002 }, CLIENT_1],
        [{ Phone: 79169999999 }, CLIENT_1],
        [{ Card: 42 }, CLIENT_1],
      ] as const) {
        const res = await info(body, as);
        assert.equal(res.status, 403, JSON.stringify(body));
        assert.deepEqual(res.json(), DENIED);
      }
      assert.equal(((await info({ Card: 1000000000001 }, CLIENT_1)).json() as { Id: number }).Id, 1);
    });
  });
}
