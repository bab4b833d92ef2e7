// lcm client history|consents and lcm webhook add|list|remove|events, through the real CLI.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { runLcm } from '../helpers/cli.ts';
import { updateClientInTransaction } from '../../src/participant/update/batch.ts';
import { ctx } from './support.ts';
import { CASHIER, CLIENT_1 } from '../helpers/fixtures.ts';
import { seededStore } from '../helpers/app.ts';

for (const engine of ENGINES) {
  describe(`history and webhook commands on ${engine}`, () => {
    let ts: TestStore;
    let db: string;
    before(async () => {
      ts = await seededStore(engine);
      db = ts.config.database;
    });
    after(async () => ts.dispose());

    const lcm = async (...args: string[]) => {
      const res = await runLcm([...args, '--database', db]);
      return res;
    };

    it('client history prints the changes newest first; an unknown id exits 1', async () => {
      let res = await lcm('client', 'history', '1');
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(JSON.parse(res.stdout), []);
      await updateClientInTransaction(ts.store, ctx(CASHIER, 'cli-1', '203.0.113.5'), { Client: 1, AllowSms: false, PosCode: 'MSK-001' });
      await updateClientInTransaction(ts.store, ctx(CLIENT_1, 'cli-2'), { Client: 1, Birthdate: '1990-05-16' });
      res = await lcm('client', 'history', '1');
      assert.equal(res.code, 0, res.stderr);
      const entries = JSON.parse(res.stdout) as Record<string, unknown>[];
      assert.equal(entries.length, 2);
      assert.deepEqual({ ...entries[1]!, Time: undefined }, {
        Time: undefined,
        Initiator: 'manager cashier (token 5001)',
        Manager: 'cashier',
        Token: 5001,
        PosCode: 'MSK-001',
        SiteCode: null,
        RequestId: 'cli-1',
        RemoteAddress: '203.0.113.5',
        Fields: [{ Field: 'AllowSms', Old: true, New: false }],
      });
      assert.deepEqual(entries[0]!.Fields, [{ Field: 'Birthdate', Old: '1990-05-15T00:00:00', New: '1990-05-16T00:00:00' }]);
      assert.equal(entries[0]!.Initiator, 'client 1');
      const limited = await lcm('client', 'history', '1', '--limit', '1');
      assert.equal(JSON.parse(limited.stdout).length, 1);
      const unknown = await lcm('client', 'history', '999');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /participant 999 not found/);
    });

    it('client consents prints the ledger', async () => {
      const res = await lcm('client', 'consents', '1');
      assert.equal(res.code, 0, res.stderr);
      const rows = JSON.parse(res.stdout) as Record<string, unknown>[];
      assert.equal(rows.length, 1);
      const row = rows[0]!;
      assert.deepEqual(
        { Consent: row.Consent, Given: row.Given, Previous: row.Previous, Manager: row.Manager, PosCode: row.PosCode, RequestId: row.RequestId },
        { Consent: 'AllowSms', Given: false, Previous: true, Manager: 'cashier', PosCode: 'MSK-001', RequestId: 'cli-1' },
      );
      assert.equal((await lcm('client', 'consents', '0')).code, 1);
    });

    it('webhook add, list, events and remove', async () => {
      const added = await lcm('webhook', 'add', '--operator', '1', '--url', 'http://127.0.0.1:9/hook', '--secret', 'shh');
      assert.equal(added.code, 0, added.stderr);
      const hook = JSON.parse(added.stdout) as { Id: number; Operator: number; Url: string; Secret?: string };
      assert.equal(hook.Operator, 1);
      assert.equal(hook.Url, 'http://127.0.0.1:9/hook');
      assert.equal(hook.Secret, undefined, 'a given secret is not echoed');

      const generated = await lcm('webhook', 'add', '--operator', '2', '--url', 'https://example.invalid/x');
      assert.equal(generated.code, 0, generated.stderr);
      assert.ok((JSON.parse(generated.stdout) as { Secret: string }).Secret.length >= 20, 'a generated secret is shown once');

      const list = await lcm('webhook', 'list');
      assert.equal(list.code, 0, list.stderr);
      const hooks = JSON.parse(list.stdout) as Record<string, unknown>[];
      assert.deepEqual(hooks.map((h) => [h.Operator, h.Url]), [[1, 'http://127.0.0.1:9/hook'], [2, 'https://example.invalid/x']]);
      assert.ok(hooks.every((h) => !('Secret' in h)));
      assert.doesNotMatch(list.stdout, /shh/);

      await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 2, Name: 'Мари' });
      const pending = await lcm('webhook', 'events', '--pending');
      assert.equal(pending.code, 0, pending.stderr);
      const events = JSON.parse(pending.stdout) as { Client: number; Payload: { Changes: unknown[] }; Deliveries: { Webhook: number; Status: string }[] }[];
      assert.equal(events.length, 1);
      const event = events[0]!;
      assert.equal(event.Client, 2);
      assert.deepEqual(event.Payload.Changes, [{ Field: 'Name', Old: 'Мария', New: 'Мари' }]);
      assert.deepEqual(event.Deliveries.map((d) => [d.Webhook, d.Status]), [[hook.Id, 'pending']]);
      const all = JSON.parse((await lcm('webhook', 'events')).stdout) as unknown[];
      assert.equal(all.length, 3, 'every event, also those no webhook waits for');

      const removed = await lcm('webhook', 'remove', String(hook.Id));
      assert.equal(removed.code, 0, removed.stderr);
      assert.deepEqual(JSON.parse((await lcm('webhook', 'events', '--pending')).stdout), []);
      const again = await lcm('webhook', 'remove', String(hook.Id));
      assert.equal(again.code, 1);
      assert.match(again.stderr, /not found/);
    });

    it('webhook add refuses other schemes and unknown operators', async () => {
      const ftp = await lcm('webhook', 'add', '--operator', '1', '--url', 'ftp://example.com/x', '--secret', 's');
      assert.equal(ftp.code, 1);
      assert.match(ftp.stderr, /http or https/);
      const file = await lcm('webhook', 'add', '--operator', '1', '--url', 'file:///etc/passwd', '--secret', 's');
      assert.equal(file.code, 1);
      const unknown = await lcm('webhook', 'add', '--operator', '77', '--url', 'http://127.0.0.1/x', '--secret', 's');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /operator 77 not found/);
    });
  });
}
