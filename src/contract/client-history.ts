// POST api/client/ClientHistory — who changed a participant's profile, newest first
// (spec client-update.md §4.6). Same authorization as ClientUpdate.
import { defineOperation, UNREADABLE } from './types.ts';
import { CLIENT_ID, ERROR_CODE, MESSAGE, OPERATOR, SUCCESS, TOKEN, coded } from './common.ts';

export const HISTORY_DEFAULT_LIMIT = 100;
export const HISTORY_MAX_LIMIT = 1000;

export const clientHistory = defineOperation({
  name: 'ClientHistory',
  routes: ['/api/client/ClientHistory'],
  summary: 'История изменений профиля Участника программы лояльности',
  request: {
    typeName: 'ClientHistoryRequest',
    fields: [
      CLIENT_ID,
      { name: 'From', type: 'date', description: 'начало периода (включительно, UTC)' },
      { name: 'To', type: 'date', description: 'конец периода (включительно, UTC)' },
      { name: 'Limit', type: 'int32', description: `максимальное число записей (по умолчанию ${HISTORY_DEFAULT_LIMIT}, не более ${HISTORY_MAX_LIMIT})` },
      OPERATOR,
      TOKEN,
    ],
  },
  response: {
    typeName: 'ClientHistoryResponse',
    fields: [
      ERROR_CODE,
      MESSAGE,
      {
        name: 'Changes',
        description: 'изменения профиля, начиная с последнего (null, когда запрос не прочитан)',
        // An unreadable body (400) answers the message with every member but ErrorCode/Message null.
        nullable: true,
        type: {
          kind: 'array',
          of: {
            kind: 'object',
            typeName: 'ClientChange',
            fields: [
              { name: 'Time', type: 'datetime', description: 'время изменения' },
              { name: 'Initiator', type: 'string', description: 'инициатор изменения: менеджер (логин и токен) или сам клиент' },
              { name: 'PosCode', type: 'string', nullable: true, description: 'код торговой точки, через которую сделано изменение' },
              { name: 'SiteCode', type: 'string', nullable: true, description: 'код виджета, через который сделано изменение' },
              {
                name: 'Fields',
                description: 'изменённые поля',
                type: {
                  kind: 'array',
                  of: {
                    kind: 'object',
                    typeName: 'FieldChange',
                    fields: [
                      { name: 'Field', type: 'string', description: 'имя поля' },
                      { name: 'Old', type: 'string', nullable: true, description: 'прежнее значение' },
                      { name: 'New', type: 'string', nullable: true, description: 'новое значение' },
                    ],
                  },
                },
              },
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
    coded(13, `Limit below 0 or above ${HISTORY_MAX_LIMIT}`),
  ],
});

export type ClientHistory = typeof clientHistory;
