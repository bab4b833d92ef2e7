// The participant's profile fields, declared once. Everything else that names a profile
// field derives from FIELDS or is type-checked against it: the Participant type and its
// views, the rules and the diff (rules.ts), the unique claims, the participants' columns and
// both engines' batch writers (store/), the history, ledger and event rows
// (change-record.ts), the fixtures (seed/), and — checked at the end of this file — the
// contract's request and response fields of ClientUpdate, ClientCreate, GetClient and
// ClientInfo. A new field: a row here, a migration adding its column, tests, docs.
import type { ScalarType, RequestOf, ResponseOf } from '../contract/types.ts';
import type { ClientUpdate } from '../contract/client-update.ts';
import type { ClientCreate } from '../contract/client-create.ts';
import type { GetClient } from '../contract/get-client.ts';
import type { ClientInfo } from '../contract/client-info.ts';
import type { DbBool } from '../db/db-bool.ts';
import { emailKey, nameKey } from '../db/convert.ts';

export type Gender = -1 | 0 | 1;

/**
 * What a field holds. Its wire type (the contract's), and its PostgreSQL type as the
 * batch writer reads its rows back (SQLite needs none: JSON values keep their type).
 */
export const KINDS = {
  text: { wire: 'string', pg: 'text' },
  phone: { wire: 'int64', pg: 'bigint' },
  email: { wire: 'string', pg: 'text' },
  date: { wire: 'date', pg: 'date' },
  gender: { wire: 'int32', pg: 'smallint' },
  flag: { wire: 'boolean', pg: 'boolean' },
} as const satisfies Record<string, { wire: ScalarType; pg: string }>;

export type FieldKind = keyof typeof KINDS;

/** A kind's value in the domain (Participant); dates are 'YYYY-MM-DD'. */
interface DomainValue {
  text: string;
  phone: number;
  email: string;
  date: string;
  gender: Gender;
  flag: boolean;
}

/** A kind's value in its column, as Kysely sees it (db/schema.ts: booleans 0/1 on SQLite). */
interface ColumnValue {
  text: string;
  phone: number;
  email: string;
  date: string;
  gender: number;
  flag: DbBool;
}

/** A kind's value in a decoded request (the wire type's). */
interface WireValue {
  text: string;
  phone: number;
  email: string;
  date: string;
  gender: number;
  flag: boolean;
}

/** The operations whose requests carry a field (ClientUpdate's are also the import's columns). */
export type Taker = 'ClientUpdate' | 'ClientCreate';

export interface FieldSpec {
  /**
   * The API name: the member of requests, of ClientInfo's response and of participantView,
   * and the field's key in the history (`Field`), the change events and, for a consent, the
   * consent ledger (`consent`).
   */
  readonly api: string;
  /** Its column in participants. */
  readonly column: string;
  readonly kind: FieldKind;
  /** False: never null — a participant without a value holds the kind's zero (Gender 0). */
  readonly nullable: boolean;
  /**
   * Unique per operator: the ErrorCode of a clash, the PostgreSQL constraint that keeps it,
   * and, when values compare by a key (e-mail, case-insensitively), the key's column.
   */
  readonly unique?: { readonly code: number; readonly constraint: string; readonly key?: { readonly column: string; readonly of: (value: string) => string } };
  /**
   * A search key: a column derived from the value (null when the value is null), kept beside
   * it by every write, for the console's prefix search (participant/search.ts).
   */
  readonly search?: { readonly column: string; readonly of: (value: string) => string };
  /** A consent: each change is also a row of the consent ledger. */
  readonly consent?: boolean;
  readonly takenBy: readonly Taker[];
  /** Its member in GetClient's ClientData, when GetClient shows it. */
  readonly getClient?: string;
  /** Whether ClientInfo's response shows it (under its API name). */
  readonly clientInfo?: boolean;
}

const BOTH = ['ClientUpdate', 'ClientCreate'] as const;
const UPDATE = ['ClientUpdate'] as const;

