// POST api/client/ClientHistory over real HTTP (the app's own pipeline), JSON and XML.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { ENGINES } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { bearer, postJson } from '../helpers/http.ts';
import { buildApp } from '../../src/http/app.ts';
import { updateClientInTransaction } from '../../src/participant/update/batch.ts';
import { listConsents, listHistory } from '../../src/participant/store/history.ts';
import { ctx } from './support.ts';
import { CASHIER, CLIENT_1, OTHER_MANAGER } from '../helpers/fixtures.ts';
import { seededStore } from '../helpers/app.ts';

const URL = '/api/client/ClientHistory';

for (const engine of ENGINES) {
  describe(`ClientHistory over HTTP on ${engine}`, () => {
    let ts: TestStore;
    let app: FastifyInstance;
    before(async () => {
      ts = await seededStore(engine);
      app = await buildApp({ config: ts.config, store: ts.store, logger: false });
      await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 1, AllowSms: false, PosCode: 'MSK-001' });
      await updateClientInTransaction(ts.store, ctx(CLIENT_1), { Client: 1, Name: 'Пётр & <Ко>' });
    });
    after(async () => {
      await app.close();
      await ts.dispose();
    });

    it('answers JSON, newest first', async () => {
      const res = await postJson(app, URL, { Client: 1 }, CASHIER);
      assert.equal(res.status, 200);
      assert.match(res.contentType ?? '', /^application\/json; charset=utf-8/);
      const body = res.json() as { ErrorCode: number; Message: string; Changes: { Time: string; Fields: unknown[] }[] };
      assert.deepEqual(Object.keys(body), ['ErrorCode', 'Message', 'Changes']);
      assert.equal(body.ErrorCode, 0);
      assert.deepEqual(
        body.Changes.map((c) => ({ ...c, Time: 'T' })),
        [
          { Time: 'T', Initiator: 'client 1', PosCode: null, SiteCode: null, Fields: [{ Field: 'Name', Old: 'Иван', New: 'Пётр & <Ко>' }] },
          { Time: 'T', Initiator: 'manager cashier (token 5001)', PosCode: 'MSK-001', SiteCode: null, Fields: [{ Field: 'AllowSms', Old: 'true', New: 'false' }] },
        ],
      );
      for (const c of body.Changes) assert.ok(!Number.isNaN(Date.parse(c.Time)));
    });

    it('answers XML to an XML request, with the declared element names', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/API/client/clienthistory',
        headers: { 'content-type': 'application/xml', authorization: await bearer(app, CASHIER) },
        payload:
          '<ClientHistoryRequest xmlns="http://schemas.datacontract.org/2004/07/LCManagerPartner.Models"><Client>1</Client><Limit>1</Limit></ClientHistoryRequest>',
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.headers['content-type'] as string, /^application\/xml; charset=utf-8/);
      // DataContract order: members alphabetically; null members as i:nil.
      assert.equal(
        res.body.replace(/<Time>[^<]+<\/Time>/, '<Time>T</Time>'),
        '<ClientHistoryResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/LCManagerPartner.Models">' +
          '<Changes><ClientChange><Fields><FieldChange><Field>Name</Field><New>Пётр &amp; &lt;Ко&gt;</New><Old>Иван</Old></FieldChange></Fields>' +
          '<Initiator>client 1</Initiator><PosCode i:nil="true"/><SiteCode i:nil="true"/><Time>T</Time></ClientChange></Changes>' +
          '<ErrorCode>0</ErrorCode><Message></Message></ClientHistoryResponse>',
      );
      const xml = res.body;
      assert.equal((xml.match(/<ClientChange>/g) ?? []).length, 1, 'Limit 1');
    });

    it('a ClientUpdate over HTTP is recorded with its request id and remote address', async () => {
      const res = await postJson(app, '/api/client/ClientUpdate', { Client: 2, AllowEmail: true, PosCode: 'MSK-001' }, CASHIER);
      assert.deepEqual(res.json(), { ErrorCode: 0, Message: '' });
      const rows = await listHistory(ts.store.db, 2, { limit: 10 });
      assert.equal(rows.length, 1);
      const row = rows[0]!;
      assert.match(row.request_id, /^[0-9a-f-]{36}$/);
      assert.equal(row.remote_address, '127.0.0.1');
      assert.equal(row.pos_code, 'MSK-001');
      const consents = await listConsents(ts.store.db, 2);
      assert.deepEqual(consents.map((c) => [c.consent, c.given, c.request_id]), [['AllowEmail', true, row.request_id]]);
      const seen = await postJson(app, URL, { Client: 2 }, CASHIER);
      assert.deepEqual((seen.json() as { Changes: { Fields: unknown }[] }).Changes.map((c) => c.Fields), [[{ Field: 'AllowEmail', Old: null, New: 'true' }]]);
    });

    it('keeps ClientUpdate\'s authorization: 401, 403, ErrorCode 2', async () => {
      const anonymous = await postJson(app, URL, { Client: 1 }, null);
      assert.equal(anonymous.status, 401);
      const otherClient = await postJson(app, URL, { Client: 2 }, CLIENT_1);
      assert.equal(otherClient.status, 403);
      assert.deepEqual(otherClient.json(), { Message: 'Authorization has been denied for this request.' });
      const elsewhere = await postJson(app, URL, { Client: 1 }, OTHER_MANAGER);
      assert.deepEqual(elsewhere.json(), { ErrorCode: 2, Message: 'Клиент не найден', Changes: [] });
      const unreadable = await postJson(app, URL, { Client: 1, From: '01.02.2020' }, CASHIER);
      assert.equal(unreadable.status, 400);
      assert.equal((unreadable.json() as { ErrorCode: number }).ErrorCode, 100);
    });
  });
}
