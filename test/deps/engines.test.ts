// `npm ci` on the oldest Node that package.json's engines admits must not warn
// EBADENGINE: every installed package's engines.node range has to admit that version too
// (cookie@2 wanted Node 22 while we said 20; package.json overrides it to 1.1.1).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.ts';

type Version = [number, number, number];

function parse(text: string): { v: Version; wild: number } {
  const parts = text.replace(/^v/, '').split('.');
  const v: Version = [0, 0, 0];
  let wild = 3;
  for (let i = 0; i < 3; i++) {
    const p = parts[i];
    if (p === undefined || p === 'x' || p === '*' || p === 'X') {
      wild = Math.min(wild, i);
      break;
    }
    v[i] = Number(p);
  }
  return { v, wild };
}

function cmp(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** The subset of semver ranges that engines fields use: `||`, `>= > <= < ^ ~`, x-ranges. */
function satisfies(version: string, range: string): boolean {
  const v = parse(version).v;
  return range.split('||').some((alt) => {
    const tokens = alt.trim().replace(/(>=|<=|>|<|\^|~)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return tokens.every((t) => {
      if (t === '*') return true;
      const m = /^(>=|<=|>|<|\^|~|=)?(.*)$/.exec(t)!;
      const { v: r, wild } = parse(m[2]!);
      const c = cmp(v, r);
      switch (m[1]) {
        case '>=':
          return c >= 0;
        case '>':
          return c > 0;
        case '<=':
          return c <= 0;
        case '<':
          return c < 0;
        case '^':
          return c >= 0 && v[0] === r[0];
        case '~':
          return c >= 0 && v[0] === r[0] && v[1] === r[1];
        default:
          return v.slice(0, wild).every((n, i) => n === r[i]);
      }
    });
  });
}

describe('engines', () => {
  it('the range check reads engines ranges right', () => {
    assert.equal(satisfies('20.0.0', '>=22'), false);
    assert.equal(satisfies('20.0.0', '>=18.17'), true);
    assert.equal(satisfies('20.0.0', '20.x || 22.x'), true);
    assert.equal(satisfies('21.0.0', '20.x || 22.x'), false);
    assert.equal(satisfies('20.0.0', '^16 || ^18 || >=20'), true);
    assert.equal(satisfies('20.0.0', '>= 10.x'), true);
  });

  it('every locked package admits the oldest Node that package.json admits', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
    const oldest = /^>=\s*(\d+(?:\.\d+)*)$/.exec(pkg.engines.node)?.[1];
    assert.ok(oldest, `engines.node should be a lower bound, is ${pkg.engines.node}`);
    const refused = Object.entries(lock.packages as Record<string, { version?: string; engines?: { node?: string } }>)
      .filter(([name, p]) => name !== '' && p.engines?.node && !satisfies(oldest, p.engines.node))
      .map(([name, p]) => `${name}@${p.version} wants node ${p.engines!.node}`);
    assert.deepEqual(refused, []);
  });
});
