// Idempotency-Key across crashes and processes (docs/reliability.md, "Retries").
// - Killed after the commit, before the answer (both engines): a server process
//   (support/idempotency-child.ts) SIGKILLs itself once a keyed ClientCreate — then a keyed
//   ClientUpdate — has committed and its answer is encoded, before sending it. The real
//   `lcm serve` restarted on the database answers the retries with the stored answers
//   (ErrorCode 0, the same Client and Card), and there is one participant and one history
//   row per request. Without the key, the retry would have answered ErrorCode 7.
// - Two `lcm serve` processes on one PostgreSQL: the same keys sent to both at once act
//   once each, and every duplicate gets the same answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ENGINES } from '../helpers/engines.ts';
import { seededDatabase } from '../helpers/app.ts';
import { ROOT } from '../helpers/cli.ts';
import { openStore } from '../../src/db/store.ts';
import { killServe, managerBearer, startServe } from './support/load.ts';
import type { ServerProcess } from './support/load.ts';

const SECRET = 'idempotency-test-secret-0123456789abcdef';
const CREATE = '/api/client/ClientCreate';
const UPDATE = '/api/client/ClientUpdate';

/** Runs the child until it kills itself on `key`; returns the answer it committed and never sent. */
async function killedAfterCommit(database: string, key: string, send: (url: string) => Promise<unknown>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/reliability/support/idempotency-child.ts'), database, key], {
    cwd: ROOT,
    env: { ...process.env, LCM_JWT_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<string | null>((resolve) => child.once('close', (_code, signal) => resolve(signal)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child did not listen:\n${out}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /listening (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      void exited.then(() => reject(new Error(`child ended before listening:\n${out}`)));
    });
    await assert.rejects(send(url), 'the request gets no answer');
    assert.equal(await exited, 'SIGKILL', out);
    const m = /^committed (.*)$/m.exec(out);
    assert.ok(m, `the child committed and died before answering:\n${out}`);
    return m[1]!;
  } finally {
    child.kill('SIGKILL');
  }
}

async function post(url: string, pathname: string, authorization: string, body: object, key?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url + pathname, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization, ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

for (const engine of ENGINES) {
  describe(`Idempotency-Key: killed after the commit, before the answer (${engine})`, () => {
    it('the retry after a restart gets the stored answer; one participant and one history row per request', async () => {
      const database = await seededDatabase(engine);
      let server: ServerProcess | undefined;
      try {
        const create = { Phone: 79165550001, Name: 'Кассир', Surname: 'Потерянный' };
        const update = { Client: 1, Surname: 'Обрыв' };
        const committedCreate = await killedAfterCommit(database.url, 'crash-create', async (url) =>
          post(url, CREATE, await managerBearer(url, 'cashier', 'secret'), create, 'crash-create'),
        );
        const committedUpdate = await killedAfterCommit(database.url, 'crash-update', async (url) =>
          post(url, UPDATE, await managerBearer(url, 'cashier', 'secret'), update, 'crash-update'),
        );
        const created = JSON.parse(committedCreate) as { ErrorCode: number; Client: number; Card: number };
        assert.equal(created.ErrorCode, 0);
        assert.equal(committedUpdate, '{"ErrorCode":0,"Message":""}');

        server = await startServe(database.url, { LCM_JWT_SECRET: SECRET });
        const authorization = await managerBearer(server.url, 'cashier', 'secret');
        const retryCreate = await post(server.url, CREATE, authorization, create, 'crash-create');
        assert.equal(retryCreate.status, 200);
        assert.equal(retryCreate.body, committedCreate, 'the answer the killed process never sent');
        const retryUpdate = await post(server.url, UPDATE, authorization, update, 'crash-update');
        assert.equal(retryUpdate.body, '{"ErrorCode":0,"Message":""}');
        // What the retry would have answered without the key (the bug of issue 22).
        assert.equal(JSON.parse((await post(server.url, CREATE, authorization, create)).body).ErrorCode, 7);

        const store = await openStore(database.url);
        try {
          const participants = await store.db.selectFrom('participants').select('id').where('phone', '=', 79165550001).execute();
          assert.deepEqual(participants.map((p) => p.id), [created.Client], 'one participant');
          const history = await store.db.selectFrom('change_history').select(['participant_id', 'fields']).where('participant_id', 'in', [1, created.Client]).execute();
          assert.equal(history.filter((h) => h.participant_id === created.Client).length, 1, 'one history row of the registration');
          assert.equal(history.filter((h) => h.participant_id === 1 && h.fields.includes('Обрыв')).length, 1, 'one history row of the update');
          const keys = await store.db.selectFrom('idempotency_keys').select(['key', 'response']).orderBy('key').execute();
          assert.deepEqual(keys, [
            { key: 'crash-create', response: committedCreate },
            { key: 'crash-update', response: committedUpdate },
          ]);
        } finally {
          await store.close();
        }
      } finally {
        if (server) await killServe(server).catch(() => {});
        await database.drop();
      }
    });
  });
}

describe('Idempotency-Key: two server processes on one PostgreSQL', { skip: ENGINES.includes('postgres') ? false : 'LCM_TEST_PG is not set' }, () => {
  it('the same keys sent to both processes at once act once each; every duplicate gets the same answer', async () => {
    const database = await seededDatabase('postgres');
    const servers: ServerProcess[] = [];
    try {
      servers.push(await startServe(database.url, { LCM_JWT_SECRET: SECRET }), await startServe(database.url, { LCM_JWT_SECRET: SECRET }));
      const authorization = await managerBearer(servers[0]!.url, 'cashier', 'secret');
      const KEYS = 12;
      const COPIES = 4; // per key, half to each process
      const sends: Promise<{ key: string; op: string; status: number; body: string }>[] = [];
      for (let k = 0; k < KEYS; k++) {
        const create = { Phone: 79165560000 + k, Name: `Два-${k}` };
        const update = { Client: 1 + (k % 2), Patronymic: `Два-${k}` };
        for (let c = 0; c < COPIES; c++) {
          const server = servers[c % 2]!;
          sends.push(post(server.url, CREATE, authorization, create, `two-create-${k}`).then((r) => ({ key: `two-create-${k}`, op: 'create', ...r })));
          sends.push(post(server.url, UPDATE, authorization, update, `two-update-${k}`).then((r) => ({ key: `two-update-${k}`, op: 'update', ...r })));
        }
      }
      const answers = await Promise.all(sends);
      const byKey = new Map<string, Set<string>>();
      for (const a of answers) {
        assert.equal(a.status, 200, `${a.key}: ${a.body}`);
        assert.equal(JSON.parse(a.body).ErrorCode, 0, `${a.key}: ${a.body}`);
        byKey.set(a.key, (byKey.get(a.key) ?? new Set()).add(a.body));
      }
      for (const [key, bodies] of byKey) assert.equal(bodies.size, 1, `${key}: one answer for all copies: ${[...bodies].join(' | ')}`);

      const store = await openStore(database.url);
      try {
        for (let k = 0; k < KEYS; k++) {
          const rows = await store.db.selectFrom('participants').select('id').where('phone', '=', 79165560000 + k).execute();
          assert.equal(rows.length, 1, `one participant for key ${k}`);
        }
        const updates = await store.db.selectFrom('change_history').select('fields').where('participant_id', 'in', [1, 2]).execute();
        for (let k = 0; k < KEYS; k++) {
          assert.equal(updates.filter((h) => h.fields.includes(`"New":"Два-${k}"`)).length, 1, `one history row for update key ${k}`);
        }
        assert.equal((await store.db.selectFrom('idempotency_keys').select('key').execute()).length, 2 * KEYS);
      } finally {
        await store.close();
      }
      // And after one of them restarts, its retries are still answered from the stored answers.
      await killServe(servers.shift()!);
      servers.push(await startServe(database.url, { LCM_JWT_SECRET: SECRET }));
      const again = await post(servers[1]!.url, CREATE, authorization, { Phone: 79165560000, Name: 'Два-0' }, 'two-create-0');
      assert.deepEqual([...byKey.get('two-create-0')!], [again.body]);
    } finally {
      for (const s of servers) await killServe(s).catch(() => {});
      await database.drop();
    }
  });
});
