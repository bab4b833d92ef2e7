// The one mapping between profile fields (domain names) and participants' columns, derived
// from the field table: every write (creation, import, fixtures, both batch writers) and
// every read (toParticipant) goes through it.
import type { Selectable } from 'kysely';
import type { ParticipantsTable } from '../../db/schema.ts';
import type { Participant, ProfileChanges } from '../participant.ts';
import type { FieldKind, FieldSpec, ProfileColumns, ProfileField } from '../fields.ts';
import { EMPTY_PROFILE, FIELDS, KINDS, PROFILE_FIELDS } from '../fields.ts';
import { fromBool, toBool } from '../../db/convert.ts';
import type { DbBool } from '../../db/db-bool.ts';

export type { ProfileColumns } from '../fields.ts';

// db/ imports no feature: the participants' profile columns are declared by the field table.
declare module '../../db/schema.ts' {
  interface ParticipantProfileColumns extends ProfileColumns {}
}

type Value = string | number | boolean | null;

const TO_COLUMN: Record<FieldKind, (v: Value) => unknown> = {
  text: (v) => v,
  phone: (v) => v,
  email: (v) => v,
  date: (v) => v,
  gender: (v) => v,
  flag: (v) => fromBool(v as boolean | null),
};

const FROM_COLUMN: Record<FieldKind, (v: unknown) => Value> = {
  text: (v) => v as string | null,
  // PostgreSQL's bigint, whatever the driver hands back.
  phone: (v) => (v === null ? null : Number(v)),
  email: (v) => v as string | null,
  date: (v) => v as string | null,
  gender: (v) => v as number,
  flag: (v) => toBool(v as DbBool | null),
};

/** A column derived from a field's (non-null) value: its unique key or its search key. */
interface DerivedColumn {
  column: string;
  of: (value: string) => string | null;
}

interface ColumnOf {
  field: ProfileField;
  column: string;
  kind: FieldKind;
  /** The field's derived columns (fields.ts: unique.key, search). */
  derived: readonly DerivedColumn[];
}

/** Per field, its column (in table order), computed once. */
export const PROFILE_COLUMNS: readonly ColumnOf[] = PROFILE_FIELDS.map((field) => {
  const spec: FieldSpec = FIELDS[field];
  const key = spec.unique?.key;
  const derived: DerivedColumn[] = [];
  // A unique key of '' is none (an empty e-mail claims nothing); a search key of '' is ''.
  if (key) derived.push({ column: key.column, of: (v) => (v === '' ? null : key.of(v)) });
  if (spec.search) derived.push({ column: spec.search.column, of: spec.search.of });
  return { field, column: spec.column, kind: spec.kind, derived };
});

/** Every profile column with its PostgreSQL type (derived columns after their field's), for the batch writer. */
export const PROFILE_COLUMN_TYPES: readonly (readonly [column: string, pgType: string])[] = PROFILE_COLUMNS.flatMap((c) => [
  [c.column, KINDS[c.kind].pg] as const,
  ...c.derived.map((d) => [d.column, 'text'] as const),
]);

/** The flag (boolean) columns: 0/1 on SQLite, true/false on PostgreSQL. */
export const FLAG_COLUMNS: readonly string[] = PROFILE_COLUMNS.filter((c) => c.kind === 'flag').map((c) => c.column);

/** The columns of the fields that carry a value; absent (undefined) fields are left out. */
export function profileColumns(v: ProfileChanges): Partial<ProfileColumns> {
  const out: Record<string, unknown> = {};
  for (const c of PROFILE_COLUMNS) {
    const value = v[c.field];
    if (value === undefined) continue;
    out[c.column] = TO_COLUMN[c.kind](value);
    for (const d of c.derived) out[d.column] = value === null ? null : d.of(value as string);
  }
  return out as Partial<ProfileColumns>;
}

// A set of fields as a number (bit i: the i-th field of the table), so that a writer can key
// what it derives from the set (SQLite's UPDATE text per set of changed columns) cheaply.
if (PROFILE_COLUMNS.length > 30) throw new Error('more profile fields than bits in a field set');
const FIELD_BIT = Object.fromEntries(PROFILE_COLUMNS.map((c, i) => [c.field, 1 << i])) as Record<ProfileField, number>;

/** The set of these fields. */
export function fieldSet(fields: Iterable<ProfileField>): number {
  let set = 0;
  for (const f of fields) set |= FIELD_BIT[f];
  return set;
}

/** The columns of a set's fields (derived columns after their field's), in table order: the order of pushColumnValues. */
export function columnsOfSet(set: number): string[] {
  return PROFILE_COLUMNS.filter((_, i) => set & (1 << i)).flatMap((c) => [c.column, ...c.derived.map((d) => d.column)]);
}

/** Appends to `out` the column values of a set's fields of `p`, as profileColumns gives them, in columnsOfSet's order. */
export function pushColumnValues(p: ProfileChanges, set: number, out: unknown[]): void {
  for (let i = 0; i < PROFILE_COLUMNS.length; i++) {
    if (!(set & (1 << i))) continue;
    const c = PROFILE_COLUMNS[i]!;
    const value = p[c.field] as Value;
    out.push(TO_COLUMN[c.kind](value));
    for (const d of c.derived) out.push(value === null ? null : d.of(value as string));
  }
}

/** Every profile column of a new participant: the given values, the others empty. */
export function newProfileColumns(v: ProfileChanges): ProfileColumns {
  return profileColumns({ ...EMPTY_PROFILE, ...v }) as ProfileColumns;
}

/** The columns a Participant is read from, in the order participantFromValues takes their values. */
export const PARTICIPANT_COLUMNS: readonly string[] = ['id', 'operator_id', ...PROFILE_COLUMNS.map((c) => c.column), 'version', 'created_at', 'updated_at'];

/** toParticipant of a row given as the values of PARTICIPANT_COLUMNS, in order (a fixed read's row, db/fixed-statements.ts). */
export function participantFromValues(v: readonly unknown[]): Participant {
  const p: Record<string, unknown> = { id: v[0], operatorId: v[1] };
  for (let i = 0; i < PROFILE_COLUMNS.length; i++) {
    const c = PROFILE_COLUMNS[i]!;
    p[c.field] = FROM_COLUMN[c.kind](v[i + 2]);
  }
  const rest = PROFILE_COLUMNS.length + 2;
  p.version = v[rest];
  p.createdAt = v[rest + 1];
  p.updatedAt = v[rest + 2];
  return p as unknown as Participant;
}

export function toParticipant(row: Selectable<ParticipantsTable>): Participant {
  const columns = row as unknown as Record<string, unknown>;
  return participantFromValues(PARTICIPANT_COLUMNS.map((c) => columns[c]));
}
