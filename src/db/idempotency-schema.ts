// Table shape of migration 0004-idempotency-keys.

export interface IdempotencyKeysTable {
  operator_id: number;
  /** 'manager:<login>' or 'client:<id>'. */
  principal: string;
  operation: string;
  key: string;
  request_hash: string;
  status: number;
  /** The response fields, JSON. */
  response: string;
  created_at: string;
  expires_at: string;
}

export interface IdempotencyTables {
  idempotency_keys: IdempotencyKeysTable;
}
