// The ClientUpdate fuzzer: generated and mutated bodies of one format sent through the real
// app (buildApp over a seeded store), each answer checked against the documented shapes,
// and the database against the model: changed only by the requests that succeeded, exactly
// as the model says, and not at all by the others.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { clientUpdate } from '../../../src/contract/client-update.ts';
import type { Engine } from '../../../src/db/store.ts';
import { toParticipant } from '../../../src/participant/store/participants.ts';
import { seededApp } from '../../helpers/app.ts';
import { clientToken, managerToken } from '../../helpers/tokens.ts';
import type { Envelope, GenRequest, Member, MemberNs } from './fuzz-bodies.ts';
import { encodeBody, expectRead } from './fuzz-bodies.ts';
import type { Caller, Expected, Profile } from './fuzz-model.ts';
import { expectUpdate, profileViolations, PROFILE_FIELDS } from './fuzz-model.ts';
import type { Format } from './fuzz-read.ts';
import { spelling, unknownName, unknownXmlName, valueFor, wrongShape } from './fuzz-values.ts';
import { checkShape } from './wire-shapes.ts';

export const DEFAULT_SEED = 20261128;

/** LCM_FUZZ_SEED, or the fixed default: the same seed replays the same run. */
export function fuzzSeed(): number {
  const env = process.env.LCM_FUZZ_SEED;
  return env === undefined || env === '' ? DEFAULT_SEED : Number(env);
}

export function fuzzRuns(engine: Engine): number {
  const env = process.env.LCM_FUZZ_RUNS;
  if (env) return Number(env);
  return engine === 'sqlite' ? 10_000 : 1_000;
}

const FIELDS = clientUpdate.request.fields;
const PARTICIPANTS = [1, 2, 3];
const REQUEST_TIMEOUT_MS = 5_000;

type CallerName = 'cashier' | 'client1' | 'other' | 'none' | 'garbage';
const CALLERS: Record<CallerName, Caller> = {
  cashier: { kind: 'manager', operatorId: 1, token: 5001 },
  client1: { kind: 'client', operatorId: 1, clientId: 1 },
  other: { kind: 'manager', operatorId: 2, token: 6001 },
  none: { kind: 'none' },
  garbage: { kind: 'none' },
};

const CONTENT_TYPES: Record<Format, string[]> = {
  json: ['application/json', 'application/json', 'text/json', 'application/json; charset=utf-8', 'APPLICATION/JSON;charset=UTF-16', 'application/json; foo=bar'],
  xml: ['application/xml', 'application/xml', 'text/xml', 'text/xml; charset=utf-8', 'Application/XML; charset=windows-1251'],
  form: ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8'],
};
/** Content-Types no format reads (415); `null` sends none. */
const BAD_CONTENT_TYPES = ['text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/jsonx', 'json', 'application/json/extra', 'text/html; charset=utf-8', '*/*', null];
const ACCEPTS = [undefined, undefined, '*/*', 'application/json', 'application/xml', 'text/xml', 'text/*', 'application/xml, */*', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'image/png', 'application/json;q=0, application/xml;q=0', 'garbage;;;q=x'];

const NS: Arbitrary<MemberNs> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('inherit' as const) },
  { weight: 2, arbitrary: fc.constant('abs' as const) },
  { weight: 1, arbitrary: fc.constantFrom('models' as const, 'other' as const) },
);

function memberArb(format: Format, fieldIndex: Arbitrary<number>): Arbitrary<Member> {
  return fieldIndex.chain((i) => {
    const field = FIELDS[i]!;
    return fc.record({
      name: spelling(field.name),
      field: fc.constant(field),
      sem: valueFor(field),
      ns: format === 'xml' ? NS : fc.constant('inherit' as const),
      prefixed: fc.boolean(),
      cdata: fc.boolean(),
      plus: fc.boolean(),
    });
  });
}

const RARE = new Set(['Operator', 'Token', 'PosCode', 'SiteCode']);
const declaredKeys = new Set(FIELDS.map((f) => f.name.toLowerCase()));

function unknownMemberArb(format: Format): Arbitrary<Member> {
  return fc.record({
    name: (format === 'xml' ? unknownXmlName : unknownName).filter((n) => !declaredKeys.has(n.toLowerCase())),
    field: fc.constant(undefined),
    sem: wrongShape,
    ns: fc.constant('inherit' as const),
    prefixed: fc.constant(false),
    cdata: fc.boolean(),
    plus: fc.boolean(),
  });
}

