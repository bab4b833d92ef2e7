// POST api/client/ClientSearch — the operator console's search box (docs/console.md): one
// query string read as a phone, an e-mail, a card number, a ContragentId or a surname prefix
// with an optional name prefix. Managers only; the caller's operator only.
import { defineOperation, UNREADABLE } from './types.ts';
import { ERROR_CODE, MESSAGE, OPERATOR, SUCCESS, TOKEN, coded } from './common.ts';

/** The most participants one search answers. */
export const SEARCH_LIMIT = 50;
/** The longest query read. */
export const SEARCH_QUERY_MAX = 100;

export const clientSearch = defineOperation({
  name: 'ClientSearch',
  routes: ['/api/client/ClientSearch'],
  summary: 'Поиск Участников программы лояльности по телефону, e-mail, номеру карты, ContragentId или фамилии и имени',
  request: {
    typeName: 'ClientSearchRequest',
    fields: [
      {
        name: 'Query',
        type: 'string',
        description: `телефон в любой записи (8 916 123-45-67, +7…), e-mail, номер карты, ContragentId или начало фамилии с необязательным началом имени (Петр Ив); до ${SEARCH_QUERY_MAX} символов`,
        example: '8 916 000-00-01',
      },
      OPERATOR,
      TOKEN,
    ],
  },
  response: {
    typeName: 'ClientSearchResponse',
    fields: [
      ERROR_CODE,
      MESSAGE,
      {
        name: 'Clients',
        description: `найденные участники, не более ${SEARCH_LIMIT} (null, когда запрос не прочитан)`,
        // An unreadable body (400) answers the message with every member but ErrorCode/Message null.
        nullable: true,
        type: {
          kind: 'array',
          of: {
            kind: 'object',
            typeName: 'ClientFound',
            fields: [
              { name: 'Client', type: 'int32', description: 'идентификатор Участника программы лояльности' },
              { name: 'Match', type: 'string', description: 'по чему найден: Phone, Email, Card, ContragentId или Name' },
              { name: 'Surname', type: 'string', nullable: true, description: 'фамилия' },
              { name: 'Name', type: 'string', nullable: true, description: 'имя' },
              { name: 'Patronymic', type: 'string', nullable: true, description: 'отчество' },
              { name: 'Phone', type: 'int64', nullable: true, description: 'номер телефона' },
              { name: 'Email', type: 'string', nullable: true, description: 'адрес электронной почты' },
              { name: 'ContragentId', type: 'string', nullable: true, description: 'Идентификатор контрагента во внешней системе' },
              { name: 'RegDate', type: 'datetime', description: 'дата регистрации' },
            ],
          },
        },
      },
    ],
  },
  errors: [
    SUCCESS,
    UNREADABLE,
    coded(3, 'Operator given and unknown'),
    coded(13, `Query absent, blank or longer than ${SEARCH_QUERY_MAX} characters`),
  ],
});

export type ClientSearch = typeof clientSearch;
