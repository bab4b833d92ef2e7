// Limit and Offset of the lists that grow (history, consent ledger, deliveries).
import { PAGE_DEFAULT_LIMIT, PAGE_MAX_LIMIT } from '../contract/participant-reads.ts';

export interface Page {
  limit: number;
  offset: number;
}

/** The page asked for, or the name of the field that is out of range (ErrorCode 13). */
export function pageOf(req: { Limit?: number; Offset?: number }): Page | { invalid: 'Limit' | 'Offset' } {
  const limit = req.Limit ? req.Limit : PAGE_DEFAULT_LIMIT;
  if (limit < 0 || limit > PAGE_MAX_LIMIT) return { invalid: 'Limit' };
  const offset = req.Offset ?? 0;
  if (offset < 0) return { invalid: 'Offset' };
  return { limit, offset };
}