function envelopeArb(): Arbitrary<Envelope> {
  const typeName = clientUpdate.request.typeName;
  return fc.record({
    rootName: fc.oneof(
      { weight: 20, arbitrary: fc.constant(typeName) },
      { weight: 1, arbitrary: fc.constantFrom(typeName.toLowerCase(), 'SetClientUpdateResponse', 'Request', 'ClientUpdate') },
    ),
    rootNs: fc.oneof({ weight: 12, arbitrary: fc.constant('models' as const) }, { weight: 2, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: fc.constant('wrong' as const) }),
    xmlDeclaration: fc.boolean(),
    top: fc.oneof({ weight: 40, arbitrary: fc.constant('object' as const) }, { weight: 1, arbitrary: fc.constantFrom('array' as const, 'null' as const, 'string' as const, 'empty' as const) }),
    bom: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    padding: fc.oneof({ weight: 150, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 65_536, max: 70_000 }) }),
  });
}

/** A request: every declared field present or not, some repeated, unknown members, in any order. */
function requestArb(format: Format): Arbitrary<GenRequest> {
  // Client nearly always; the fields that name the caller's context (and mostly fail when
  // wrong) rarely; the profile fields often.
  const presence = (name: string): [number, number] => (name === 'Client' ? [1, 19] : RARE.has(name) ? [6, 1] : [13, 7]);
  const present = FIELDS.map((f, i) => {
    const [absent, given] = presence(f.name);
    return fc.oneof({ weight: absent, arbitrary: fc.constant(null) }, { weight: given, arbitrary: memberArb(format, fc.constant(i)) });
  });
  const repeats = fc.oneof({ weight: 5, arbitrary: fc.constant([] as Member[]) }, { weight: 1, arbitrary: fc.array(memberArb(format, fc.nat(FIELDS.length - 1)), { minLength: 1, maxLength: 3 }) });
  const unknown = fc.oneof({ weight: 4, arbitrary: fc.constant([] as Member[]) }, { weight: 1, arbitrary: fc.array(unknownMemberArb(format), { minLength: 1, maxLength: 3 }) });
  return fc.record({ present: fc.tuple(...present), repeats, unknown, env: envelopeArb(), order: fc.array(fc.nat(), { minLength: 30, maxLength: 30 }) }).map(({ present, repeats, unknown, env, order }) => {
    const all = [...present.filter((m): m is Member => m !== null), ...repeats, ...unknown];
    const members = all.map((m, i) => [order[i % order.length]! + i / 1000, m] as const).sort((a, b) => a[0] - b[0]).map(([, m]) => m);
    return { members, env };
  });
}

type Mutation = { kind: 'flip' | 'delete' | 'insert' | 'truncate' | 'duplicate'; at: number; len: number; bytes: Uint8Array };

const mutationArb: Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'delete', 'insert', 'truncate', 'duplicate'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 16 }),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
});

function mutate(body: Buffer, mutations: readonly Mutation[]): Buffer {
  let b = body;
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.kind) {
      case 'flip':
        if (b.length > 0) {
          b = Buffer.from(b);
          b[at] = m.bytes[0]!;
        }
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
        break;
    }
  }
  return b;
}

interface Case {
  req: GenRequest;
  caller: CallerName;
  contentType: string | null;
  /** The Content-Type is one the format reads. */
  readable: boolean;
  accept: string | undefined;
  /** Byte mutations of the encoded body: the model does not predict their meaning. */
  mutations: Mutation[];
}

function caseArb(format: Format): Arbitrary<Case> {
  const good = fc.constantFrom(...CONTENT_TYPES[format]).map((contentType) => ({ contentType: contentType as string | null, readable: true }));
  const bad = fc.constantFrom(...BAD_CONTENT_TYPES).map((contentType) => ({ contentType, readable: false }));
  return fc
    .record({
      req: requestArb(format),
      caller: fc.oneof(
        { weight: 14, arbitrary: fc.constant('cashier' as const) },
        { weight: 4, arbitrary: fc.constant('client1' as const) },
        { weight: 2, arbitrary: fc.constant('other' as const) },
        { weight: 1, arbitrary: fc.constantFrom('none' as const, 'garbage' as const) },
      ),
      type: fc.oneof({ weight: 40, arbitrary: good }, { weight: 1, arbitrary: bad }),
      accept: fc.constantFrom(...ACCEPTS),
      mutations: fc.oneof({ weight: 4, arbitrary: fc.constant([] as Mutation[]) }, { weight: 1, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 4 }) }),
    })
    .map(({ type, ...rest }) => ({ ...rest, ...type }));
}

