import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENGINES, createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { runLcm } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/fixtures.ts';

for (const engine of ENGINES) {
  describe(`lcm CLI on ${engine}`, () => {
    let database: TestDatabase;
    let fixturesFile: string;
    before(async () => {
      database = await createTestDatabase(engine);
      fixturesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-fx-')), 'fixtures.json');
      fs.writeFileSync(fixturesFile, JSON.stringify(FIXTURES));
    });
    after(async () => database.drop());

    it('migrate creates the schema and says so; a second run has nothing to do', async () => {
      const first = await runLcm(['migrate', '--database', database.url]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /Applied: 0001-initial/);
      const second = await runLcm(['migrate'], { LCM_DATABASE: database.url });
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /up to date/);
    });

    it('seed loads the fixtures file, twice without error', async () => {
      for (let i = 0; i < 2; i++) {
        const res = await runLcm(['seed', fixturesFile, '--database', database.url]);
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, /Seeded 2 operators, 2 partners, 2 POS, 3 widgets, 2 managers, 3 participants/);
      }
    });

    it('client show prints the participant with the API field names', async () => {
      const res = await runLcm(['client', 'show', '1', '--database', database.url]);
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(JSON.parse(res.stdout), {
        Client: 1,
        Operator: 1,
        Name: 'Иван',
        Surname: 'Петров',
        Patronymic: 'Сергеевич',
        Phone: 79160000001,
        Email: 'ivan@example.ru',
        Birthdate: '1990-05-15',
        Gender: 1,
        AllowSms: true,
        AllowEmail: false,
        AllowEmailOnlineCheque: false,
        ContragentId: '1C-0001',
        AgreePersonalData: null,
      });
      const sparse = JSON.parse((await runLcm(['client', 'show', '2', '--database', database.url])).stdout);
      assert.equal(sparse.Birthdate, null);
      assert.equal(sparse.Patronymic, null);
      assert.equal(sparse.AllowSms, null);
    });

    it('client show of an unknown id exits 1 with a message on stderr', async () => {
      const res = await runLcm(['client', 'show', '999', '--database', database.url]);
      assert.equal(res.code, 1);
      assert.equal(res.stdout, '');
      assert.match(res.stderr, /participant 999 not found/);
    });

    it('seed of a broken fixtures file exits non-zero and names the fault', async () => {
      const bad = path.join(path.dirname(fixturesFile), 'bad.json');
      fs.writeFileSync(bad, JSON.stringify({ clients: [{ Client: 5, Operator: 1, Birthdate: '15.05.1990' }] }));
      const res = await runLcm(['seed', bad, '--database', database.url]);
      assert.equal(res.code, 1);
      assert.match(res.stderr, /clients\[0\]\.Birthdate/);
    });
  });
}

describe('lcm CLI without a database', () => {
  it('--help lists the commands', async () => {
    const res = await runLcm(['--help']);
    assert.equal(res.code, 0);
    for (const cmd of ['serve', 'migrate', 'seed', 'client']) assert.match(res.stdout, new RegExp(`\\b${cmd}\\b`));
  });
});
