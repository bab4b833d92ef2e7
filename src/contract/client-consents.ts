// POST api/client/ClientConsents — a participant's consents: the current state of each, and
// the ledger of every change with its source, newest first. Same authorization as ClientHistory.
import { defineOperation } from './types.ts';
import { CLIENT_ID, ERROR_CODE, MESSAGE, OPERATOR, TOKEN } from './common.ts';
import { CHANGE_SOURCE, LIMIT, OFFSET, PARTICIPANT_READ_ERRORS } from './participant-reads.ts';

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
        description: 'текущее состояние каждого согласия (AllowSms, AllowEmail, AllowEmailOnlineCheque; null, когда запрос не прочитан)',
        // An unreadable body (400) answers the message with every member but ErrorCode/Message null.
        nullable: true,
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
        description: 'изменения согласий, начиная с последнего (null, когда запрос не прочитан)',
        nullable: true,
        type: {
          kind: 'array',
          of: {
            kind: 'object',
            typeName: 'ConsentChange',
            fields: [
              ...CHANGE_SOURCE,
              { name: 'Consent', type: 'string', description: 'согласие' },
              { name: 'Given', type: 'boolean', description: 'дано (true) или отозвано (false)' },
              { name: 'Previous', type: 'boolean', nullable: true, description: 'прежнее значение' },
            ],
          },
        },
      },
    ],
  },
  errors: PARTICIPANT_READ_ERRORS,
});

export type ClientConsents = typeof clientConsents;
