// The command line's answers to what a new user commonly types wrong.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runLcm } from '../helpers/cli.ts';
import { seededDatabase } from '../helpers/app.ts';

describe('lcm: common mistakes', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const res = await runLcm(['--version']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, `${version}\n`);
  });

  it('`lcm help` prints the commands (the README shows it: `npx lcm --help` is npm\'s own help)', async () => {
    const res = await runLcm(['help']);
    assert.equal(res.code, 0, res.stderr);
    for (const command of ['serve', 'migrate', 'seed', 'client', 'manager', 'webhook']) assert.match(res.stdout, new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('client show / history with an id that is not a number: "invalid id"', async () => {
    const database = await seededDatabase('sqlite');
    try {
      for (const args of [['client', 'show', 'abc'], ['client', 'history', 'abc'], ['client', 'show', '-1'], ['client', 'show', '1.5']]) {
        const res = await runLcm([...args, '--database', database.url]);
        assert.equal(res.code, 1, args.join(' '));
        assert.equal(res.stderr, `lcm: invalid id: ${args[2]}\n`);
      }
      const missing = await runLcm(['client', 'show', '999', '--database', database.url]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, 'lcm: participant 999 not found\n');
    } finally {
      await database.drop();
    }
  });

  it('read-only commands refuse a SQLite path that does not exist, and create nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-missing-'));
    const file = path.join(dir, 'typo', 'lcm.sqlite');
    try {
      const commands = [
        ['client', 'show', '1'],
        ['client', 'history', '1'],
        ['client', 'consents', '1'],
        ['webhook', 'list'],
        ['webhook', 'events'],
        ['manager', 'passwd', '--login', 'demo', '--password', 'x'],
      ];
      for (const args of commands) {
        const res = await runLcm([...args, '--database', file]);
        assert.equal(res.code, 1, args.join(' '));
        assert.match(res.stderr, new RegExp(`^lcm: database ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not exist`), args.join(' '));
      }
      assert.equal(fs.existsSync(path.dirname(file)), false, 'nothing was created');
      // Creating commands still create it.
      const migrated = await runLcm(['migrate', '--database', file]);
      assert.equal(migrated.code, 0, migrated.stderr);
      const listed = await runLcm(['webhook', 'list', '--database', file]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(listed.stdout, '[]\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('client show on a PostgreSQL database that does not exist says so', { skip: !process.env.LCM_TEST_PG && 'LCM_TEST_PG is not set' }, async () => {
    const url = new URL(process.env.LCM_TEST_PG!);
    url.pathname = '/lcm_no_such_database';
    const res = await runLcm(['client', 'show', '1', '--database', url.toString()]);
    assert.equal(res.code, 1);
    assert.equal(res.stderr, 'lcm: database "lcm_no_such_database" does not exist\n');
  });
});
