// POST api/client/ClientConsents — a participant's consents: the current state of each, and
// the ledger of every change with its source, newest first. Same authorization as ClientHistory.
import { defineOperation, UNREADABLE } from './types.ts';
import { CLIENT_ID, ERROR_CODE, MESSAGE, OPERATOR, SUCCESS, TOKEN, coded } from './common.ts';
import { LIMIT, OFFSET, PAGE_MAX_LIMIT } from './paging.ts';

export const clientConsents = defineOperation({
  name: 'ClientConsents',
  routes: ['/api/client/ClientConsents'],
  summary: 'Согласия Участника программы лояльности: текущее состояние и журнал изменений',
  request: {
    typeName: 'ClientConsentsRequest',
    fields: [CLIENT_ID, LIMIT, OFFSET, OPERATOR, TOKEN],
  },
  response: {
    typeName: 'ClientConsentsResponse',
    fields: [
      ERROR_CODE,
      MESSAGE,
      {
        name: 'Consents',
        description: 'текущее состояние каждого согласия (AllowSms, AllowEmail, AllowEmailOnlineCheque)',
        type: {
          kind: 'array',
          of: {
            kind: 'object',
            typeName: 'ConsentState',
            fields: [
              { name: 'Consent', type: 'string', description: 'согласие' },
              { name: 'Given', type: 'boolean', nullable: true, description: 'дано (true), отозвано (false), не задано (null)' },
            ],
          },
        },
      },
      {
        name: 'Changes',
        description: 'изменения согласий, начиная с последнего',
        type: {
          kind: 'array',
          of: {
            kind: 'object',
            typeName: 'ConsentChange',
            fields: [
              { name: 'Time', type: 'datetime', description: 'время изменения' },
              { name: 'Consent', type: 'string', description: 'согласие' },
              { name: 'Given', type: 'boolean', description: 'дано (true) или отозвано (false)' },
              { name: 'Previous', type: 'boolean', nullable: true, description: 'прежнее значение' },
              { name: 'Initiator', type: 'string', description: 'инициатор изменения: менеджер (логин и токен) или сам клиент' },
              { name: 'PosCode', type: 'string', nullable: true, description: 'код торговой точки, через которую сделано изменение' },
              { name: 'SiteCode', type: 'string', nullable: true, description: 'код виджета, через который сделано изменение' },
            ],
          },
        },
      },
    ],
  },
  errors: [
    SUCCESS,
    UNREADABLE,
    coded(1, 'Client absent or ≤ 0'),
    coded(3, 'Operator given and unknown'),
    coded(2, 'no such participant in the operator'),
    coded(13, `Limit below 0 or above ${PAGE_MAX_LIMIT}, or Offset below 0`),
  ],
});

export type ClientConsents = typeof clientConsents;
