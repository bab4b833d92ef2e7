// Pieces shared by the operations that read a participant's records (ClientHistory,
// ClientConsents, ClientDeliveries): paging, the source of a change, and their error table.
import type { ErrorDecl } from './types.ts';
import { UNREADABLE } from './types.ts';
import { SUCCESS, coded } from './common.ts';

export const PAGE_DEFAULT_LIMIT = 100;
export const PAGE_MAX_LIMIT = 1000;

export const LIMIT = {
  name: 'Limit',
  type: 'int32',
  description: `максимальное число записей (по умолчанию ${PAGE_DEFAULT_LIMIT}, не более ${PAGE_MAX_LIMIT})`,
} as const;
export const OFFSET = { name: 'Offset', type: 'int32', description: 'сколько записей пропустить от начала списка (постраничный просмотр)' } as const;

/** When, who and through what: the fields of a history or consent-ledger entry's source. */
export const CHANGE_SOURCE = [
  { name: 'Time', type: 'datetime', description: 'время изменения' },
  { name: 'Initiator', type: 'string', description: 'инициатор изменения: менеджер (логин и токен) или сам клиент' },
  { name: 'PosCode', type: 'string', nullable: true, description: 'код торговой точки, через которую сделано изменение' },
  { name: 'SiteCode', type: 'string', nullable: true, description: 'код виджета, через который сделано изменение' },
] as const;

/** The ErrorCode table of a paged read of one participant's records. */
export const PARTICIPANT_READ_ERRORS: readonly ErrorDecl[] = [
  SUCCESS,
  UNREADABLE,
  coded(1, 'Client absent or ≤ 0'),
  coded(3, 'Operator given and unknown'),
  coded(2, 'no such participant in the operator'),
  coded(13, `Limit below 0 or above ${PAGE_MAX_LIMIT}, or Offset below 0`),
];
