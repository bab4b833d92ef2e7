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

  it('import reads a written phone as the wire does', () => {
    const header = readHeader(['Name', 'Phone']);
    assert.deepEqual(readRow(header, ['A', '+7 (916) 123-45-67']), { ok: true, values: { Name: 'A', Phone: 79161234567 } });
    assert.deepEqual(readRow(header, ['A', '8.916.123.45.67']), { ok: true, values: { Name: 'A', Phone: 89161234567 } });
    const bad = readRow(header, ['A', 'call me']);
    assert.equal(bad.ok, false);
  });
});
