// Real `lcm serve` processes, both engines: the gateway subscribes with
// `lcm webhook add --events participant.confirmation_code`, the flow runs over HTTP, and
// the process's whole output at LCM_LOG_LEVEL=trace holds no code and no password. On
// PostgreSQL a second process shares the database: a code asked at one is used at the
// other, and the limits count across both.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ENGINES } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { seededDatabase } from '../helpers/app.ts';
import { freePort } from '../helpers/net.ts';
import { ROOT, runLcm } from '../helpers/cli.ts';
import { verifySignature } from '../../src/webhooks/signature.ts';
import { OK, clientLogin, codeEvents, nextCode, post, startReceiver } from './support.ts';
import type { CodeEvent, Receiver } from './support.ts';

const BIN = path.join(ROOT, 'bin/lcm.js');
const SECRET = 'process-test-secret-0123456789abcdef';
const GET_CODE = '/api/client/GetConfirmCode';
const SET_PASSWORD = '/api/client/SetClientPassword';

interface Served {
  base: string;
  output: () => string;
  stop(): Promise<void>;
}

async function serve(database: string, env: NodeJS.ProcessEnv): Promise<Served> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--database', database, '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, LCM_JWT_SECRET: SECRET, LCM_WEBHOOK_POLL_MS: '50', LCM_LOG_LEVEL: 'trace', ...env },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!out.includes('lcm serving ')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`lcm serve did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base: `http://127.0.0.1:${port}`,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

for (const engine of ENGINES) {
  describe(`sign-in through lcm serve on ${engine}`, () => {
    let database: TestDatabase;
    let gateway: Receiver;
    let failing: Receiver;
    const servers: Served[] = [];
    const secrets: string[] = [];

    before(async () => {
      database = await seededDatabase(engine);
      gateway = await startReceiver();
      // A gateway that answers 500: its failed deliveries are logged (without the body).
      failing = await startReceiver();
      failing.answer = 500;
      for (const [url, secret] of [
        [gateway.url, 'gw-secret'],
        [failing.url, 'gw2-secret'],
      ]) {
        const added = await runLcm(['webhook', 'add', '--operator', '1', '--url', url!, '--secret', secret!, '--events', 'participant.confirmation_code', '--database', database.url]);
        assert.equal(added.code, 0, added.stderr);
        assert.deepEqual(JSON.parse(added.stdout).Events, ['participant.confirmation_code']);
      }
      const bad = await runLcm(['webhook', 'add', '--operator', '1', '--url', gateway.url, '--events', 'participant.sms', '--database', database.url]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--events takes participant\.changed, participant\.confirmation_code/);
    });
    after(async () => {
      for (const s of servers) await s.stop();
      await gateway.close();
      await failing.close();
      await database.drop();
    });

    it('the flow works and a trace-level log holds no code and no password', async () => {
      const a = await serve(database.url, { LCM_CODE_LIMIT_PER_ADDRESS_HOUR: '0' });
      servers.push(a);
      assert.deepEqual((await post(a.base, GET_CODE, { Phone: 79160000001, Operator: 1 })).json, OK);
      const event: CodeEvent = await nextCode(gateway, 79160000001, 0);
      const raw = gateway.requests.find((r) => r.body.includes(event.EventId))!;
      assert.ok(verifySignature('gw-secret', raw.body, raw.signature));
      secrets.push(event.Code, 'process-pass-1');
      const wrong = String((Number(event.Code) + 1) % 1_000_000).padStart(6, '0');
      secrets.push(wrong);
      assert.equal((await post(a.base, SET_PASSWORD, { Phone: 79160000001, Code: wrong, Password: 'process-pass-1', Operator: 1 })).json.ErrorCode, 20);
      assert.deepEqual((await post(a.base, SET_PASSWORD, { Phone: 79160000001, Code: event.Code, Password: 'process-pass-1', Operator: 1 })).json, OK);
      assert.equal((await clientLogin(a.base, '+7 916 000-00-01', 'process-pass-1')).status, 200);
      // The failing gateway was tried and its failure logged.
      await waitForText(a, 'confirmation code delivery failed');

      await a.stop();
      const log = a.output();
      // The capture holds the requests (fastify logs nothing more at trace; the bodies never).
      assert.match(log, /"url":"\/api\/client\/GetConfirmCode".*"msg":"incoming request"/);
      assert.equal(log.match(/"url":"\/api\/client\/SetClientPassword"/g)?.length, 2);
      for (const s of secrets) assert.ok(!log.includes(s), `the log holds ${s}`);
      servers.splice(servers.indexOf(a), 1);
    });

    it('two processes on one PostgreSQL share codes and limits', { skip: engine !== 'postgres' && 'one process per SQLite file' }, async () => {
      const env = { LCM_CODE_LIMIT_PER_ADDRESS_HOUR: '3' };
      const [a, b] = [await serve(database.url, env), await serve(database.url, env)];
      servers.push(a, b);
      const seen = codeEvents(gateway).filter((e) => e.Phone === 79160000002).length;
      assert.equal((await post(a.base, GET_CODE, { Phone: 79160000002, Operator: 1 })).status, 200);
      // The phone's minute is counted in the database: the other process refuses too.
      const refused = await post(b.base, GET_CODE, { Phone: 79160000002, Operator: 1 });
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.retryAfter) > 0 && Number(refused.retryAfter) <= 60);
      // A code asked at A sets the password at B.
      const event = await nextCode(gateway, 79160000002, seen);
      secrets.push(event.Code);
      assert.deepEqual((await post(b.base, SET_PASSWORD, { Phone: 79160000002, Code: event.Code, Password: 'shared-pass-2', Operator: 1 })).json, OK);
      assert.equal((await clientLogin(a.base, '79160000002', 'shared-pass-2')).status, 200);
      // The address budget (3 an hour) is shared: A 1, B 1 (the refusal above did not count), A 1, then B is refused.
      assert.equal((await post(b.base, GET_CODE, { Phone: 79163330001, Operator: 1 })).status, 200);
      assert.equal((await post(a.base, GET_CODE, { Phone: 79163330002, Operator: 1 })).status, 200);
      const over = await post(b.base, GET_CODE, { Phone: 79163330003, Operator: 1 });
      assert.equal(over.status, 429);
      for (const s of [a, b]) {
        await s.stop();
        assert.ok(!s.output().includes(event.Code) && !s.output().includes('shared-pass-2'));
      }
      servers.length = 0;
    });
  });
}

async function waitForText(s: Served, text: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!s.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`no "${text}" in the output`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
