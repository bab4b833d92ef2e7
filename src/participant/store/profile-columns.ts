// The one mapping between profile fields (domain names) and participants' columns, derived
// from the field table: every write (creation, import, fixtures, both batch writers) and
// every read (toParticipant) goes through it.
import type { Selectable } from 'kysely';
import type { ParticipantsTable } from '../../db/schema.ts';
import type { Participant, ProfileChanges } from '../participant.ts';
import type { FieldKind, ProfileColumns, ProfileField } from '../fields.ts';
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

interface ColumnOf {
  field: ProfileField;
  column: string;
  kind: FieldKind;
  /** The key column of a unique value compared by its key, and the key. */
  key?: { column: string; of: (value: string) => string };
}

/** Per field, its column (in table order), computed once. */
export const PROFILE_COLUMNS: readonly ColumnOf[] = PROFILE_FIELDS.map((field) => {
  const spec = FIELDS[field];
  const key = 'unique' in spec && 'key' in spec.unique ? spec.unique.key : undefined;
  return { field, column: spec.column, kind: spec.kind, ...(key ? { key } : {}) };
});

/** Every profile column with its PostgreSQL type (key columns after their field's), for the batch writer. */
export const PROFILE_COLUMN_TYPES: readonly (readonly [column: string, pgType: string])[] = PROFILE_COLUMNS.flatMap((c) => [
  [c.column, KINDS[c.kind].pg] as const,
  ...(c.key ? [[c.key.column, 'text'] as const] : []),
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
    if (c.key) out[c.key.column] = value ? c.key.of(value as string) : null;
  }
  return out as Partial<ProfileColumns>;
}

/** Every profile column of a new participant: the given values, the others empty. */
export function newProfileColumns(v: ProfileChanges): ProfileColumns {
  return profileColumns({ ...EMPTY_PROFILE, ...v }) as ProfileColumns;
}

export function toParticipant(row: Selectable<ParticipantsTable>): Participant {
  const columns = row as unknown as Record<string, unknown>;
  const p: Record<string, unknown> = { id: row.id, operatorId: row.operator_id };
  for (const c of PROFILE_COLUMNS) p[c.field] = FROM_COLUMN[c.kind](columns[c.column]);
  p.version = row.version;
  p.createdAt = row.created_at;
  p.updatedAt = row.updated_at;
  return p as unknown as Participant;
}
