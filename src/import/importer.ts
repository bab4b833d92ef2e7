// `lcm client import`: participants from a CSV file, validated row by row with the rules
// of ClientUpdate (checkProfile, then uniqueness against the database and against earlier
// rows of the file), written in batches — one transaction and a constant number of
// statements per batch. Re-running a file duplicates no one: a row whose Client id exists
// updates that participant (only the values it gives, as ClientUpdate); a row without
// Client whose phone the operator already has updates that participant.
import type { Store } from '../db/store.ts';
import type { Db } from '../db/directory.ts';
import type { Participant, ProfileChanges } from '../participant/participant.ts';
import type { UniqueField } from '../participant/fields.ts';
import { UNIQUE_FIELDS, uniqueKey } from '../participant/fields.ts';
import { CONFLICT_CODE, checkProfile, profileDiff } from '../participant/rules.ts';
import { resultFor } from '../participant/results.ts';
import { clientUpdate } from '../contract/client-update.ts';
import { clientCreate } from '../contract/client-create.ts';
import { driverError } from '../db/errors.ts';
import { clashedUniqueField } from '../participant/store/updates.ts';
import { changeWriter } from '../participant/store/batch-write.ts';
import type { ParticipantWrite } from '../participant/store/batch-write.ts';
import { insertParticipants } from '../participant/store/inserts.ts';
import { syncParticipantIds } from '../participant/store/participants.ts';
import type { CardRow } from '../participant/store/cards.ts';
import { allocateParticipantIds, cardsByNumber, linkCards, participantsForBatch } from './lookups.ts';
import { nowIso } from '../db/convert.ts';
import type { CsvRecord } from './csv-records.ts';
import type { Header } from './columns.ts';
import { readRow } from './columns.ts';
import { FileClaims } from './file-claims.ts';
import { collectGarbage } from '../lib/collect-garbage.ts';

export const DEFAULT_BATCH_SIZE = 1000;
/** Rows between full garbage collections: memory stays bounded whatever the file's size. */
const COLLECT_EVERY_ROWS = 2_000;

export interface Reject {
  line: number;
  code: number;
  message: string;
  fields: readonly string[];
}

export interface ImportSummary {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: Reject[];
}

export interface ImportOptions {
  operatorId: number;
  /**
   * The largest Client id the file names (largestClientId over a first pass): ids assigned to
   * rows without Client lie above it.
   */
  floor: number;
  batchSize?: number;
  /** Called after each batch with the number of rows read so far. */
  onProgress?: (done: number) => void;
}

/** A row that passed the checks that need no database. */
interface Candidate {
  record: CsvRecord;
  clientId: number | undefined;
  values: ProfileChanges;
  card: number | undefined;
}

type Counts = Omit<ImportSummary, 'rows'>;

/**
 * Imports the records (the header excluded) as they arrive: each batch is checked and
 * written before the next is read, so memory holds one batch, not the file.
 */
export async function importParticipants(store: Store, header: Header, records: AsyncIterable<CsvRecord> | Iterable<CsvRecord>, options: ImportOptions): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const counts: Counts = { created: 0, updated: 0, unchanged: 0, rejected: [] };
  const ctx: BatchContext = { store, operatorId: options.operatorId, floor: options.floor, claims: new FileClaims() };
  let rows = 0;
  let batch: Candidate[] = [];
  for await (const record of records) {
    rows++;
    const c = precheck(record, header);
    if ('code' in c) counts.rejected.push(c);
    else batch.push(c);
    if (batch.length >= batchSize) {
      add(counts, await runBatch(ctx, batch));
      batch = [];
      options.onProgress?.(rows);
    }
    if (rows % COLLECT_EVERY_ROWS === 0) collectGarbage();
  }
  if (batch.length > 0) add(counts, await runBatch(ctx, batch));
  options.onProgress?.(rows);
  if (options.floor > 0) await syncParticipantIds(store.db, store.engine);
  counts.rejected.sort((a, b) => a.line - b.line);
  return { rows, ...counts };
}

/**
 * The record's Client id when it is one (0 otherwise), for largestClientId: ids assigned to
 * rows without Client lie above every id the file names — rejected rows included, so that a
 * corrected row imported later never finds its id given to someone else.
 */
export function clientIdOf(header: Header, record: CsvRecord): number {
  const column = header.columns.findIndex((c) => c.name === 'Client');
  if (column < 0) return 0;
  const cell = record.fields[column]?.trim() ?? '';
  return /^\d{1,10}$/.test(cell) ? Math.min(Number(cell), 2 ** 31 - 1) : 0;
}

