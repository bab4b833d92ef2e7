// GET /Help and /Help/Api/<id>: derived from the served declarations; every request sample
// (JSON, XML, form) is accepted by the service once its ids are those of the fixtures.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';
import { bearer } from '../helpers/http.ts';
import { CASHIER } from '../helpers/fixtures.ts';
import { clientUpdate } from '../../src/contract/client-update.ts';
import { clientCreate } from '../../src/contract/client-create.ts';
import { getClient } from '../../src/contract/get-client.ts';
import { clientInfo } from '../../src/contract/client-info.ts';
import { clientHistory } from '../../src/contract/client-history.ts';
import type { OperationDecl } from '../../src/contract/types.ts';
import { getConfirmCode } from '../../src/contract/get-confirm-code.ts';
import { setClientPassword } from '../../src/contract/set-client-password.ts';
import { fixtureValue, samplesOf, SEED_BODY_PARAMETERS } from './support.ts';

const OPERATIONS: readonly OperationDecl[] = [clientUpdate, clientCreate, getClient, clientInfo, clientHistory, getConfirmCode, setClientPassword];

describe('help pages', () => {
  let s: Seeded;
  before(async () => {
    s = await seededApp('sqlite');
  });
  after(async () => s.close());

  const get = async (url: string) => s.app.inject({ method: 'GET', url });

  it('GET /Help lists every operation with its summary and link (path case-insensitive)', async () => {
    for (const url of ['/Help', '/help', '/HELP']) {
      const res = await get(url);
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      for (const op of OPERATIONS) {
        assert.ok(res.body.includes(`href="/Help/Api/POST-api-client-${op.name}"`), op.name);
        assert.ok(res.body.includes(`POST api/client/${op.name}`), op.name);
        assert.ok(res.body.includes(op.summary), op.name);
      }
    }
  });

  it('the pages of idempotent operations, and only those, show the Idempotency-Key header', async () => {
    for (const op of OPERATIONS) {
      const html = (await get(`/Help/Api/POST-api-client-${op.name}`)).body;
      assert.equal(html.includes('<h3>Header Parameters</h3>') && html.includes('<td>Idempotency-Key</td>'), op.idempotent === true, op.name);
    }
  });

  it('the ClientUpdate page shows what the seed page shows', async () => {
    const res = await get('/help/api/post-api-client-clientupdate');
    assert.equal(res.statusCode, 200);
    const html = res.body;
    assert.match(html, /<h1>POST api\/client\/ClientUpdate<\/h1>/);
    assert.ok(html.includes('Обновление профиля Участника программы лояльности'));
    assert.match(html, /<h3>URI Parameters<\/h3><p>None\.<\/p>/);
    for (const [name, type] of SEED_BODY_PARAMETERS) {
      const row = new RegExp(`<tr><td>${name}</td><td>[^<]+</td><td>${type}</td><td>None\\.</td></tr>`);
      assert.match(html, row, name);
    }
    const request = samplesOf(html, 'Request Formats');
    assert.deepEqual([...request.keys()], ['application/json, text/json', 'application/xml, text/xml', 'application/x-www-form-urlencoded']);
    const json = JSON.parse(request.get('application/json, text/json')!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), SEED_BODY_PARAMETERS.map(([n]) => n));
    assert.equal(json.Name, 'sample string 2');
    assert.equal(json.Email, 'sample string 5');
    assert.equal(json.SiteCode, 'sample string 8');
    assert.equal(json.AllowSms, true);
    assert.equal(json.Birthdate, '2025-10-30T05:04:59.6543877+03:00');
    const xml = request.get('application/xml, text/xml')!;
    assert.match(xml, /^<SetClientUpdateRequest xmlns:i="http:\/\/www\.w3\.org\/2001\/XMLSchema-instance" xmlns="http:\/\/schemas\.datacontract\.org\/2004\/07\/LCManagerPartner\.Models">/);
    const order = [...xml.matchAll(/<(\w+)[ >]/g)].map((m) => m[1]).slice(1);
    assert.deepEqual(order, ['Operator', 'SiteCode', 'Token', 'AllowEmail', 'AllowEmailOnlineCheque', 'AllowSms', 'Birthdate', 'Client', 'ContragentId', 'Email', 'Gender', 'Name', 'Patronymic', 'Phone', 'PosCode', 'Surname']);
    const response = samplesOf(html, 'Response Formats');
    assert.equal(response.get('application/json, text/json'), JSON.stringify({ ErrorCode: 1, Message: 'sample string 2' }, null, 2));
    assert.equal(
      response.get('application/xml, text/xml'),
      '<SetClientUpdateResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/LCManagerPartner.Models"><ErrorCode>1</ErrorCode><Message>sample string 2</Message></SetClientUpdateResponse>',
    );
  });

  it('escapes HTML and answers 404 for an unknown operation', async () => {
    const res = await get('/Help/Api/POST-api-client-ClientHistory');
    assert.ok(res.body.includes('Некорректное значение поля &lt;Field&gt;'));
    assert.ok(!res.body.includes('<Field>'));
    assert.equal((await get('/Help/Api/POST-api-client-Nope')).statusCode, 404);
  });

  for (const op of OPERATIONS) {
    // SetClientPassword's sample code is not a code anyone was sent: its samples are read and answer 20.
    const expected = op === setClientPassword ? 20 : 0;
    it(`${op.name}: every request sample is accepted (ErrorCode ${expected})`, async () => {
      const html = (await get(`/Help/Api/POST-api-client-${op.name}`)).body;
      const samples = samplesOf(html, 'Request Formats');
      const auth = await bearer(s.app, CASHIER);
      let n = 0;
      const bodies: [string, string][] = [
        ['application/json', adjustJson(op.name, n++, samples.get('application/json, text/json')!)],
        ['application/xml', adjustXml(op.name, n++, samples.get('application/xml, text/xml')!)],
        ['application/x-www-form-urlencoded', adjustForm(op.name, n++, samples.get('application/x-www-form-urlencoded')!)],
      ];
      for (const [type, payload] of bodies) {
        const res = await s.app.inject({ method: 'POST', url: `/api/client/${op.name}`, headers: { 'content-type': type, accept: 'application/json', authorization: auth }, payload });
        assert.equal(res.statusCode, 200, `${type}: ${res.body}`);
        const body = res.json() as { ErrorCode: unknown };
        assert.equal(typeof body.ErrorCode, 'number', `${type}: ${res.body}`);
        assert.equal(body.ErrorCode, expected, `${type}: ${res.body}`);
      }
    });
  }
});

function adjustJson(op: string, n: number, text: string): string {
  const value = JSON.parse(text) as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    const v = fixtureValue(op, key, n);
    if (v !== undefined) value[key] = v;
  }
  return JSON.stringify(value);
}

function adjustXml(op: string, n: number, xml: string): string {
  return xml.replace(/<(\w+)((?: xmlns="[^"]*")?)>([^<]*)<\/\1>/g, (m, name: string, ns: string) => {
    const v = fixtureValue(op, name, n);
    return v === undefined ? m : `<${name}${ns}>${v}</${name}>`;
  });
}

function adjustForm(op: string, n: number, form: string): string {
  const params = new URLSearchParams(form);
  for (const [key] of [...params]) {
    const v = fixtureValue(op, key, n);
    if (v !== undefined) params.set(key, String(v));
  }
  return params.toString();
}
