// The initial schema. One migration serves both engines; where they differ (auto ids,
// date and timestamp types) the column type is chosen by the dialect.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('operators')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('partners')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('operator_id', 'integer', (c) => c.notNull().references('operators.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('poses')
    .addColumn('id', t.autoId, (c) => c.primaryKey())
    .addColumn('operator_id', 'integer', (c) => c.notNull().references('operators.id'))
    .addColumn('partner_id', 'integer', (c) => c.references('partners.id'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('code_key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addUniqueConstraint('poses_operator_code_key', ['operator_id', 'code_key'])
    .execute();

  await db.schema
    .createTable('sites')
    .addColumn('id', t.autoId, (c) => c.primaryKey())
    .addColumn('operator_id', 'integer', (c) => c.notNull().references('operators.id'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('code_key', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('managers')
    .addColumn('id', t.autoId, (c) => c.primaryKey())
    .addColumn('login', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('token', 'integer', (c) => c.notNull().unique())
    .addColumn('operator_id', 'integer', (c) => c.notNull().references('operators.id'))
    .addColumn('partner_id', 'integer', (c) => c.references('partners.id'))
    .addColumn('pos_id', 'integer', (c) => c.references('poses.id'))
    .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', t.autoId, (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'integer', (c) => c.notNull())
    .addColumn('operator_id', 'integer', (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('participants')
    .addColumn('id', t.autoId, (c) => c.primaryKey())
    .addColumn('operator_id', 'integer', (c) => c.notNull().references('operators.id'))
    .addColumn('name', 'text')
    .addColumn('surname', 'text')
    .addColumn('patronymic', 'text')
    .addColumn('phone', 'bigint')
    .addColumn('email', 'text')
    .addColumn('email_key', 'text')
    .addColumn('birthdate', t.date)
    .addColumn('gender', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('allow_sms', 'boolean')
    .addColumn('allow_email', 'boolean')
    .addColumn('allow_email_online_cheque', 'boolean')
    .addColumn('contragent_id', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    // The database, not only the code, keeps these unique per operator.
    .addUniqueConstraint('participants_operator_phone_key', ['operator_id', 'phone'])
    .addUniqueConstraint('participants_operator_email_key', ['operator_id', 'email_key'])
    .addUniqueConstraint('participants_operator_contragent_key', ['operator_id', 'contragent_id'])
    .execute();

  await db.schema
    .createTable('cards')
    .addColumn('number', 'bigint', (c) => c.primaryKey())
    .addColumn('operator_id', 'integer', (c) => c.notNull().references('operators.id'))
    .addColumn('participant_id', 'integer', (c) => c.references('participants.id'))
    .addColumn('status', 'smallint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('cards_participant_idx').on('cards').column('participant_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['cards', 'participants', 'refresh_tokens', 'managers', 'sites', 'poses', 'partners', 'operators']) {
    await db.schema.dropTable(table).execute();
  }
}
