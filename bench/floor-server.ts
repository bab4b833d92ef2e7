// Scenario G, the floor: the least a server spends on a durable ClientUpdate, written by
// hand. node:http; the HS256 token checked with node:crypto against lcm's own secret (the
// file lcm keeps beside the database); JSON.parse; better-sqlite3 prepared statements on its
// only thread, WAL + synchronous=FULL. The requests that arrived in one event-loop turn go
// into one transaction, a savepoint each; per request it reads the participant, checks its
// operator, the caller's POS code and the phone's holder, UPDATEs the profile with version
// + 1, INSERTs one history row and one change event; it answers {"ErrorCode":0,"Message":""}
// only after the COMMIT (fsync) returned. Started by the bench (scenarios.ts):
//   node --import tsx bench/floor-server.ts DATABASE PORT
// It prints `floor: journal_mode=… synchronous=N` on stderr, read back from its connection.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import SQLite from 'better-sqlite3';

const [database, portArg] = process.argv.slice(2);
if (!database || !portArg) throw new Error('usage: floor-server.ts DATABASE PORT');
// The secret lcm generated for this database (src/auth/secret.ts), unless LCM_JWT_SECRET is set.
const secret = process.env.LCM_JWT_SECRET || fs.readFileSync(`${database}.jwt-secret`, 'utf8').trim();
const ISSUER = process.env.LCM_JWT_ISSUER || 'lcm';
const AUDIENCE = process.env.LCM_JWT_AUDIENCE || 'lcm-partner-api';
const CLOCK_TOLERANCE_SECONDS = 300;

const db = new SQLite(database);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
process.stderr.write(`floor: journal_mode=${String(db.pragma('journal_mode', { simple: true }))} synchronous=${String(db.pragma('synchronous', { simple: true }))}\n`);

const selectParticipant = db.prepare<[number], { operator_id: number; name: string | null; surname: string | null; phone: number | null; contragent_id: string | null; version: number }>(
  'select operator_id, name, surname, phone, contragent_id, version from participants where id = ?',
);
const selectPos = db.prepare<[number, string], { id: number }>('select id from poses where operator_id = ? and code_key = ?');
const selectPhoneHolder = db.prepare<[number, number], { id: number }>('select id from participants where operator_id = ? and phone = ?');
const updateProfile = db.prepare('update participants set name = ?, surname = ?, phone = ?, updated_at = ?, version = version + 1 where id = ?');
const insertHistory = db.prepare(
  `insert into change_history (participant_id, operator_id, changed_at, initiator_kind, manager_login, manager_token, pos_code, request_id, fields)
   values (?, ?, ?, 'manager', ?, ?, ?, ?, ?)`,
);
const insertEvent = db.prepare('insert into change_events (event_id, participant_id, operator_id, payload, created_at) values (?, ?, ?, ?, ?)');
const begin = db.prepare('begin immediate');
const commit = db.prepare('commit');
const savepoint = db.prepare('savepoint r');
const release = db.prepare('release r');
const rollbackTo = db.prepare('rollback to r');

interface Caller {
  login: string;
  operatorId: number;
  token: number;
  posCode: string | null;
}

// A verified token's caller, by its text: lcm caches its verifications too (src/auth/token-cache.ts).
const callers = new Map<string, { caller: Caller; until: number }>();

