// `lcm seed` on a database that already holds data (the demo data of a first start): rows
// already there unchanged load again; a row that would take another row's unique value is
// named in words, not as the database's "UNIQUE constraint failed: managers.token".
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENGINES, createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { runLcm } from '../helpers/cli.ts';
import { openStore } from '../../src/db/store.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { ensureDemoData } from '../../src/seed/demo.ts';

for (const engine of ENGINES) {
  describe(`lcm seed on the demo data (${engine})`, () => {
    let database: TestDatabase;
    let dir: string;
    const file = (name: string, data: unknown) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, JSON.stringify(data));
      return p;
    };
    before(async () => {
      database = await createTestDatabase(engine);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-seed-'));
      const store = await openStore(database.url);
      await migrateToLatest(store.db);
      assert.ok(await ensureDemoData(store.db, store.engine));
      await store.close();
    });
    after(async () => {
      fs.rmSync(dir, { recursive: true, force: true });
      await database.drop();
    });

    const cashier = { Login: 'cashier', Password: 'secret', Operator: 1, Partner: 10, PosCode: 'MSK-001', Roles: ['pos'] };
    const ivan = { Client: 1, Operator: 1, Name: 'Иван', Phone: 79160000001, Email: 'ivan@example.ru', ContragentId: '1C-0001' };

    it("a manager whose Token the demo manager holds: the row and the holder named", async () => {
      const res = await runLcm(['seed', file('token.json', { managers: [{ ...cashier, Token: 5001 }] }), '--database', database.url]);
      assert.equal(res.code, 1);
      assert.equal(res.stderr, 'lcm: fixtures: managers[0] (cashier) has Token 5001, which manager demo already holds: give it another Token\n');
    });

    it("a participant whose phone another participant holds: named", async () => {
      const res = await runLcm(['seed', file('phone.json', { clients: [{ Client: 9, Operator: 1, Phone: 79160000002 }] }), '--database', database.url]);
      assert.equal(res.code, 1);
      assert.equal(res.stderr, 'lcm: fixtures: clients[0] (Client 9) has Phone 79160000002, which participant 2 of operator 1 already holds\n');
    });

    it('rows already there, and new ones that clash with nothing, load, twice', async () => {
      const ok = file('ok.json', { operators: [{ Id: 1, Name: 'Demo loyalty' }], managers: [{ ...cashier, Token: 5002 }], clients: [ivan] });
      for (let i = 0; i < 2; i++) {
        const res = await runLcm(['seed', ok, '--database', database.url]);
        assert.equal(res.code, 0, res.stderr);
      }
    });
  });
}