// ---- The database as the model sees it ------------------------------------------------

async function readState(app: FastifyInstance): Promise<Map<number, Profile>> {
  const rows = await app.deps.store.db.selectFrom('participants').selectAll().where('id', 'in', PARTICIPANTS).execute();
  const out = new Map<number, Profile>();
  for (const row of rows) {
    const p = toParticipant(row);
    out.set(p.id, {
      id: p.id,
      operatorId: p.operatorId,
      Name: p.name,
      Surname: p.surname,
      Patronymic: p.patronymic,
      Phone: p.phone,
      Email: p.email,
      Birthdate: p.birthdate,
      Gender: p.gender,
      AllowSms: p.allowSms,
      AllowEmail: p.allowEmail,
      AllowEmailOnlineCheque: p.allowEmailOnlineCheque,
      ContragentId: p.contragentId,
    });
  }
  return out;
}

async function historyCount(app: FastifyInstance): Promise<number> {
  const row = await app.deps.store.db
    .selectFrom('change_history')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function lastHistoryFields(app: FastifyInstance): Promise<{ participant: number; fields: string[] }> {
  const row = await app.deps.store.db.selectFrom('change_history').select(['participant_id', 'fields']).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  const fields = (JSON.parse(row.fields) as { Field: string }[]).map((f) => f.Field);
  return { participant: Number(row.participant_id), fields };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export interface FuzzStats {
  runs: number;
  byStatus: Record<string, number>;
  accepted: number;
  changed: number;
  mutated: number;
  ms: number;
}

/** Runs `numRuns` cases of `format` against a fresh seeded app on `engine`. */
export async function runFuzz(format: Format, engine: Engine, numRuns: number, seed: number): Promise<FuzzStats> {
  const seeded = await seededApp(engine);
  const { app } = seeded;
  const started = performance.now();
  const stats: FuzzStats = { runs: 0, byStatus: {}, accepted: 0, changed: 0, mutated: 0, ms: 0 };
  try {
    const auth: Record<CallerName, string | undefined> = {
      cashier: `Bearer ${await managerToken(app, 'cashier')}`,
      client1: `Bearer ${await clientToken(app, 1)}`,
      other: `Bearer ${await managerToken(app, 'other')}`,
      none: undefined,
      garbage: 'Bearer eyJhbGciOiJub25lIn0.eyJvcGVyIjoiMSJ9.',
    };
    // Only these requests write, so the state read after one is the state before the next.
    let current = await readState(app);
    let currentHistory = await historyCount(app);
    // The first failure, as it happened: later runs (shrinking) see its aftermath too, e.g.
    // a request that hung and still writes.
    let first: { run: number; error: unknown; input: string } | undefined;
    let runNo = 0;
    const property = fc.asyncProperty(caseArb(format), async (c) => {
      const run = ++runNo;
      try {
        await check(c);
      } catch (error) {
        first ??= { run, error, input: fc.stringify(c) };
        throw error;
      }
    });
    const check = async (c: Case): Promise<void> => {
      const before = current;
      const historyBefore = currentHistory;
      const encoded = encodeBody(c.req, format);
      const mutated = c.mutations.length > 0;
      const body = mutated ? mutate(encoded, c.mutations) : encoded;
      const headers: Record<string, string> = {};
      if (c.contentType !== null) headers['content-type'] = c.contentType;
      if (c.accept !== undefined) headers.accept = c.accept;
      if (auth[c.caller] !== undefined) headers.authorization = auth[c.caller]!;
      const res = await withTimeout(app.inject({ method: 'POST', url: '/api/client/ClientUpdate', headers, payload: body }), REQUEST_TIMEOUT_MS, 'ClientUpdate');
      const answer = { status: res.statusCode, contentType: res.headers['content-type'] as string | undefined, body: res.body, wwwAuthenticate: res.headers['www-authenticate'] as string | undefined };
      const shaped = checkShape(answer, clientUpdate.response.typeName);
      const outcome = answer.status === 200 ? `200/${shaped.errorCode}` : String(answer.status);
      stats.byStatus[outcome] = (stats.byStatus[outcome] ?? 0) + 1;
      if (mutated) stats.mutated++;

      // What the model expects before reading the body: 401, then 413, then 415.
      let expected: Expected | undefined;
      if (CALLERS[c.caller].kind === 'none') expected = { status: 401 };
      else if (body.length > 65_536) expected = { status: 413 };
      else if (!c.readable) expected = { status: c.contentType === null && body.length === 0 ? 400 : 415 };
      else if (!mutated) {
        const read = expectRead(c.req, format, clientUpdate.request);
        expected = read.bad ? { status: 400 } : expectUpdate(before, CALLERS[c.caller], read.fields);
      }
      if (expected) {
        assert.equal(answer.status, expected.status, `status; answer ${answer.body.slice(0, 300)}`);
        if (expected.code !== undefined) {
          assert.equal(shaped.errorCode, expected.code, `ErrorCode; answer ${answer.body.slice(0, 300)}`);
          assert.equal(shaped.message, expected.message);
        }
      } else {
        assert.ok([200, 400, 403].includes(answer.status), `a mutated body answered ${answer.status}`);
      }

      const after = await readState(app);
      const historyAfter = await historyCount(app);
      current = after;
      currentHistory = historyAfter;
      const succeeded = answer.status === 200 && shaped.errorCode === 0;
      if (!succeeded) {
        assert.deepEqual(after, before, 'a refused request changed a participant');
        assert.equal(historyAfter, historyBefore, 'a refused request wrote history');
        return;
      }
      stats.accepted++;
      const differing = PARTICIPANTS.filter((id) => JSON.stringify(after.get(id)) !== JSON.stringify(before.get(id)));
      if (expected) {
        // Exactly the model's participant, values verbatim (after trimming) — never executed, never altered.
        const target = expected.after!;
        for (const id of PARTICIPANTS) assert.deepEqual(after.get(id), id === target.id ? target : before.get(id), `participant ${id}`);
        assert.equal(historyAfter - historyBefore, expected.changed!.length > 0 ? 1 : 0, 'one history row per change');
        if (expected.changed!.length > 0) stats.changed++;
        if (expected.changed!.length > 0) {
          const last = await lastHistoryFields(app);
          assert.deepEqual(last, { participant: target.id, fields: expected.changed });
        }
      } else {
        assert.ok(differing.length <= 1, 'one request changed several participants');
        assert.equal(historyAfter - historyBefore, differing.length, 'history rows match the changes');
        if (differing.length === 1) {
          stats.changed++;
          const id = differing[0]!;
          const p = after.get(id)!;
          assert.deepEqual(profileViolations(p), [], 'a stored value breaks the profile rules');
          const last = await lastHistoryFields(app);
          const changed = PROFILE_FIELDS.filter((f) => p[f] !== before.get(id)![f]);
          assert.deepEqual(last, { participant: id, fields: changed });
        }
      }
    };
    // On failure fc.assert throws with the seed, the path and the counterexample.
    try {
      await fc.assert(property, { seed, numRuns, includeErrorInReport: true, ...(process.env.LCM_FUZZ_PATH ? { path: process.env.LCM_FUZZ_PATH } : {}) });
    } catch (err) {
      const f = first;
      throw new Error(
        `${format} fuzz on ${engine} failed (seed ${seed}; replay with LCM_FUZZ_SEED=${seed}).\n` +
          (f ? `First failure, run ${f.run}: ${f.error instanceof Error ? f.error.message : String(f.error)}\nInput: ${f.input}\n\n` : '') +
          `fast-check after shrinking:\n${err instanceof Error ? err.message : String(err)}`,
      );
    }
    stats.runs = Object.values(stats.byStatus).reduce((a, b) => a + b, 0);
    stats.ms = performance.now() - started;
    const tables = await app.deps.store.db.selectFrom('participants').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(tables.n), 3, 'the participants table is intact');
    for (const table of ['operators', 'managers', 'poses', 'sites', 'change_history'] as const) {
      await app.deps.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    }
    return stats;
  } finally {
    await seeded.close();
  }
}
