// A phone sent as text is read as /ClientLogin reads a username (spec §4.3): digits with an
// optional leading + and the separators space - . ( ), in every operation, in JSON, form
// and XML bodies, and in import; an integer stays an integer; other text is still a 400.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';
import { bearer } from '../helpers/http.ts';
import { CASHIER } from '../helpers/fixtures.ts';
import { loginPhone } from '../../src/auth/login-phone.ts';
import { readHeader, readRow } from '../../src/import/columns.ts';
import { searchTerms } from '../../src/participant/search.ts';
import type { FieldDecl, FieldType } from '../../src/contract/types.ts';
import { clientUpdate } from '../../src/contract/client-update.ts';
import { clientCreate } from '../../src/contract/client-create.ts';
import { getClient } from '../../src/contract/get-client.ts';
import { clientInfo } from '../../src/contract/client-info.ts';
import { clientHistory } from '../../src/contract/client-history.ts';
import { clientSearch } from '../../src/contract/client-search.ts';
import { clientConsents } from '../../src/contract/client-consents.ts';
import { clientDeliveries } from '../../src/contract/client-deliveries.ts';
import { getConfirmCode } from '../../src/contract/get-confirm-code.ts';
import { setClientPassword } from '../../src/contract/set-client-password.ts';

const OPERATIONS = [clientUpdate, clientCreate, getClient, clientInfo, clientHistory, clientSearch, clientConsents, clientDeliveries, getConfirmCode, setClientPassword];

/** Every request field of a message and its nested objects, with its path. */
function requestFields(fields: readonly FieldDecl[], path = ''): [string, FieldDecl][] {
  const nested = (type: FieldType, at: string): [string, FieldDecl][] =>
    typeof type === 'string' ? [] : type.kind === 'object' ? requestFields(type.fields, `${at}.`) : nested(type.of, at);
  return fields.flatMap((f) => [[`${path}${f.name}`, f] as [string, FieldDecl], ...nested(f.type, `${path}${f.name}`)]);
}

const NS = 'http://schemas.datacontract.org/2004/07/LCManagerPartner.Models';
const WRITTEN = ['+7 (916) 123-45-67', '8 916 123 45 67', '916.123.45.67', '+79161234567', '9161234567'];

