// Writes an import file of N participants for measuring `lcm client import`:
//   npx tsx bench/import-csv.ts 100000 /tmp/clients.csv [--no-ids]
// Every row is valid; names carry commas and quotes now and then, so the CSV reader's
// quoted path is exercised too.
import fs from 'node:fs';
import { csvLine } from '../src/import/csv-records.ts';

const count = Number(process.argv[2] ?? 100_000);
const file = process.argv[3] ?? 'clients.csv';
const withIds = !process.argv.includes('--no-ids');

const NAMES = ['Иван', 'Мария', 'Пётр', 'Анна', 'Олег', 'Елена'];
const SURNAMES = ['Петров', 'Иванова', 'Сидоров, мл.', 'Смирнова', 'О"Нил', 'Кузнецов'];
const header = [...(withIds ? ['Client'] : []), 'Name', 'Surname', 'Phone', 'Email', 'Birthdate', 'Gender', 'AllowSms', 'AllowEmail', 'ContragentId'];
const out = fs.createWriteStream(file);
out.write(csvLine(header));
for (let i = 1; i <= count; i++) {
  const birth = `19${String(50 + (i % 50)).padStart(2, '0')}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
  const row = [
    ...(withIds ? [1000 + i] : []),
    NAMES[i % NAMES.length]!,
    SURNAMES[i % SURNAMES.length]!,
    79160000000 + 100 + i,
    `user${i}@example.ru`,
    birth,
    [1, -1, 0][i % 3]!,
    i % 2 ? 'true' : 'false',
    i % 3 ? '1' : '0',
    `EXT-${i}`,
  ];
  out.write(csvLine(row));
}
out.end();