function verify(jwt: string): Caller | undefined {
  const now = Date.now() / 1000;
  const cached = callers.get(jwt);
  if (cached && cached.until > now) return cached.caller;
  const [h, p, s] = jwt.split('.');
  if (h === undefined || p === undefined || s === undefined) return undefined;
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  if (header.alg !== 'HS256') return undefined;
  const want = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const got = Buffer.from(s, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  const c = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (c.iss !== ISSUER || !aud.includes(AUDIENCE) || typeof c.exp !== 'number' || c.exp + CLOCK_TOLERANCE_SECONDS < now) return undefined;
  if (typeof c.nbf === 'number' && c.nbf - CLOCK_TOLERANCE_SECONDS > now) return undefined;
  const operatorId = Number(c.oper);
  const token = Number(c.token);
  if (typeof c.user !== 'string' || !Number.isSafeInteger(operatorId) || !Number.isSafeInteger(token)) return undefined;
  const caller: Caller = { login: c.user, operatorId, token, posCode: typeof c.poscode === 'string' ? c.poscode : null };
  callers.set(jwt, { caller, until: c.exp + CLOCK_TOLERANCE_SECONDS });
  return caller;
}

interface Job {
  caller: Caller;
  client: number;
  name: string;
  surname: string;
  phone: number;
  res: http.ServerResponse;
  answer?: Buffer;
}

const answer = (code: number, message: string) => Buffer.from(JSON.stringify({ ErrorCode: code, Message: message }));
const OK = answer(0, '');
const NOT_FOUND = answer(2, 'Participant not found');
const BAD_POS = answer(4, 'Unknown PosCode');
const PHONE_TAKEN = answer(7, 'Phone is taken by another participant');
const BAD_REQUEST = answer(1, 'Bad request');

function send(res: http.ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length }).end(body);
}

