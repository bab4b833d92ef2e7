// Import files as they come from Excel and in sizes that do not fit in memory: the
// delimiter is chosen from the header line (`;` is Excel's default in Russia), records are
// streamed by csv-parse, and rows of later batches still meet what earlier batches wrote.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { seededStore } from '../helpers/app.ts';
import { runLcm } from '../helpers/cli.ts';
import { detectDelimiter, readCsv } from '../../src/import/csv-records.ts';
import { readHeader } from '../../src/import/columns.ts';
import { clientIdOf, importParticipants } from '../../src/import/importer.ts';
import type { CsvRecord } from '../../src/import/csv-records.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-import-stream-'));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
async function records(file: string, delimiter: ',' | ';' | '\t' = ','): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const r of readCsv(file, delimiter)) out.push(r);
  return out;
}

describe('import: delimiters and streaming', () => {
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('detects `;`, `,` and tab from the header line, ignoring quoted ones', () => {
    assert.equal(detectDelimiter('Client;Name;Phone'), ';');
    assert.equal(detectDelimiter('Client,Name,Phone'), ',');
    assert.equal(detectDelimiter('Client\tName\tPhone'), '\t');
    assert.equal(detectDelimiter('"Na;me",Phone'), ',');
    assert.equal(detectDelimiter('Phone'), ',');
  });

  it('keeps the physical line where each record starts, for CRLF and LF files, with a BOM and blank lines', async () => {
    for (const nl of ['\r\n', '\n']) {
      const file = write(`lines${nl.length}.csv`, ['\uFEFFClient,Name', '1,"two', 'lines"', '', '2,x', '3,"a ""q"""', ''].join(nl));
      const got = await records(file);
      assert.deepEqual(got, [
        { line: 1, fields: ['Client', 'Name'] },
        { line: 2, fields: ['1', `two${nl}lines`] },
        { line: 5, fields: ['2', 'x'] },
        { line: 6, fields: ['3', 'a "q"'] },
      ]);
    }
  });

  for (const [name, sep] of [['semicolon', ';'], ['tab', '\t']] as const) {
    it(`lcm client import reads a ${name}-separated file (Excel), and writes its rejects the same way`, async () => {
      const database: TestDatabase = await createTestDatabase('sqlite');
      try {
        const fixtures = write(`fx-${name}.json`, JSON.stringify({ operators: [{ Id: 1, Name: 'Op' }] }));
        assert.equal((await runLcm(['seed', fixtures, '--database', database.url])).code, 0);
        const file = write(`${name}.csv`, [['Client', 'Name', 'Phone'], ['101', 'Анна; мл.', '+7 916 123-00-01'].map((f) => (f.includes(sep) ? `"${f}"` : f)), ['102', 'Bad', '12']].map((r) => r.join(sep)).join('\r\n'));
        const res = await runLcm(['client', 'import', file, '--database', database.url]);
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, /2 rows — 1 created, 0 updated, 0 unchanged, 1 rejected/);
        const shown = JSON.parse((await runLcm(['client', 'show', '101', '--database', database.url])).stdout);
        assert.deepEqual([shown.Name, shown.Phone], ['Анна; мл.', 79161230001]);
        const rejects = await records(path.join(dir, `${name}.rejects.csv`), sep);
        assert.deepEqual(rejects[0]!.fields, ['Line', 'ErrorCode', 'Reason', 'Client', 'Name', 'Phone']);
        assert.deepEqual(rejects[1]!.fields.slice(0, 2), ['3', '6']);
      } finally {
        await database.drop();
      }
    });
  }

  describe('rows of later batches meet what earlier batches wrote', () => {
    let t: Awaited<ReturnType<typeof seededStore>>;
    before(async () => (t = await seededStore('sqlite')));
    after(async () => t.dispose());

    it('a repeated Client id and the phone of a participant an earlier row created are refused, naming the line', async () => {
      const file = write('batches.csv', ['Client,Name,Phone', '201,A,79161240001', ',B,79161240002', '202,C,79161240003', '201,D,79161240004', ',E,79161240002', ''].join('\n'));
      const [head, ...rows] = await records(file);
      const header = readHeader(head!.fields);
      const floor = Math.max(...rows.map((r) => clientIdOf(header, r)));
      // Batches of 2: rows 5 and 6 come in batches after the rows they clash with.
      const summary = await importParticipants(t.store, header, rows, { operatorId: 1, floor, batchSize: 2 });
      assert.deepEqual([summary.rows, summary.created], [5, 3]);
      assert.deepEqual(
        summary.rejected.map((r) => [r.line, r.code, r.message]),
        [
          [5, 1, 'Клиент уже встречался в строке 2'],
          [6, 7, 'Номер телефона уже привязан к другому клиенту (строка 3)'],
        ],
      );
    });
  });
});