/** In this order: the history's and events' field order, checkProfile's order within a kind. */
export const FIELDS = {
  name: {
    api: 'Name',
    column: 'name',
    kind: 'text',
    nullable: true,
    search: { column: 'name_key', of: nameKey },
    takenBy: BOTH,
    getClient: 'firstname',
    clientInfo: true,
  },
  surname: {
    api: 'Surname',
    column: 'surname',
    kind: 'text',
    nullable: true,
    search: { column: 'surname_key', of: nameKey },
    takenBy: BOTH,
    getClient: 'lastname',
    clientInfo: true,
  },
  patronymic: { api: 'Patronymic', column: 'patronymic', kind: 'text', nullable: true, takenBy: BOTH, getClient: 'middlename', clientInfo: true },
  phone: {
    api: 'Phone',
    column: 'phone',
    kind: 'phone',
    nullable: true,
    unique: { code: 7, constraint: 'participants_operator_phone_key' },
    takenBy: BOTH,
    getClient: 'phone',
    clientInfo: true,
  },
  email: {
    api: 'Email',
    column: 'email',
    kind: 'email',
    nullable: true,
    unique: { code: 9, constraint: 'participants_operator_email_key', key: { column: 'email_key', of: emailKey } },
    takenBy: BOTH,
    getClient: 'email',
    clientInfo: true,
  },
  birthdate: { api: 'Birthdate', column: 'birthdate', kind: 'date', nullable: true, takenBy: BOTH, getClient: 'birthdate', clientInfo: true },
  gender: { api: 'Gender', column: 'gender', kind: 'gender', nullable: false, takenBy: BOTH, getClient: 'gender', clientInfo: true },
  allowSms: { api: 'AllowSms', column: 'allow_sms', kind: 'flag', nullable: true, consent: true, takenBy: BOTH, getClient: 'allowsms', clientInfo: true },
  allowEmail: { api: 'AllowEmail', column: 'allow_email', kind: 'flag', nullable: true, consent: true, takenBy: BOTH, getClient: 'allowemail', clientInfo: true },
  allowEmailOnlineCheque: {
    api: 'AllowEmailOnlineCheque',
    column: 'allow_email_online_cheque',
    kind: 'flag',
    nullable: true,
    consent: true,
    takenBy: UPDATE,
    getClient: 'allowemailonlinecheque',
    clientInfo: true,
  },
  contragentId: {
    api: 'ContragentId',
    column: 'contragent_id',
    kind: 'text',
    nullable: true,
    unique: { code: 12, constraint: 'participants_operator_contragent_key' },
    takenBy: UPDATE,
    getClient: 'contragentid',
    clientInfo: true,
  },
  // Given at registration only; the original's GetClient and ClientInfo responses do not carry it.
  agreePersonalData: { api: 'AgreePersonalData', column: 'agree_personal_data', kind: 'flag', nullable: true, consent: true, takenBy: ['ClientCreate'] },
} as const satisfies Record<string, FieldSpec>;

// ---- Types derived from the table ----------------------------------------------------

type Fields = typeof FIELDS;
export type ProfileField = keyof Fields;
type KindOf<F extends ProfileField> = Fields[F]['kind'];
type NullOf<F extends ProfileField> = Fields[F]['nullable'] extends true ? null : never;

export type FieldValue<F extends ProfileField> = DomainValue[KindOf<F>] | NullOf<F>;
export type ApiName<F extends ProfileField = ProfileField> = Fields[F]['api'];

/** Every profile field with its value: the profile part of a Participant. */
export type Profile = { [F in ProfileField]: FieldValue<F> };
/** Some profile fields: new values (absent = not given), or a fixture's. */
export type ProfileChanges = Partial<Profile>;
/** The profile with API names (participantView, fixtures). */
export type ApiProfile = { [F in ProfileField as ApiName<F>]: FieldValue<F> };
/** Profile values as they arrive in a request (API names, wire types). */
export type ProfileInput = { [F in ProfileField as ApiName<F>]?: WireValue[KindOf<F>] };

type UniqueSpec<F extends ProfileField> = Fields[F] extends { unique: infer U } ? U : never;
type KeyColumn<F extends ProfileField> = UniqueSpec<F> extends { key: { column: infer C extends string } } ? C : never;
export type UniqueField = { [F in ProfileField]: Fields[F] extends { unique: object } ? F : never }[ProfileField];
type SearchColumn<F extends ProfileField> = Fields[F] extends { search: { column: infer C extends string } } ? C : never;

/** The unique values a write would claim, by field (absent: none). */
export type UniqueClaims = { [F in UniqueField]?: NonNullable<FieldValue<F>> };

/** The participants' profile columns (the key columns of unique values and the search keys included). */
export type ProfileColumns = { [F in ProfileField as Fields[F]['column']]: ColumnValue[KindOf<F>] | NullOf<F> } & {
  [F in UniqueField as KeyColumn<F>]: string | null;
} & { [F in ProfileField as SearchColumn<F>]: string | null };

// ---- Values derived from the table, once at load -----------------------------------

const spec = (f: ProfileField): FieldSpec => FIELDS[f];

export const PROFILE_FIELDS = Object.keys(FIELDS) as ProfileField[];

export const API_NAMES = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, spec(f).api])) as { [F in ProfileField]: ApiName<F> };

export const CONSENT_FIELDS: readonly ProfileField[] = PROFILE_FIELDS.filter((f) => spec(f).consent === true);

/** The unique fields, in the order their clashes are reported (7, 9, 12). */
export const UNIQUE_FIELDS = PROFILE_FIELDS.filter((f) => spec(f).unique !== undefined) as UniqueField[];

export const CONFLICT_CODE = Object.fromEntries(UNIQUE_FIELDS.map((f) => [f, spec(f).unique!.code])) as Record<UniqueField, number>;

/** The fields of one kind, in table order. */
export const fieldsOfKind = (kind: FieldKind): ProfileField[] => PROFILE_FIELDS.filter((f) => spec(f).kind === kind);

