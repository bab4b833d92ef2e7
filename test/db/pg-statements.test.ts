// How statements reach PostgreSQL (src/db/pg-statements.ts): parameters written in as
// literals read back exactly as sent; the bounds are SET LOCAL in each transaction and
// statement, never a session setting (a pooler would neither accept nor keep one).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { inlineParameters, literal } from '../../src/db/pg-statements.ts';
import { openStore } from '../../src/db/store.ts';
import type { Store } from '../../src/db/store.ts';
import { ENGINES, createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { databaseUnavailability } from '../../src/db/errors.ts';

const TRICKY = ["it's", 'back\\slash', "both \\' and ''", '$1 and $$dollar$$', '-- not a comment', 'Ёлка 🎄', ''];

/** `lit` is one dollar-quoted literal with a random tag that does not occur in its body: the body. */
function body(lit: string): string {
  const m = /^\$(lcm_[0-9a-f]{12})\$([\s\S]*)\$\1\$$/.exec(lit);
  assert.ok(m, `a dollar-quoted literal: ${lit}`);
  assert.ok(!m[2]!.includes(m[1]!), 'the tag does not occur in the value');
  return m[2]!;
}

/** Each dollar-quoted literal of `text` written as «body». */
const plain = (text: string) => text.replace(/\$(lcm_[0-9a-f]{12})\$([\s\S]*?)\$\1\$/g, (_m, _tag, b: string) => `«${b}»`);

describe('parameters written in as literals', () => {
  it('replaces placeholders, but not inside strings, quoted names, dollar quotes, comments or names with $', () => {
    const text = `select $1, '$1', "a$1", $q$ $1 $q$, a$1, $2 -- $1\n, /* $2 */ $10`;
    const values = Array.from({ length: 10 }, (_, i) => i + 1);
    assert.equal(plain(inlineParameters(text, values)), `select «1», '$1', "a$1", $q$ $1 $q$, a$1, «2» -- $1\n, /* $2 */ «10»`);
  });

  it('writes the text node-postgres sends, dollar-quoted with no escapes: null, booleans, numbers, strings with quotes, backslashes and dollars, JSON, bytes', () => {
    assert.equal(literal(null), 'null');
    assert.equal(literal(undefined), 'null');
    assert.equal(body(literal(true)), 'true');
    assert.equal(body(literal(79161234567)), '79161234567');
    for (const v of TRICKY) assert.equal(body(literal(v)), v);
    assert.equal(body(literal({ a: "x'y\\" })), '{"a":"x\'y\\\\"}');
    assert.equal(body(literal(Buffer.from([1, 255]))), '\\x01ff');
    assert.equal(body(literal(['a', "b'c"])), '{"a","b\'c"}');
    // Two literals of one value get different tags: a value cannot guess the one that ends it.
    assert.notEqual(literal('x'), literal('x'));
    assert.throws(() => inlineParameters('select $2', [1]), /No value for parameter \$2/);
    // A NUL would end the query's text inside the literal: refused as PostgreSQL refuses it in a parameter.
    assert.throws(() => literal('a\0b'), (err: { code?: string }) => err.code === '22021');
  });
});

if (ENGINES.includes('postgres')) {
  describe('bounds and literals on PostgreSQL', () => {
    let database: TestDatabase;
    let store: Store;
    before(async () => {
      database = await createTestDatabase('postgres');
      store = await openStore(database.url, { statementTimeoutMs: 300, poolSize: 1 });
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    it('values read back exactly as sent', async () => {
      for (const v of TRICKY) {
        const { rows } = await sql<{ v: string; n: number }>`select ${v}::text as v, length(${v}::text) as n`.execute(store.db);
        assert.deepEqual(rows, [{ v, n: [...v].length }]);
      }
      const { rows } = await sql<{ j: string; b: boolean; x: null }>`select (${JSON.stringify({ q: TRICKY })}::jsonb)->'q'->>2 as j, ${true}::boolean as b, ${null}::int as x`.execute(store.db);
      assert.deepEqual(rows, [{ j: TRICKY[2], b: true, x: null }]);
    });

    it('a statement on its own and one in a transaction are cancelled past the bound; the session keeps no setting', async () => {
      const alone = await sql`select pg_sleep(3)`.execute(store.db).then(() => undefined, (err: unknown) => err);
      assert.equal((alone as { code?: string }).code, '57014');
      assert.equal(databaseUnavailability(alone), 'busy');
      const inTx = await store.db
        .transaction()
        .execute(async (tx) => {
          const { rows } = await sql<{ s: string; i: string }>`select current_setting('statement_timeout') as s, current_setting('idle_in_transaction_session_timeout') as i`.execute(tx);
          assert.deepEqual(rows, [{ s: '300ms', i: '1min' }]);
          await sql`select pg_sleep(3)`.execute(tx);
        })
        .then(() => undefined, (err: unknown) => err);
      assert.equal((inTx as { code?: string }).code, '57014');
      // The session itself (what a pooler hands to the next client) has no bound: neither
      // set at connection (a startup parameter) nor left behind. reset_val is the session's
      // own value, which this statement's SET LOCAL does not change.
      const session = await sql<{ name: string; reset_val: string }>`select name, reset_val from pg_settings where name in ('statement_timeout', 'idle_in_transaction_session_timeout') order by name`.execute(store.db);
      assert.deepEqual(session.rows, [
        { name: 'idle_in_transaction_session_timeout', reset_val: '0' },
        { name: 'statement_timeout', reset_val: '0' },
      ]);
    });
  });
}