function precheck(record: CsvRecord, header: Header): Candidate | Reject {
  const reject = (code: number, message: string): Reject => ({ line: record.line, code, message, fields: record.fields });
  const read = readRow(header, record.fields);
  if (!read.ok) return reject(100, read.message);
  const v = read.values;
  if (v.Client !== undefined && v.Client <= 0) return reject(1, 'Некорректный идентификатор клиента');
  const checked = checkProfile(v);
  if (!checked.ok) return reject(checked.code, resultFor(clientUpdate, checked.code, checked.field).Message);
  if (v.Card !== undefined && v.Card <= 0) return reject(17, resultFor(clientCreate, 17).Message);
  // Without an id, the phone is what recognizes the participant on a re-run.
  if (v.Client === undefined && checked.values.phone === undefined) return reject(14, 'Не задан ни идентификатор клиента (Client), ни номер телефона');
  return { record, clientId: v.Client, values: checked.values, card: v.Card };
}

interface BatchContext {
  store: Store;
  operatorId: number;
  floor: number;
  claims: FileClaims;
}

/**
 * One batch in one transaction. When the database refuses it (another process claimed a
 * value meanwhile), the rows are retried one per transaction, so only the culprit is refused.
 */
async function runBatch(ctx: BatchContext, batch: Candidate[]): Promise<Counts> {
  try {
    const counts = await ctx.store.db.transaction().execute((tx) => writeImportBatch(tx, ctx, batch));
    ctx.claims.commit();
    return counts;
  } catch (err) {
    ctx.claims.discard();
    if (batch.length > 1) {
      const total: Counts = { created: 0, updated: 0, unchanged: 0, rejected: [] };
      for (const c of batch) add(total, await runBatch(ctx, [c]));
      return total;
    }
    const c = batch[0]!;
    // Its participant changed since this batch read it (the version guard): read it afresh.
    if (driverError(err).kind === 'stale-write') return runBatch(ctx, batch);
    const field = clashedUniqueField(err);
    const code = field ? CONFLICT_CODE[field] : isCardClash(err) ? 15 : undefined;
    if (code === undefined) throw err;
    return { created: 0, updated: 0, unchanged: 0, rejected: [{ line: c.record.line, code, message: conflictMessage(code), fields: c.record.fields }] };
  }
}

/** A card number another writer took first: the unique index of cards refused the write. */
function isCardClash(err: unknown): boolean {
  const failure = driverError(err);
  return failure.kind === 'unique-violation' && /cards/.test(failure.constraint);
}

function conflictMessage(code: number): string {
  return code === 15 ? resultFor(clientCreate, 15).Message : resultFor(clientUpdate, code).Message;
}

async function writeImportBatch(tx: Db, ctx: BatchContext, batch: Candidate[]): Promise<Counts> {
  const { operatorId, claims } = ctx;
  const counts: Counts = { created: 0, updated: 0, unchanged: 0, rejected: [] };
  const found = await participantsForBatch(
    tx,
    operatorId,
    batch.flatMap((c) => (c.clientId === undefined ? [] : [c.clientId])),
    Object.fromEntries(UNIQUE_FIELDS.map((f) => [f, batch.flatMap((c) => uniqueKey(f, c.values[f]) ?? [])])),
  );
  const cards = await cardsByNumber(tx, batch.flatMap((c) => (c.card === undefined ? [] : [c.card])));
  const byId = new Map(found.map((p) => [p.id, p]));
  const own = found.filter((p) => p.operatorId === operatorId);
  const holders = Object.fromEntries(UNIQUE_FIELDS.map((f) => [f, new Map(own.flatMap((p) => (keyOf(f, p) === undefined ? [] : [[keyOf(f, p)!, p] as const])))])) as Holders;

  const inserts: { c: Candidate; id?: number }[] = [];
  const updates: ParticipantWrite[] = [];
  const links: { number: number; participantId: number; exists: boolean }[] = [];
  const pendingLinks: { c: Candidate; exists: boolean }[] = [];

  for (const c of batch) {
    const reject = (code: number, message: string) => counts.rejected.push({ line: c.record.line, code, message, fields: c.record.fields });
    let existing: Participant | undefined;
    if (c.clientId !== undefined) {
      existing = byId.get(c.clientId);
      if (existing && existing.operatorId !== operatorId) {
        reject(2, 'Идентификатор клиента занят Участником другого оператора');
        continue;
      }
    } else {
      existing = holders.phone.get(String(c.values.phone));
    }
    const target = existing ? `id:${existing.id}` : c.clientId !== undefined ? `id:${c.clientId}` : `line:${c.record.line}`;
    const refusal = firstRefusal(c, target, existing, holders, cards.get(c.card ?? -1), operatorId, claims);
    if (refusal) {
      reject(refusal.code, refusal.message);
      continue;
    }
    claimAll(claims, c, target);

    const card = c.card === undefined ? undefined : cards.get(c.card);
    if (existing) {
      claims.wrote(existing.id, c.record.line, false);
      const changes = profileDiff(existing, c.values);
      if (changes.length > 0) {
        const after = { ...existing, ...Object.fromEntries(changes.map((x) => [x.field, x.new])), version: existing.version + 1 };
        updates.push({ participant: after, readVersion: existing.version, changeCount: 1, fields: changes.map((x) => x.field) });
        counts.updated++;
      } else counts.unchanged++;
      if (c.card !== undefined && card?.participantId !== existing.id) links.push({ number: c.card, participantId: existing.id, exists: card !== undefined });
    } else {
      inserts.push({ c, id: c.clientId });
      if (c.card !== undefined) pendingLinks.push({ c, exists: card !== undefined });
      counts.created++;
    }
  }

  const fresh = await allocateParticipantIds(tx, ctx.store.engine, inserts.filter((r) => r.id === undefined).length, ctx.floor);
  const at = nowIso();
  const rows = inserts.map((r) => ({ id: r.id ?? fresh.shift()!, operatorId, values: r.c.values, at }));
  const idOf = new Map(inserts.map((r, i) => [r.c, rows[i]!.id]));
  inserts.forEach((r, i) => claims.wrote(rows[i]!.id, r.c.record.line, r.id === undefined));
  await insertParticipants(tx, rows);
  // ClientUpdate's writer, with nothing to record: the import writes no history (docs/import.md).
  await changeWriter(ctx.store.engine)(tx, updates, { histories: [], consents: [], events: [] }, at, []);
  for (const p of pendingLinks) links.push({ number: p.c.card!, participantId: idOf.get(p.c)!, exists: p.exists });
  await linkCards(tx, operatorId, links);
  return counts;
}

