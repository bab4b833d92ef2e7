// Reading the help pages in tests: the samples as written, and the seed's Body Parameters.
export function unescapeHtml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

/** The text of each sample block, keyed by its media-type heading. */
export function samplesOf(html: string, section: 'Request Formats' | 'Response Formats'): Map<string, string> {
  const start = html.indexOf(`<h3>${section}</h3>`);
  const end = section === 'Request Formats' ? html.indexOf('<h2>Response Information</h2>') : html.length;
  const part = html.slice(start, end);
  const out = new Map<string, string>();
  for (const m of part.matchAll(/<div class="media">([^<]*)<\/div><pre class="sample">([^<]*)<\/pre>/g)) out.set(unescapeHtml(m[1]!), unescapeHtml(m[2]!));
  return out;
}

/** The seed page's Body Parameters table of ClientUpdate (Name, Type), as the original shows it. */
export const SEED_BODY_PARAMETERS: readonly (readonly [string, string])[] = [
  ['Client', 'integer'], ['Name', 'string'], ['Surname', 'string'], ['Patronymic', 'string'],
  ['AllowSms', 'boolean'], ['AllowEmail', 'boolean'], ['Birthdate', 'date'], ['Phone', 'integer'],
  ['Email', 'string'], ['Gender', 'integer'], ['PosCode', 'string'], ['AllowEmailOnlineCheque', 'boolean'],
  ['ContragentId', 'string'], ['Operator', 'integer'], ['Token', 'integer'], ['SiteCode', 'string'],
];

/** Field values of the fixtures (test/helpers/fixtures.ts) that make a sample request meaningful. */
/** `n` tells apart the participants one test registers (ClientCreate), so each is new. */
export function fixtureValue(op: string, field: string, n = 0): string | number | undefined {
  const create = op === 'ClientCreate';
  const values: Record<string, string | number> = {
    Client: 1, ClientID: 1, Operator: 1, OperatorId: 1, Token: 5001, Partner: 10,
    Phone: create ? 79161234560 + n : op === 'GetConfirmCode' ? 79161234580 + n : 79160000001, FriendPhone: 79160000002, Card: create ? 7700000090 + n : 0,
    Email: create ? `new.client${n}@example.ru` : 'ivan@example.ru', PosCode: 'MSK-001', SiteCode: 'W-1',
    Limit: 10,
  };
  return values[field];
}