/** A participant that never had a value: null, or 0 where the column is NOT NULL (Gender, the only one: 0 = not determined). */
export const EMPTY_PROFILE: Readonly<Profile> = Object.freeze(
  Object.fromEntries(PROFILE_FIELDS.map((f) => [f, spec(f).nullable ? null : 0])) as Profile,
);

/** The fields a response shows, each with its member name there: GetClient's ClientData ('getClient') or ClientInfo's response ('clientInfo'). */
export function shownIn(response: 'getClient' | 'clientInfo'): (readonly [member: string, field: ProfileField])[] {
  return PROFILE_FIELDS.flatMap((f) => {
    const s = spec(f);
    if (response === 'getClient') return s.getClient === undefined ? [] : [[s.getClient, f] as const];
    return s.clientInfo ? [[s.api, f] as const] : [];
  });
}

/** The value a unique field is compared by (its key: the e-mail lower-cased); undefined when it has none. */
export function uniqueKey(field: UniqueField, value: string | number | null | undefined): string | number | undefined {
  if (value === null || value === undefined) return undefined;
  const key = spec(field).unique!.key;
  if (!key) return value;
  return value === '' ? undefined : key.of(String(value));
}

/** The column a unique field is compared in (its key column, if it has one). */
export const uniqueColumn = (field: UniqueField): string => spec(field).unique!.key?.column ?? spec(field).column;

/** Which unique field a violated constraint keeps: the PostgreSQL constraint, or SQLite's 'participants.<column>'. */
export function uniqueFieldOfConstraint(constraint: string): UniqueField | undefined {
  return UNIQUE_FIELDS.find((f) => constraint === spec(f).unique!.constraint || constraint.includes(`participants.${uniqueColumn(f)}`));
}

// ---- The contract, checked against the table -----------------------------------------
// Each check is a type that must be `true`: tsc names the one that is not.

type Assert<T extends true> = T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type All<T extends boolean> = Same<T, true>;
type TakenBy<Op extends Taker> = { [F in ProfileField]: Op extends Fields[F]['takenBy'][number] ? F : never }[ProfileField];
type Decls<Op extends { request: { fields: readonly unknown[] } }> = Op['request']['fields'][number];
type WireOf<D, Name> = Extract<D, { name: Name }> extends { type: infer T } ? T : never;
/** Each field's declaration has the wire type of its kind. */
type WireTypes<D, Fs extends ProfileField> = All<{ [F in Fs]: Same<WireOf<D, ApiName<F>>, (typeof KINDS)[KindOf<F>]['wire']> }[Fs]>;

/** Request members that describe the call or the operation, not the profile. */
type UpdateCallFields = 'Client' | 'PosCode' | 'Operator' | 'Token' | 'SiteCode';
type CreateCallFields = 'Partner' | 'Card' | 'PosCode' | 'FriendPhone' | 'ClientSetPassword' | 'Operator' | 'Token' | 'SiteCode';

type ClientData = NonNullable<ResponseOf<GetClient>['ClientData']>;
type ShownBy<Key extends 'getClient' | 'clientInfo'> = { [F in ProfileField]: Fields[F] extends { [K in Key]: string | true } ? F : never }[ProfileField];
type GetClientMember<F extends ProfileField> = Fields[F] extends { getClient: infer M extends string } ? M : never;
type ClientInfoResponse = ResponseOf<ClientInfo>;

export type ContractChecks = [
  // ClientUpdate's and ClientCreate's requests: exactly the fields the table says they take, with their kinds' wire types.
  Assert<Same<keyof RequestOf<ClientUpdate>, ApiName<TakenBy<'ClientUpdate'>> | UpdateCallFields>>,
  Assert<WireTypes<Decls<ClientUpdate>, TakenBy<'ClientUpdate'>>>,
  Assert<Same<keyof RequestOf<ClientCreate>, ApiName<TakenBy<'ClientCreate'>> | CreateCallFields>>,
  Assert<WireTypes<Decls<ClientCreate>, TakenBy<'ClientCreate'>>>,
  // GetClient's ClientData: id, regdate and the members the table names, each able to hold the field's value.
  Assert<Same<keyof ClientData, 'id' | 'regdate' | GetClientMember<ShownBy<'getClient'>>>>,
  Assert<All<{ [F in ShownBy<'getClient'>]: [FieldValue<F>] extends [ClientData[GetClientMember<F> & keyof ClientData]] ? true : false }[ShownBy<'getClient'>]>>,
  // ClientInfo's response: the result, Card, Id, RegDate and the fields the table shows.
  Assert<Same<keyof ClientInfoResponse, 'ErrorCode' | 'Message' | 'Card' | 'Id' | 'RegDate' | ApiName<ShownBy<'clientInfo'>>>>,
  Assert<All<{ [F in ShownBy<'clientInfo'>]: [FieldValue<F>] extends [ClientInfoResponse[ApiName<F> & keyof ClientInfoResponse]] ? true : false }[ShownBy<'clientInfo'>]>>,
];