describe('phones written as text', () => {
  let s: Seeded;
  let auth: string;
  before(async () => {
    s = await seededApp('sqlite');
    auth = await bearer(s.app, CASHIER);
  });
  after(async () => s.close());

  const post = async (op: string, contentType: string, payload: string) => {
    const res = await s.app.inject({ method: 'POST', url: `/api/client/${op}`, headers: { authorization: auth, 'content-type': contentType, accept: 'application/json' }, payload });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };
  const bodies = (op: string, root: string, fields: Record<string, string | number>) => ({
    json: ['application/json', JSON.stringify(fields)] as const,
    form: ['application/x-www-form-urlencoded', new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString()] as const,
    xml: ['application/xml', `<${root} xmlns="${NS}">${Object.entries(fields).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</${root}>`] as const,
  });

  it('sign-in reads them all as 79161234567', () => {
    for (const text of WRITTEN) assert.equal(loginPhone(text), 79161234567, text);
  });

  it('ClientUpdate stores each written form, in JSON, form and XML, as 79161234567', async () => {
    for (const text of WRITTEN) {
      for (const [format, [type, payload]] of Object.entries(bodies('ClientUpdate', 'SetClientUpdateRequest', { Client: 1, Phone: text }))) {
        // Move the phone away first, so that each request really changes it.
        assert.equal((await post('ClientUpdate', 'application/json', JSON.stringify({ Client: 1, Phone: 79161110000 }))).body.ErrorCode, 0);
        const res = await post('ClientUpdate', type, payload);
        assert.deepEqual([res.status, res.body.ErrorCode], [200, 0], `${format} ${text}: ${JSON.stringify(res.body)}`);
        const info = await post('ClientInfo', 'application/json', JSON.stringify({ Phone: text }));
        assert.deepEqual([info.body.ErrorCode, info.body.Id, info.body.Phone], [0, 1, 79161234567], `ClientInfo ${text}`);
      }
    }
  });

  it('ClientCreate reads a written phone the same way; an integer stays an integer', async () => {
    const created = await post('ClientCreate', 'application/x-www-form-urlencoded', 'Phone=%2B7%20(916)%20555-44-33&Name=Text');
    assert.deepEqual([created.body.ErrorCode, created.body.Phone], [0, 79165554433]);
    const integer = await post('ClientCreate', 'application/json', JSON.stringify({ Phone: 9165554434 }));
    assert.deepEqual([integer.body.ErrorCode, integer.body.Phone], [0, 79165554434]);
  });

  it('other text is still unreadable, naming the field', async () => {
    for (const text of ['916-abc', '+7 916 123 45 67 ext 2', '7916*1234567']) {
      for (const [format, [type, payload]] of Object.entries(bodies('ClientUpdate', 'SetClientUpdateRequest', { Client: 1, Phone: text }))) {
        const res = await post('ClientUpdate', type, payload);
        assert.equal(res.status, 400, `${format} ${text}`);
        assert.equal(res.body.ErrorCode, 100);
        assert.match(String(res.body.Message), /Phone/, `${format} ${text}`);
      }
    }
  });

  it('every phone field of every operation is read by the one reader (format phone)', () => {
    const phones = OPERATIONS.flatMap((op) => requestFields(op.request.fields).filter(([, f]) => /phone/i.test(f.name)).map(([at, f]) => [`${op.name}.${at}`, f.format] as const));
    assert.ok(phones.some(([at]) => at === 'ClientCreate.FriendPhone'));
    assert.ok(phones.some(([at]) => at === 'GetConfirmCode.Phone'));
    assert.ok(phones.some(([at]) => at === 'SetClientPassword.Phone'));
    assert.deepEqual(phones.filter(([, format]) => format !== 'phone'), []);
  });

  it('GetConfirmCode reads a written phone as the same phone: the integer form then meets its minute limit', async () => {
    const anonymous = (payload: object) =>
      s.app.inject({ method: 'POST', url: '/api/client/GetConfirmCode', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
    const written = await anonymous({ Phone: '+7 (916) 000-00-02', Operator: 1 });
    assert.deepEqual([written.statusCode, written.json().ErrorCode], [200, 0], written.body);
    const again = await anonymous({ Phone: 79160000002, Operator: 1 });
    assert.equal(again.statusCode, 429, again.body);
  });

  it('SetClientPassword reads a written phone (a wrong code, not an unreadable body)', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/api/client/SetClientPassword',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ Phone: '8 916 000-00-01', Code: '000000', Password: 'long-enough-1', Operator: '1' }).toString(),
    });
    assert.deepEqual([res.statusCode, res.json().ErrorCode], [200, 20], res.body);
  });

  it("ClientCreate's FriendPhone is read as a written phone too", async () => {
    const ok = await post('ClientCreate', 'application/json', JSON.stringify({ Phone: 9165554435, FriendPhone: '+7 (916) 000-00-01' }));
    assert.deepEqual([ok.status, ok.body.ErrorCode], [200, 0], JSON.stringify(ok.body));
    const bad = await post('ClientCreate', 'application/json', JSON.stringify({ Phone: 9165554436, FriendPhone: 'a friend' }));
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.Message), /FriendPhone/);
  });

  it("ClientSearch's query reads a written phone with the same reader", async () => {
    for (const text of WRITTEN) assert.equal(searchTerms(text).phone, 79161234567, text);
    assert.equal(searchTerms('+7 916 123 45 67').card, undefined, 'a number with + is no card');
    assert.equal(searchTerms('2 000000 000017').card, 2000000000017, 'a card written with spaces');
    for (const query of ['+7 (916) 000-00-02', '8 916 000 00 02', '916.000.00.02']) {
      const res = await post('ClientSearch', 'application/json', JSON.stringify({ Query: query }));
      const clients = res.body.Clients as { Client: number; Match: string }[];
      assert.deepEqual(clients.map((c) => [c.Client, c.Match]), [[2, 'Phone']], query);
    }
  });

  it('import reads a written phone as the wire does', () => {
    const header = readHeader(['Name', 'Phone']);
    assert.deepEqual(readRow(header, ['A', '+7 (916) 123-45-67']), { ok: true, values: { Name: 'A', Phone: 79161234567 } });
    assert.deepEqual(readRow(header, ['A', '8.916.123.45.67']), { ok: true, values: { Name: 'A', Phone: 89161234567 } });
    const bad = readRow(header, ['A', 'call me']);
    assert.equal(bad.ok, false);
  });
});
