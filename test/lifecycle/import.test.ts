// `lcm client import` through the real command on both engines: good rows, bad rows with
// their reasons in the rejects file, a re-run that duplicates no one, ids kept and assigned.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENGINES, createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { runLcm } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import { readCsv } from '../../src/import/csv-records.ts';

async function parseCsv(file: string) {
  const records = [];
  for await (const r of readCsv(file, ',')) records.push(r);
  return records;
}
import { openStore } from '../../src/db/store.ts';

// Fixtures hold participants 1-3 (79160000001/2 and ivan@/maria@ in operator 1).
const GOOD_AND_BAD = [
  'Client,Name,Surname,Phone,Email,Birthdate,Gender,AllowSms,AllowEmail,ContragentId,Card',
  '101,Анна,"Смирнова, мл.",79161230001,anna@example.ru,1990-01-02,-1,true,0,EXT-1,7000001',
  '102,"Многострочное',
  'имя",Кузнецов,9161230002,,1985-07-30T00:00:00+03:00,1,,,,',
  '103,Борис,,79161230003,,1985-07-30T00:00:00+03:00,,1,,,',
  '104,X,,79160000001,,,,,,,',
  '105,Y,,79161230005,IVAN@example.ru,,,,,,',
  '106,Z,,79161230001,,,,,,,',
  '101,Дубль,,79161230007,,,,,,,',
  '108,Bad,,12345,,,,,,,',
  '109,Bad,,79161230009,,31.02.1990,,,,,',
  '110,Bad,,79161230010,,,,,,,7000001',
  '111,Bad,,79161230011,,,7,,,,',
  '3,Other,,79161230012,,,,,,,',
  ',Без id,,79161230013,,,,,,,',
  ',Нет телефона,,,,,,,,,',
  '1,Иван-новый,,,,,,,,,',
  '112,"Short row"',
].join('\r\n');

const EXPECTED_REJECTS: [number, number][] = [
  [3, 13], // a line break inside quotes is read, but a name may hold no control character
  [6, 7], // phone of participant 1
  [7, 9], // e-mail of participant 1, other case
  [8, 7], // phone of line 2 (earlier row)
  [9, 1], // Client 101 again
  [10, 6], // invalid phone
  [11, 100], // unreadable date
  [12, 15], // card of line 2
  [13, 11], // gender 7
  [14, 2], // id of another operator's participant
  [16, 14], // neither Client nor Phone
  [18, 100], // wrong number of fields
];

