// POST api/client/ClientDeliveries — the webhook deliveries of a participant's change events
// and their state, newest event first. Managers only (they show the operator's webhook URLs).
import { defineOperation } from './types.ts';
import { CLIENT_ID, ERROR_CODE, MESSAGE, OPERATOR, TOKEN } from './common.ts';
import { LIMIT, OFFSET, PARTICIPANT_READ_ERRORS } from './participant-reads.ts';

export const clientDeliveries = defineOperation({
  name: 'ClientDeliveries',
  routes: ['/api/client/ClientDeliveries'],
  summary: 'Доставка уведомлений (вебхуков) об изменениях профиля Участника программы лояльности',
  request: {
    typeName: 'ClientDeliveriesRequest',
    fields: [CLIENT_ID, LIMIT, OFFSET, OPERATOR, TOKEN],
  },
  response: {
    typeName: 'ClientDeliveriesResponse',
    fields: [
      ERROR_CODE,
      MESSAGE,
      {
        name: 'Deliveries',
        description: 'доставки событий участника, начиная с последнего события (null, когда запрос не прочитан)',
        // An unreadable body (400) answers the message with every member but ErrorCode/Message null.
        nullable: true,
        type: {
          kind: 'array',
          of: {
            kind: 'object',
            typeName: 'EventDelivery',
            fields: [
              { name: 'EventId', type: 'string', description: 'идентификатор события (EventId, X-Lcm-Event-Id)' },
              { name: 'Time', type: 'datetime', description: 'время изменения' },
              { name: 'Fields', type: { kind: 'array', of: 'string' }, description: 'изменённые поля' },
              { name: 'Webhook', type: 'int32', description: 'идентификатор вебхука' },
              { name: 'Url', type: 'string', description: 'адрес вебхука' },
              { name: 'Status', type: 'string', description: 'состояние: pending (ожидает), delivered (доставлено), failed (не доставлено)' },
              { name: 'Attempts', type: 'int32', description: 'неудачных попыток' },
              { name: 'LastError', type: 'string', nullable: true, description: 'последняя ошибка' },
              { name: 'NextAttempt', type: 'datetime', nullable: true, description: 'время следующей попытки' },
              { name: 'DeliveredAt', type: 'datetime', nullable: true, description: 'время доставки' },
            ],
          },
        },
      },
    ],
  },
  errors: PARTICIPANT_READ_ERRORS,
});

export type ClientDeliveries = typeof clientDeliveries;
