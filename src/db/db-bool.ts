// A boolean column as the engines return it: 0/1 on SQLite, true/false on PostgreSQL.
export type DbBool = number | boolean;
