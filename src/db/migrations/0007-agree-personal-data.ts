// ClientCreate's AgreePersonalData, stored: a consent like AllowSms (null = never given).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('participants').addColumn('agree_personal_data', 'boolean').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('participants').dropColumn('agree_personal_data').execute();
}