for (const engine of ENGINES) {
  describe(`lcm client import on ${engine}`, () => {
    let database: TestDatabase;
    let dir: string;
    before(async () => {
      database = await createTestDatabase(engine);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-import-'));
      const fx = path.join(dir, 'fixtures.json');
      fs.writeFileSync(fx, JSON.stringify(FIXTURES));
      const seeded = await runLcm(['seed', fx, '--database', database.url]);
      assert.equal(seeded.code, 0, seeded.stderr);
      fs.writeFileSync(path.join(dir, 'clients.csv'), GOOD_AND_BAD);
    });
    after(async () => {
      await database.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const show = async (id: number) => {
      const res = await runLcm(['client', 'show', String(id), '--database', database.url]);
      return res.code === 0 ? (JSON.parse(res.stdout) as Record<string, unknown>) : undefined;
    };
    const count = async () => {
      const store = await openStore(database.url);
      try {
        const row = await store.db.selectFrom('participants').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        return Number(row.n);
      } finally {
        await store.close();
      }
    };

    it('imports the good rows, keeps their ids, and reports each bad row with its line and reason', async () => {
      const res = await runLcm(['client', 'import', path.join(dir, 'clients.csv'), '--operator', '1', '--database', database.url]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /16 rows — 3 created, 1 updated, 0 unchanged, 12 rejected/);
      assert.doesNotMatch(res.stdout, /\u001b\[/, 'no progress bar when stdout is not a terminal');

      const rejects = await parseCsv(path.join(dir, 'clients.rejects.csv'));
      assert.deepEqual(rejects[0]!.fields.slice(0, 4), ['Line', 'ErrorCode', 'Reason', 'Client']);
      assert.deepEqual(rejects.slice(1).map((r) => [Number(r.fields[0]), Number(r.fields[1])]), EXPECTED_REJECTS);
      const reasons = new Map(rejects.slice(1).map((r) => [Number(r.fields[0]), r.fields[2]!]));
      assert.equal(reasons.get(3), 'Некорректное значение поля Name');
      assert.equal(reasons.get(6), 'Номер телефона уже привязан к другому клиенту');
      assert.equal(reasons.get(8), 'Номер телефона уже привязан к другому клиенту (строка 2)');
      assert.equal(reasons.get(9), 'Клиент уже встречался в строке 2');
      assert.match(reasons.get(11)!, /Birthdate/);
      assert.equal(reasons.get(13), 'Некорректное значение пола');
      // The rejected row follows its reason as it was (line break included), ready to be corrected.
      assert.deepEqual(rejects[1]!.fields.slice(3), ['102', 'Многострочное\r\nимя', 'Кузнецов', '9161230002', '', '1985-07-30T00:00:00+03:00', '1', '', '', '', '']);

      assert.deepEqual(await show(101), {
        Client: 101, Operator: 1, Name: 'Анна', Surname: 'Смирнова, мл.', Patronymic: null, Phone: 79161230001, Email: 'anna@example.ru',
        Birthdate: '1990-01-02', Gender: -1, AllowSms: true, AllowEmail: false, AllowEmailOnlineCheque: null, ContragentId: 'EXT-1', AgreePersonalData: null,
      });
      assert.equal(await show(102), undefined);
      const boris = await show(103);
      assert.equal(boris?.AllowSms, true);
      assert.equal(boris?.Birthdate, '1985-07-30', 'the date as written, whatever its offset');
      assert.equal((await show(1))?.Name, 'Иван-новый', 'an existing id is updated with the values the row gives');
      assert.equal((await show(1))?.Phone, 79160000001, 'empty cells leave values as they are');
      // A row without Client gets an id above every id the file keeps.
      const store = await openStore(database.url);
      try {
        const row = await store.db.selectFrom('participants').select('id').where('phone', '=', 79161230013).executeTakeFirstOrThrow();
        assert.ok(row.id > 112, `assigned id ${row.id}`);
        const card = await store.db.selectFrom('cards').selectAll().where('number', '=', 7000001).executeTakeFirstOrThrow();
        assert.equal(card.participant_id, 101);
      } finally {
        await store.close();
      }
    });

    it('a re-run of the same file duplicates no one and changes nothing', async () => {
      const before = await count();
      const res = await runLcm(['client', 'import', path.join(dir, 'clients.csv'), '--database', database.url, '--operator', '1', '--rejects', path.join(dir, 'again.csv')]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /16 rows — 0 created, 0 updated, 4 unchanged, 12 rejected/);
      assert.equal(await count(), before);
      assert.equal((await parseCsv(path.join(dir, 'again.csv'))).length, 13);
    });

    it('rows without Client are matched by phone on a re-run; new ids follow the sequence', async () => {
      const file = path.join(dir, 'no-ids.csv');
      fs.writeFileSync(file, 'Phone,Name\n79161230013,Переименован\n79161239999,Новый\n');
      const res = await runLcm(['client', 'import', file, '--operator', '1', '--database', database.url]);
      assert.match(res.stdout, /2 rows — 1 created, 1 updated, 0 unchanged, 0 rejected/);
      // The id sequence moved past the kept ids: a ClientCreate-style insert does not collide.
      const store = await openStore(database.url);
      try {
        const out = await store.db.insertInto('participants').values({ operator_id: 1, gender: 0, created_at: new Date().toISOString(), updated_at: new Date().toISOString(), version: 0 }).returning('id').executeTakeFirstOrThrow();
        const max = await store.db.selectFrom('participants').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow();
        assert.equal(out.id, Number(max.m));
      } finally {
        await store.close();
      }
    });

    it('refuses a file with unknown columns, and an unknown operator, with exit status 1', async () => {
      const file = path.join(dir, 'bad-header.csv');
      fs.writeFileSync(file, 'Client,Nmae\n1,X\n');
      const res = await runLcm(['client', 'import', file, '--operator', '1', '--database', database.url]);
      assert.equal(res.code, 1);
      assert.match(res.stderr, /unknown columns: Nmae/);
      const op = await runLcm(['client', 'import', path.join(dir, 'clients.csv'), '--operator', '9', '--database', database.url]);
      assert.equal(op.code, 1);
      assert.match(op.stderr, /operator 9 does not exist/);
      const several = await runLcm(['client', 'import', path.join(dir, 'clients.csv'), '--database', database.url]);
      assert.equal(several.code, 1);
      assert.match(several.stderr, /several operators/);
    });
  });
}
