// POST api/client/ClientHistory — who changed a participant's profile, newest first
// (spec client-update.md §4.6). Same authorization as ClientUpdate.
import { defineOperation } from './types.ts';
import { CLIENT_ID, ERROR_CODE, MESSAGE, OPERATOR, TOKEN } from './common.ts';
import { CHANGE_SOURCE, LIMIT, OFFSET, PARTICIPANT_READ_ERRORS } from './participant-reads.ts';

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
      LIMIT,
      OFFSET,
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
              ...CHANGE_SOURCE,
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
  errors: PARTICIPANT_READ_ERRORS,
});

export type ClientHistory = typeof clientHistory;
