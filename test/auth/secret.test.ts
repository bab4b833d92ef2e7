import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ENGINES, createTestStore } from '../helpers/engines.ts';
import { createAuthenticator } from '../../src/auth/authenticator.ts';
import { secretFilePath } from '../../src/auth/secret.ts';
import { openStore } from '../../src/db/store.ts';
import { buildApp } from '../../src/http/app.ts';
import type { Principal } from '../../src/lib/principal.ts';

const someone: Principal = { kind: 'client', clientId: 1, operatorId: 1 };

function capture() {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    log: { warn: (message: string) => lines.push({ level: 'warn', message }), info: (message: string) => lines.push({ level: 'info', message }) },
  };
}

for (const engine of ENGINES) {
  describe(`JWT secret on ${engine}`, () => {
    it('LCM_JWT_SECRET wins: nothing is generated or stored', async () => {
      const ts = await createTestStore(engine, { jwtSecret: 'configured-secret-0123456789abcdef' });
      try {
        const { lines, log } = capture();
        const auth = await createAuthenticator(ts.config, ts.store, log);
        assert.ok(await auth.verifyAccessToken(await auth.issueAccessToken(someone)));
        assert.deepEqual(lines, []);
        if (engine === 'sqlite') assert.equal(fs.existsSync(secretFilePath(ts.store.file!)), false);
        assert.equal((await ts.store.db.selectFrom('settings').selectAll().execute()).length, 0);
      } finally {
        await ts.dispose();
      }
    });

    it('without LCM_JWT_SECRET a secret is generated once, with a warning, and reused by later starts and other processes', async () => {
      const ts = await createTestStore(engine, { jwtSecret: undefined });
      assert.equal(ts.config.jwtSecret, undefined);
      const second = await openStore(ts.config.database);
      try {
        const first = capture();
        const a = await createAuthenticator(ts.config, ts.store, first.log);
        assert.equal(first.lines.filter((l) => l.level === 'warn').length, 1);
        assert.match(first.lines[0]!.message, /LCM_JWT_SECRET/);
        if (engine === 'sqlite') {
          const file = secretFilePath(ts.store.file!);
          assert.equal(fs.statSync(file).mode & 0o777, 0o600);
          assert.ok(fs.readFileSync(file, 'utf8').trim().length >= 32);
        } else {
          const rows = await ts.store.db.selectFrom('settings').selectAll().execute();
          assert.deepEqual(rows.map((r) => r.key), ['jwt_secret']);
        }
        const stored = engine === 'sqlite' ? fs.readFileSync(secretFilePath(ts.store.file!), 'utf8') : undefined;
        const later = capture();
        const b = await createAuthenticator(ts.config, second, later.log);
        assert.equal(later.lines.filter((l) => l.level === 'warn').length, 0, 'warned only when generated');
        if (stored !== undefined) assert.equal(fs.readFileSync(secretFilePath(ts.store.file!), 'utf8'), stored, 'file unchanged');
        // Tokens of one verify in the other: the same secret.
        assert.deepEqual(await b.verifyAccessToken(await a.issueAccessToken(someone)), someone);
        assert.deepEqual(await a.verifyAccessToken(await b.issueAccessToken(someone)), someone);
        // And through the app factory as production builds it.
        const app = await buildApp({ config: ts.config, store: second, logger: false });
        try {
          assert.deepEqual(await app.deps.auth.authenticate({ authorization: `Bearer ${await a.issueAccessToken(someone)}` }), someone);
        } finally {
          await app.close();
        }
      } finally {
        await second.close();
        await ts.dispose();
      }
    });

    it('processes starting at the same moment agree on one secret', async () => {
      const ts = await createTestStore(engine, { jwtSecret: undefined });
      const stores = await Promise.all([1, 2, 3].map(() => openStore(ts.config.database)));
      try {
        const auths = await Promise.all(stores.map((s) => createAuthenticator(ts.config, s, capture().log)));
        const jwt = await auths[0]!.issueAccessToken(someone);
        for (const a of auths) assert.deepEqual(await a.verifyAccessToken(jwt), someone);
      } finally {
        for (const s of stores) await s.close();
        await ts.dispose();
      }
    });
  });
}
