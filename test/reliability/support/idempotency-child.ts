// Child process of "killed after the commit, before the answer" (idempotency.test.ts): the
// app as a serving process runs it (buildApp over a store opened with servingStoreOptions)
// on the migrated and seeded database at argv[2], listening on a free port (printed as
// "listening <url>"). A request whose Idempotency-Key is argv[3] is answered by nobody: once
// its handler has returned — its transaction committed, its answer encoded — the onSend
// hook prints "committed <the answer>" and the process SIGKILLs itself before a byte of
// the answer is written (stdout to a pipe is synchronous on Linux: the line is not lost).
import { loadConfig } from '../../../src/config.ts';
import { openStore } from '../../../src/db/store.ts';
import { buildApp } from '../../../src/http/app.ts';
import { servingStoreOptions } from '../../../src/http/server.ts';

const [database, killKey] = process.argv.slice(2);
if (!database || !killKey) throw new Error('usage: idempotency-child.ts <database> <key to die on>');
const config = loadConfig(process.env, { database, host: '127.0.0.1', port: 0 });
const store = await openStore(config.database, servingStoreOptions(config));
const app = await buildApp({ config, store, logger: false });
app.addHook('onSend', async (request, _reply, payload) => {
  if (request.headers['idempotency-key'] === killKey) {
    process.stdout.write(`committed ${String(payload)}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
  return payload;
});
const url = await app.listen({ host: config.host, port: config.port });
process.stdout.write(`listening ${url}\n`);