/** The first rule the row breaks against the database or earlier rows, in ErrorCode order. */
function firstRefusal(
  c: Candidate,
  target: string,
  existing: Participant | undefined,
  holders: Holders,
  card: CardRow | undefined,
  operatorId: number,
  claims: FileClaims,
): { code: number; message: string } | undefined {
  if (target.startsWith('id:')) {
    const earlier = claims.get('id', target);
    if (earlier) return { code: 1, message: `Клиент уже встречался в строке ${earlier.line}` };
    // A row of an earlier batch wrote this participant: a repeated id, or (without Client)
    // the phone of a participant an earlier row created.
    const writer = claims.writer(Number(target.slice(3)));
    if (writer?.created && c.clientId === undefined) return { code: 7, message: `${conflictMessage(7)} (строка ${writer.line})` };
    if (writer) return { code: 1, message: `Клиент уже встречался в строке ${writer.line}` };
  }
  for (const kind of UNIQUE_FIELDS) {
    const key = keyOf(kind, c.values);
    if (key === undefined) continue;
    const holder = holders[kind].get(key);
    if (holder && `id:${holder.id}` !== target) return { code: CONFLICT_CODE[kind], message: conflictMessage(CONFLICT_CODE[kind]) };
    const earlier = claims.get(kind, key);
    if (earlier && earlier.target !== target) return { code: CONFLICT_CODE[kind], message: `${conflictMessage(CONFLICT_CODE[kind])} (строка ${earlier.line})` };
  }
  if (c.card !== undefined) {
    const ownerId = existing?.id;
    if (card && (card.operatorId !== operatorId || (card.participantId !== null && card.participantId !== ownerId))) return { code: 15, message: conflictMessage(15) };
    const earlier = claims.get('card', c.card);
    if (earlier && earlier.target !== target) return { code: 15, message: `${conflictMessage(15)} (строка ${earlier.line})` };
  }
  return undefined;
}

function claimAll(claims: FileClaims, c: Candidate, target: string): void {
  const claim = { line: c.record.line, target };
  if (target.startsWith('id:')) claims.add('id', target, claim);
  for (const kind of UNIQUE_FIELDS) {
    const key = keyOf(kind, c.values);
    if (key !== undefined) claims.add(kind, key, claim);
  }
  if (c.card !== undefined) claims.add('card', c.card, claim);
}

/** Per unique field, who of the operator holds each key. */
type Holders = Record<UniqueField, Map<string, Participant>>;

/** A unique value's key as text (the e-mail lower-cased), or undefined when not given. */
function keyOf(field: UniqueField, values: ProfileChanges): string | undefined {
  const k = uniqueKey(field, values[field]);
  return k === undefined ? undefined : String(k);
}

function add(into: Counts, from: Counts): void {
  into.created += from.created;
  into.updated += from.updated;
  into.unchanged += from.unchanged;
  into.rejected.push(...from.rejected);
}
