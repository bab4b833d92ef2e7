// POST api/client/ClientHistory — who changed a participant's profile, newest first
// (spec client-update.md §4.6). Same authorization as ClientUpdate.
import { defineOperation, UNREADABLE } from './types.ts';

export const HISTORY_DEFAULT_LIMIT = 100;
export const HISTORY_MAX_LIMIT = 1000;

export const clientHistory = defineOperation({
  name: 'ClientHistory',
  routes: ['/api/client/ClientHistory'],
  summary: 'История изменений профиля Участника программы лояльности',
  request: {
    typeName: 'ClientHistoryRequest',
    fields: [
      { name: 'Client', type: 'int32', description: 'идентификатор Участника программы лояльности' },
      { name: 'From', type: 'date', description: 'начало периода (включительно, UTC)' },
      { name: 'To', type: 'date', description: 'конец периода (включительно, UTC)' },
      { name: 'Limit', type: 'int32', description: `максимальное число записей (по умолчанию ${HISTORY_DEFAULT_LIMIT}, не более ${HISTORY_MAX_LIMIT})` },
      { name: 'Operator', type: 'int16', description: 'Идентификатор оператора программы лояльности', baseClass: true },
      { name: 'Token', type: 'int32', description: 'Токен пользователя, который инициирует данный запрос', baseClass: true },
    ],
  },
  response: {
    typeName: 'ClientHistoryResponse',
    fields: [
      { name: 'ErrorCode', type: 'int32', description: 'код ошибки' },
      { name: 'Message', type: 'string', description: 'сообщение об ошибке' },
      {
        name: 'Changes',
        description: 'изменения профиля, начиная с последнего',
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
    { code: 0, rule: 'success', message: '' },
    UNREADABLE,
    { code: 1, rule: 'Client absent or ≤ 0', message: 'Не задан идентификатор клиента' },
    { code: 3, rule: 'Operator given and unknown', message: 'Заданный идентификатор Оператора ПЛ не найден' },
    { code: 2, rule: 'no such participant in the operator', message: 'Клиент не найден' },
    { code: 13, rule: `Limit below 0 or above ${HISTORY_MAX_LIMIT}`, message: 'Некорректное значение поля <Field>' },
  ],
});

export type ClientHistory = typeof clientHistory;
