// The queries of the console's search, one per kind of term, each answered from an index
// (migration 0005-search; test/participant/search-plan.test.ts checks every plan on both
// engines): phone, e-mail key and ContragentId by the per-operator unique keys, a card by
// its primary key, a surname (and name) prefix by a key range on participants_name_search_idx
// (or, for a rare name prefix, on participants_name_key_idx).
import { sql } from 'kysely';
import type { SelectQueryBuilder } from 'kysely';
import type { Db } from '../../db/directory.ts';
import type { Database } from '../../db/schema.ts';

export type SearchKind = 'Phone' | 'Email' | 'Card' | 'ContragentId' | 'Name';

/** What a query string may mean; each present term is searched. */
export interface SearchTerms {
  phone?: number;
  /** Lower-cased e-mail (the email_key). */
  emailKey?: string;
  card?: number;
  contragentId?: string;
  /**
   * Search-key prefixes (convert.ts nameKey). `by: 'name'` reads the name's index and only
   * filters by surname: for a common surname prefix with a rare name prefix (see nameFirst).
   */
  name?: { surname: string; name?: string; by?: 'surname' | 'name' };
}

export interface FoundRow {
  id: number;
  surname: string | null;
  name: string | null;
  patronymic: string | null;
  phone: number | null;
  email: string | null;
  contragent_id: string | null;
  created_at: string;
}

/** Above every character: `key < prefix + TOP` bounds the keys that start with prefix. */
const TOP = '\u{10FFFF}';

type Found = SelectQueryBuilder<Database, 'participants', FoundRow>;

const base = (db: Db, operatorId: number) =>
  db
    .selectFrom('participants')
    .select(['participants.id', 'surname', 'name', 'patronymic', 'phone', 'email', 'contragent_id', 'participants.created_at'])
    .where('participants.operator_id', '=', operatorId);

/** The query of each term, in the order their results are listed. */
export function searchQueries(db: Db, operatorId: number, terms: SearchTerms, limit: number): { kind: SearchKind; query: Found }[] {
  const out: { kind: SearchKind; query: Found }[] = [];
  if (terms.phone !== undefined) out.push({ kind: 'Phone', query: base(db, operatorId).where('phone', '=', terms.phone) });
  if (terms.emailKey !== undefined) out.push({ kind: 'Email', query: base(db, operatorId).where('email_key', '=', terms.emailKey) });
  if (terms.card !== undefined) {
    const card = terms.card;
    out.push({
      kind: 'Card',
      query: base(db, operatorId)
        .innerJoin('cards', 'cards.participant_id', 'participants.id')
        .where('cards.number', '=', card)
        .where('cards.operator_id', '=', operatorId) as unknown as Found,
    });
  }
  if (terms.contragentId !== undefined) out.push({ kind: 'ContragentId', query: base(db, operatorId).where('contragent_id', '=', terms.contragentId) });
  if (terms.name !== undefined) {
    const { surname, name, by } = terms.name;
    let q: Found;
    if (name !== undefined && by === 'name') {
      // `key || ''` keeps either engine from reading the surname's index for this query, in
      // the filter and in the order (the name's few matches are sorted instead).
      const surnameKey = sql<string>`surname_key || ''`;
      q = base(db, operatorId)
        .where('name_key', '>=', name)
        .where('name_key', '<', name + TOP)
        .where(surnameKey, '>=', surname)
        .where(surnameKey, '<', surname + TOP)
        .orderBy(surnameKey)
        .orderBy(sql`name_key || ''`);
    } else {
      q = base(db, operatorId).where('surname_key', '>=', surname).where('surname_key', '<', surname + TOP);
      if (name !== undefined) q = q.where('name_key', '>=', name).where('name_key', '<', name + TOP);
      q = q.orderBy('surname_key').orderBy('name_key');
    }
    out.push({ kind: 'Name', query: q.orderBy('participants.id').limit(limit) });
  }
  return out;
}

/**
 * How many of the operator's participants have a `column` starting with `prefix`, counted
 * up to `cap` only (at most `cap` index entries are read).
 */
export async function prefixCount(db: Db, operatorId: number, column: 'surname_key' | 'name_key', prefix: string, cap: number): Promise<number> {
  const row = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('participants')
        .select('id')
        .where('operator_id', '=', operatorId)
        .where(column, '>=', prefix)
        .where(column, '<', prefix + TOP)
        .limit(cap)
        .as('m'),
    )
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