/** A UUID version 7 (time first), as lcm's event ids: new index entries go to the index's last pages. */
function eventIdV7(): string {
  const t = Date.now().toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8)}-7${randomUUID().slice(15)}`;
}

type Field = 'Name' | 'Surname' | 'Phone';
type Value = string | number | null;
type Row = { operator_id: number; name: string | null; surname: string | null; phone: number | null; contragent_id: string | null; version: number };

// One function per stage, so that a CPU profile (bench/stages.ts) tells the stages apart:
// better-sqlite3 runs statements in native code, sampled as the JavaScript that called it.

/** Batch read: the participant, the caller's point of sale, the phone's holder. */
function readState(job: Job): { p: Row | undefined; pos: boolean; holder: number | undefined } {
  const p = selectParticipant.get(job.client);
  if (!p) return { p, pos: false, holder: undefined };
  const pos = job.caller.posCode === null || selectPos.get(p.operator_id, job.caller.posCode.trim().toUpperCase()) !== undefined;
  return { p, pos, holder: selectPhoneHolder.get(p.operator_id, job.phone)?.id };
}

/** Rules: the operator, the POS code, the phone's holder; then what changes. Undefined when all pass. */
function rules(job: Job, p: Row | undefined, pos: boolean, holder: number | undefined, changes: { Field: Field; Old: Value; New: Value }[]): Buffer | undefined {
  if (!p || p.operator_id !== job.caller.operatorId) return NOT_FOUND;
  if (!pos) return BAD_POS;
  if (holder !== undefined && holder !== job.client) return PHONE_TAKEN;
  if (p.name !== job.name) changes.push({ Field: 'Name', Old: p.name, New: job.name });
  if (p.surname !== job.surname) changes.push({ Field: 'Surname', Old: p.surname, New: job.surname });
  if (p.phone !== job.phone) changes.push({ Field: 'Phone', Old: p.phone, New: job.phone });
  return undefined;
}

/** Statement building: the history's fields, the event id and the event's payload. */
function buildRows(job: Job, p: Row, changes: readonly { Field: Field; Old: Value; New: Value }[], now: string): { fields: string; eventId: string; payload: string } {
  const fields = JSON.stringify(changes);
  const eventId = eventIdV7();
  const payload = `{"EventId":"${eventId}","Time":"${now}","Client":${job.client},"Operator":${p.operator_id},"ContragentId":${JSON.stringify(p.contragent_id)},"Changes":${fields}}`;
  return { fields, eventId, payload };
}

/** SQLite statements: the profile with version + 1, one history row, one change event. */
function writeRows(job: Job, p: Row, rows: { fields: string; eventId: string; payload: string }, now: string): void {
  updateProfile.run(job.name, job.surname, job.phone, now, job.client);
  insertHistory.run(job.client, p.operator_id, now, job.caller.login, job.caller.token, job.caller.posCode, rows.eventId, rows.fields);
  insertEvent.run(rows.eventId, job.client, p.operator_id, rows.payload, now);
}

/** One request inside the batch's transaction; returns its answer. */
function apply(job: Job, now: string): Buffer {
  const { p, pos, holder } = readState(job);
  const changes: { Field: Field; Old: Value; New: Value }[] = [];
  const refused = rules(job, p, pos, holder, changes);
  if (refused) return refused;
  if (changes.length === 0) return OK;
  writeRows(job, p!, buildRows(job, p!, changes, now), now);
  return OK;
}

/** Savepoints around each request: SQLite statements too. */
function inSavepoint(job: Job, now: string): Buffer {
  savepoint.run();
  try {
    const out = apply(job, now);
    release.run();
    return out;
  } catch (err) {
    rollbackTo.run();
    release.run();
    return answer(-1, (err as Error).message);
  }
}

/** Commit and fsync; the process's CPU meanwhile is counted (floor_commit_cpu_seconds_total). */
function commitBatch(): void {
  const before = process.cpuUsage();
  commit.run();
  const used = process.cpuUsage(before);
  counters.commitCpuUs += used.user + used.system;
}

const counters = { batches: 0, requests: 0, commitCpuUs: 0 };
let pending: Job[] = [];
let scheduled = false;

/** The requests of this event-loop turn: one transaction, one fsync, then every answer. */
function flush(): void {
  scheduled = false;
  const jobs = pending;
  pending = [];
  const now = new Date().toISOString();
  try {
    begin.run();
    for (const job of jobs) job.answer = inSavepoint(job, now);
    commitBatch();
  } catch (err) {
    if (db.inTransaction) db.exec('rollback');
    for (const job of jobs) send(job.res, 500, answer(-1, (err as Error).message));
    return;
  }
  counters.batches++;
  counters.requests += jobs.length;
  for (const job of jobs) send(job.res, 200, job.answer!);
}

/** The counters in lcm's /metrics names (bench/lcm-server.ts reads them), and the commit's CPU. */
function metrics(): string {
  return [
    `lcm_group_commit_batches_total ${counters.batches}`,
    `lcm_group_commit_requests_total ${counters.requests}`,
    'lcm_group_commit_retried_total 0',
    `floor_commit_cpu_seconds_total ${counters.commitCpuUs / 1e6}`,
    '',
  ].join('\n');
}

/** Decoding: the JSON body into a job, or undefined when it is not a ClientUpdate the floor takes. */
function decode(raw: Buffer, caller: Caller, res: http.ServerResponse): Job | undefined {
  let body: { Client?: unknown; Name?: unknown; Surname?: unknown; Phone?: unknown };
  try {
    body = JSON.parse(raw.toString()) as typeof body;
  } catch {
    return undefined;
  }
  const { Client: client, Name: name, Surname: surname, Phone: phone } = body;
  if (typeof client !== 'number' || !Number.isSafeInteger(client) || client <= 0 || typeof name !== 'string' || typeof surname !== 'string' || typeof phone !== 'number' || !Number.isSafeInteger(phone)) {
    return undefined;
  }
  return { caller, client, name, surname, phone, res };
}

const BEARER = /^\s*bearer\s+(\S+)\s*$/i;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  if (req.method === 'GET' && req.url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(metrics());
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const m = BEARER.exec(req.headers.authorization ?? '');
    const caller = m ? verify(m[1]!) : undefined;
    if (!caller) return send(res, 401, answer(-1, 'Unauthorized'));
    const job = decode(Buffer.concat(chunks), caller, res);
    if (!job) return send(res, 200, BAD_REQUEST);
    pending.push(job);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(portArg), '127.0.0.1');
process.once('SIGTERM', () =>
  server.close(() => {
    db.close();
    process.exit(0);
  }),
);
