// ClientSearch: the console's one search box. The query string is read as every kind of
// term it can be (a phone, an e-mail, a card number, a ContragentId, a surname prefix with
// an optional name prefix); each is an indexed lookup, and their results are listed in that
// order, each participant once, at most SEARCH_LIMIT. Managers only, within their operator.
import type { RequestOf, ResponseOf } from '../contract/types.ts';
import type { ClientSearch } from '../contract/client-search.ts';
import { SEARCH_LIMIT, SEARCH_QUERY_MAX, clientSearch } from '../contract/client-search.ts';
import type { Store } from '../db/store.ts';
import type { CallContext, Outcome } from '../lib/principal.ts';
import { FORBIDDEN } from '../lib/principal.ts';
import { authorizeCaller } from './authorize.ts';
import { resultFor } from './results.ts';
import { normalizePhone } from '../lib/phone.ts';
import { phoneDigits, writtenDigits } from '../lib/phone-text.ts';
import { operatorCheck } from '../db/directory.ts';
import { emailKey, nameKey } from '../db/convert.ts';
import { prefixCount, searchQueries } from './store/search-queries.ts';
import type { SearchTerms } from './store/search-queries.ts';
import type { Db } from '../db/directory.ts';

export type ClientSearchRequest = RequestOf<ClientSearch>;
export type ClientSearchResponse = ResponseOf<ClientSearch>;
type Found = NonNullable<ClientSearchResponse['Clients']>[number];

const fail = (code: number, field?: string): ClientSearchResponse => ({ ...resultFor(clientSearch, code, field), Clients: [] });

/** The terms a query string can mean. */
export function searchTerms(query: string): SearchTerms {
  const q = query.trim();
  const terms: SearchTerms = { contragentId: q };
  // Phones and card numbers as people write them: the one reader of written phones.
  const written = writtenDigits(q);
  if (written) {
    const digits = phoneDigits(q);
    const phone = digits === undefined ? undefined : normalizePhone(digits);
    if (phone !== undefined) terms.phone = phone;
    const card = Number(written.digits);
    if (!written.plus && Number.isSafeInteger(card) && card > 0) terms.card = card;
  }
  if (q.includes('@')) terms.emailKey = emailKey(q);
  // A surname starts with a letter; a second word is the start of the name.
  const words = q.split(/\s+/);
  if (words.length <= 2 && /^\p{L}/u.test(words[0]!)) {
    terms.name = { surname: nameKey(words[0]!), ...(words[1] === undefined ? {} : { name: nameKey(words[1]) }) };
  }
  return terms;
}

/** Prefix matches counted before choosing which index drives a surname-and-name search. */
const PROBE = 1000;

/**
 * A surname prefix with a name prefix is read along the surname's index, filtering by name,
 * which stops at the first 50 matches. When many surnames match and few names do (`Петр Я`),
 * that would read every matching surname: then the name's index drives, and the surname
 * filters. Two counts of at most PROBE index entries each decide.
 */
async function withNameDriver(db: Db, operatorId: number, terms: SearchTerms): Promise<SearchTerms> {
  const n = terms.name;
  if (n?.name === undefined) return terms;
  const [surnames, names] = await Promise.all([prefixCount(db, operatorId, 'surname_key', n.surname, PROBE), prefixCount(db, operatorId, 'name_key', n.name, PROBE)]);
  return surnames >= PROBE && names < PROBE ? { ...terms, name: { ...n, by: 'name' } } : terms;
}

export async function searchClients(store: Store, ctx: CallContext, req: ClientSearchRequest): Promise<Outcome<ClientSearchResponse>> {
  const caller = await authorizeCaller(operatorCheck(store.db), ctx.principal, req);
  if (caller.kind === 'forbidden') return FORBIDDEN;
  if (caller.kind === 'error') return fail(caller.code);
  // A participant may read only itself: searching others is not for it.
  if (ctx.principal.kind !== 'manager') return FORBIDDEN;
  const query = req.Query?.trim() ?? '';
  if (query === '' || query.length > SEARCH_QUERY_MAX) return fail(13, 'Query');

  const terms = await withNameDriver(store.db, caller.operatorId, searchTerms(query));
  // Each kind is one indexed lookup; they run together and are listed in kind order.
  const queries = searchQueries(store.db, caller.operatorId, terms, SEARCH_LIMIT);
  const answers = await Promise.all(queries.map((q) => q.query.execute()));
  const found = new Map<number, Found>();
  for (const [i, { kind }] of queries.entries()) {
    for (const r of answers[i]!) {
      if (found.size >= SEARCH_LIMIT) break;
      if (found.has(r.id)) continue;
      found.set(r.id, {
        Client: r.id,
        Match: kind,
        Surname: r.surname,
        Name: r.name,
        Patronymic: r.patronymic,
        Phone: r.phone === null ? null : Number(r.phone),
        Email: r.email,
        ContragentId: r.contragent_id,
        RegDate: r.created_at,
      });
    }
  }
  return { ...resultFor(clientSearch, 0), Clients: [...found.values()] };
}
