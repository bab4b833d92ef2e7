// A change event's payload is written out by payloadJson (src/participant/change-record.ts)
// with its Changes as the history row's JSON text: it must be exactly JSON.stringify of the
// payload, whatever the values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { changeRows, fieldRecords, payloadJson } from '../../src/participant/change-record.ts';
import type { ChangeEventPayload } from '../../src/participant/change-record.ts';
import type { FieldChange, Participant } from '../../src/participant/participant.ts';
import { CASHIER } from '../helpers/fixtures.ts';
import { ctx } from './support.ts';

const CHANGES: FieldChange[] = [
  { field: 'name', old: 'Иван', new: 'O\'Brien "\\" \u0001 \ud800 🙂' },
  { field: 'phone', old: null, new: 79161234567 },
  { field: 'birthdate', old: '1990-05-15', new: null },
  { field: 'allowSms', old: true, new: false },
] as FieldChange[];

describe('change event payloads', () => {
  it('payloadJson writes what JSON.stringify writes of the payload', () => {
    for (const contragentId of [null, 'X-"1"\\\n', 'Контрагент']) {
      const payload: ChangeEventPayload = { EventId: '0192f0a4-1b2c-7d3e-8f40-123456789abc', Time: '2024-01-02T03:04:05.678Z', Client: 42, Operator: 7, ContragentId: contragentId, Changes: fieldRecords(CHANGES) };
      const { Changes, ...rest } = payload;
      assert.equal(payloadJson(rest, JSON.stringify(Changes)), JSON.stringify(payload));
    }
  });

  it("changeRows: each event's payload is its change, with the ContragentId after it", () => {
    const before = { id: 5, operatorId: 1, contragentId: 'OLD' } as Participant;
    const changed = { before, operatorId: 1, posCode: null, siteCode: null };
    const rows = changeRows(
      [
        { ctx: ctx(CASHIER), changed: { ...changed, changes: CHANGES } },
        { ctx: ctx(CASHIER), changed: { ...changed, changes: [{ field: 'contragentId', old: 'OLD', new: 'NEW' } as FieldChange] } },
      ],
      '2024-01-02T03:04:05.678Z',
    );
    assert.deepEqual(
      rows.events.map((e) => JSON.parse(e.payload) as ChangeEventPayload),
      rows.events.map((e, i) => ({ EventId: e.eventId, Time: '2024-01-02T03:04:05.678Z', Client: 5, Operator: 1, ContragentId: i === 0 ? 'OLD' : 'NEW', Changes: JSON.parse(rows.histories[i]!.fields) })),
    );
    assert.deepEqual(JSON.parse(rows.histories[0]!.fields), fieldRecords(CHANGES));
  });
});
