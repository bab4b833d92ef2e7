// POST api/client/GetClient — the one declaration of the operation (docs/lifecycle.md).
// ClientData keeps the original's lower-case member names; only the fields this service
// holds are served (no purchase or bonus figures: there is no purchase ledger).
import { defineOperation, UNREADABLE } from './types.ts';
import { ERROR_CODE, MESSAGE, SUCCESS, coded } from './common.ts';

export const getClient = defineOperation({
  name: 'GetClient',
  routes: ['/api/client/GetClient'],
  summary: 'Получение данных Участника программы лояльности',
  request: {
    typeName: 'GetClientRequest',
    fields: [
      { name: 'ClientID', type: 'int32', description: 'идентификатор Участника программы лояльности' },
      { name: 'OperatorId', type: 'int16', description: 'Идентификатор оператора программы лояльности' },
    ],
  },
  response: {
    typeName: 'GetClientResponse',
    fields: [
      ERROR_CODE,
      MESSAGE,
      {
        name: 'ClientData',
        description: 'данные клиента (null при ошибке)',
        nullable: true,
        type: {
          kind: 'object',
          typeName: 'ClientData',
          fields: [
            { name: 'id', type: 'int32', description: 'идентификатор клиента' },
            { name: 'firstname', type: 'string', description: 'имя', nullable: true },
            { name: 'middlename', type: 'string', description: 'отчество', nullable: true },
            { name: 'lastname', type: 'string', description: 'фамилия', nullable: true },
            { name: 'gender', type: 'int32', description: 'пол (1 - муж., -1 - жен., 0 - не определен)' },
            { name: 'birthdate', type: 'date', description: 'дата рождения', nullable: true },
            { name: 'phone', type: 'int64', description: 'номер телефона', nullable: true },
            { name: 'email', type: 'string', description: 'адрес электронной почты', nullable: true },
            { name: 'allowsms', type: 'boolean', description: 'получать уведомления по SMS', nullable: true },
            { name: 'allowemail', type: 'boolean', description: 'получать уведомления по E-mail', nullable: true },
            { name: 'allowemailonlinecheque', type: 'boolean', description: 'Признак разрешения на отправку онлайн-чеков на e-mail', nullable: true },
            { name: 'contragentid', type: 'string', description: 'Идентификатор контрагента во внешней системе', nullable: true },
            { name: 'regdate', type: 'datetime', description: 'дата регистрации' },
          ],
        },
      },
    ],
  },
  errors: [
    SUCCESS,
    UNREADABLE,
    coded(1, 'ClientID absent or ≤ 0'),
    coded(3, 'OperatorId given and unknown'),
    coded(2, 'no such participant in the operator'),
  ],
});

export type GetClient = typeof getClient;
