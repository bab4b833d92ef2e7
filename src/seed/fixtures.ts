// The fixtures file of design.md: reading it, checking it, and loading it idempotently.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Engine } from '../db/store.ts';
import type { ApiProfile, ProfileChanges } from '../participant/fields.ts';
import { API_NAMES, PROFILE_FIELDS } from '../participant/fields.ts';
import { upsertOperator, upsertPartner, upsertPos, upsertSite, findPos, partnerOperator } from '../db/directory.ts';
import { upsertParticipant, syncParticipantIds } from '../participant/store/participants.ts';
import { findManagerByLogin, upsertManager } from '../auth/store/managers.ts';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { fixtureClash } from './fixture-clashes.ts';

export interface Fixtures {
  operators?: { Id: number; Name?: string }[];
  partners?: { Id: number; Operator: number; Name?: string }[];
  poses?: { Code: string; Partner: number; Name?: string }[];
  sites?: { Code: string; Operator: number; Name?: string; Active?: boolean }[];
  managers?: {
    Login: string;
    Password: string;
    Operator: number;
    Token: number;
    Partner?: number | null;
    PosCode?: string | null;
    Roles?: string[];
  }[];
  /** Participants: Client and Operator, any profile fields by their API names (fields.ts), a password. */
  clients?: ({ Client: number; Operator: number; Password?: string | null } & Partial<ApiProfile>)[];
}

export interface SeedSummary {
  operators: number;
  partners: number;
  poses: number;
  sites: number;
  managers: number;
  clients: number;
}

const KNOWN = ['operators', 'partners', 'poses', 'sites', 'managers', 'clients'];

/** Structural checks with messages that name the entry at fault. */
export function parseFixtures(text: string): Fixtures {
  const data: unknown = JSON.parse(text);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('fixtures: top level must be an object');
  for (const key of Object.keys(data)) {
    if (!KNOWN.includes(key)) throw new Error(`fixtures: unknown section "${key}"`);
    if (!Array.isArray((data as Record<string, unknown>)[key])) throw new Error(`fixtures: "${key}" must be an array`);
  }
  const f = data as Fixtures;
  const need = (cond: boolean, what: string) => {
    if (!cond) throw new Error(`fixtures: ${what}`);
  };
  const isInt = (v: unknown) => Number.isSafeInteger(v);
  f.operators?.forEach((o, i) => need(isInt(o.Id) && o.Id > 0, `operators[${i}].Id must be a positive integer`));
  f.partners?.forEach((p, i) => need(isInt(p.Id) && isInt(p.Operator), `partners[${i}] needs integer Id and Operator`));
  f.poses?.forEach((p, i) => need(typeof p.Code === 'string' && p.Code.trim() !== '' && isInt(p.Partner), `poses[${i}] needs Code and Partner`));
  f.sites?.forEach((s, i) => need(typeof s.Code === 'string' && s.Code.trim() !== '' && isInt(s.Operator), `sites[${i}] needs Code and Operator`));
  f.managers?.forEach((m, i) =>
    need(
      typeof m.Login === 'string' && m.Login !== '' && typeof m.Password === 'string' && isInt(m.Operator) && isInt(m.Token),
      `managers[${i}] needs Login, Password, Operator and Token`,
    ),
  );
  f.clients?.forEach((c, i) => {
    need(isInt(c.Client) && c.Client > 0 && isInt(c.Operator), `clients[${i}] needs integer Client and Operator`);
    need(c.Birthdate == null || /^\d{4}-\d{2}-\d{2}$/.test(c.Birthdate), `clients[${i}].Birthdate must be YYYY-MM-DD`);
    need(c.Gender == null || [-1, 0, 1].includes(c.Gender), `clients[${i}].Gender must be 1, -1 or 0`);
    need(c.Phone == null || isInt(c.Phone), `clients[${i}].Phone must be an integer`);
  });
  return f;
}

/** Loads fixtures in one transaction; running it twice leaves the same data. */
export async function seed(db: Kysely<Database>, engine: Engine, f: Fixtures): Promise<SeedSummary> {
  const clash = await fixtureClash(db, f);
  if (clash) throw new Error(`fixtures: ${clash}`);
  // Hash passwords outside the transaction (scrypt is slow), reusing a stored hash that
  // already matches so that a second run changes nothing.
  const managerHashes = new Map<string, string>();
  for (const m of f.managers ?? []) {
    const existing = await findManagerByLogin(db, m.Login);
    managerHashes.set(m.Login, existing && (await verifyPassword(m.Password, existing.passwordHash)) ? existing.passwordHash : await hashPassword(m.Password));
  }
  const clientHashes = new Map<number, string | null>();
  for (const c of f.clients ?? []) {
    if (c.Password == null) continue;
    const row = await db.selectFrom('participants').select('password_hash').where('id', '=', c.Client).executeTakeFirst();
    const stored = row?.password_hash;
    clientHashes.set(c.Client, stored && (await verifyPassword(c.Password, stored)) ? stored : await hashPassword(c.Password));
  }

  await db.transaction().execute(async (tx) => {
    for (const o of f.operators ?? []) await upsertOperator(tx, { id: o.Id, name: o.Name ?? `Operator ${o.Id}` });
    for (const p of f.partners ?? []) await upsertPartner(tx, { id: p.Id, operatorId: p.Operator, name: p.Name ?? `Partner ${p.Id}` });
    for (const pos of f.poses ?? []) {
      const operatorId = await partnerOperator(tx, pos.Partner);
      if (operatorId === undefined) throw new Error(`fixtures: POS ${pos.Code} names unknown partner ${pos.Partner}`);
      await upsertPos(tx, { operatorId, partnerId: pos.Partner, code: pos.Code.trim(), name: pos.Name ?? pos.Code });
    }
    for (const s of f.sites ?? []) {
      await upsertSite(tx, { operatorId: s.Operator, code: s.Code.trim(), name: s.Name ?? s.Code, active: s.Active ?? true });
    }
    for (const m of f.managers ?? []) {
      let posId: number | null = null;
      if (m.PosCode) {
        const pos = await findPos(tx, m.Operator, m.PosCode);
        if (!pos) throw new Error(`fixtures: manager ${m.Login} names unknown POS ${m.PosCode}`);
        posId = pos.id;
      }
      await upsertManager(tx, {
        login: m.Login,
        passwordHash: managerHashes.get(m.Login)!,
        token: m.Token,
        operatorId: m.Operator,
        partnerId: m.Partner ?? null,
        posId,
        roles: m.Roles ?? [],
      });
    }
    for (const c of f.clients ?? []) {
      const values = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, c[API_NAMES[f]]])) as ProfileChanges;
      await upsertParticipant(tx, { ...values, id: c.Client, operatorId: c.Operator, passwordHash: clientHashes.get(c.Client) ?? null });
    }
    if ((f.clients ?? []).length > 0) await syncParticipantIds(tx, engine);
  });

  return {
    operators: f.operators?.length ?? 0,
    partners: f.partners?.length ?? 0,
    poses: f.poses?.length ?? 0,
    sites: f.sites?.length ?? 0,
    managers: f.managers?.length ?? 0,
    clients: f.clients?.length ?? 0,
  };
}
