// Concurrent ClientUpdate requests over a listening server on both engines: no lost update
// when requests change different fields of one participant, and one winner when two
// participants claim one phone at the same moment.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { ENGINES } from '../../helpers/engines.ts';
import { seededApp } from '../../helpers/app.ts';
import type { TestStore } from '../../helpers/engines.ts';
import { CASHIER } from '../../helpers/fixtures.ts';
import { findParticipant } from '../../../src/participant/store/participants.ts';
import { participantView } from '../../../src/participant/participant.ts';

for (const engine of ENGINES) {
  describe(`ClientUpdate under concurrency on ${engine}`, () => {
    let ts: TestStore;
    let app: FastifyInstance;
    let base: string;
    let auth: string;
    before(async () => {
      ({ t: ts, app } = await seededApp(engine));
      base = await app.listen({ host: '127.0.0.1', port: 0 });
      auth = `Bearer ${await app.deps.auth.issueAccessToken(CASHIER)}`;
    });
    after(async () => {
      await app.close();
      await ts.dispose();
    });

    const post = async (body: object) => {
      const res = await fetch(`${base}/api/client/ClientUpdate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { ErrorCode: number } };
    };

    it('requests changing different fields of one participant all take effect', async () => {
      for (let round = 0; round < 5; round++) {
        const bodies = [
          { Name: `Имя${round}` },
          { Surname: `Фамилия${round}` },
          { Patronymic: `Отчество${round}` },
          { Phone: 79165550000 + round },
          { Email: `round${round}@example.ru` },
          { Birthdate: `19${70 + round}-01-0${round + 1}` },
          { Gender: round % 2 === 0 ? -1 : 1 },
          { AllowSms: round % 2 === 0 },
          { AllowEmail: round % 2 === 1 },
          { AllowEmailOnlineCheque: round % 2 === 0 },
          { ContragentId: `ERP-${round}` },
        ];
        const answers = await Promise.all(bodies.map((b) => post({ Client: 1, ...b })));
        for (const a of answers) assert.deepEqual(a, { status: 200, body: { ErrorCode: 0, Message: '' } });
        const p = participantView((await findParticipant(ts.store.db, 1))!);
        assert.deepEqual(
          { ...p },
          {
            ...p,
            Name: `Имя${round}`,
            Surname: `Фамилия${round}`,
            Patronymic: `Отчество${round}`,
            Phone: 79165550000 + round,
            Email: `round${round}@example.ru`,
            Birthdate: `19${70 + round}-01-0${round + 1}`,
            Gender: round % 2 === 0 ? -1 : 1,
            AllowSms: round % 2 === 0,
            AllowEmail: round % 2 === 1,
            AllowEmailOnlineCheque: round % 2 === 0,
            ContragentId: `ERP-${round}`,
          },
          `round ${round}: no field was lost`,
        );
      }
    });

    it('two participants claiming one phone at once: exactly one wins', async () => {
      for (let round = 0; round < 10; round++) {
        const phone = 79167770000 + round;
        const [a, b] = await Promise.all([post({ Client: 1, Phone: phone }), post({ Client: 2, Phone: phone })]);
        const codes = [a.body.ErrorCode, b.body.ErrorCode].sort();
        assert.deepEqual(codes, [0, 7], `round ${round}`);
        const holders = await ts.store.db.selectFrom('participants').select('id').where('phone', '=', phone).execute();
        assert.equal(holders.length, 1);
      }
    });

    it('many parallel updates of many fields by many requests leave a consistent row', async () => {
      const n = 40;
      const answers = await Promise.all(Array.from({ length: n }, (_, i) => post({ Client: 2, Name: `N${i}`, AllowSms: i % 2 === 0 })));
      assert.ok(answers.every((a) => a.status === 200 && a.body.ErrorCode === 0));
      const p = (await findParticipant(ts.store.db, 2))!;
      const i = Number(p.name!.slice(1));
      assert.equal(p.allowSms, i % 2 === 0, 'name and consent come from the same request');
    });
  });
}
