// POST api/client/ClientInfo — the one declaration of the operation (docs/lifecycle.md).
// Only the profile is served: purchase and bonus figures are not (no purchase ledger).
import { defineOperation, UNREADABLE } from './types.ts';
import { ERROR_CODE, MESSAGE, OPERATOR, PHONE, SUCCESS, coded } from './common.ts';

export const clientInfo = defineOperation({
  name: 'ClientInfo',
  routes: ['/api/client/ClientInfo'],
  summary: 'Информация об Участнике программы лояльности по номеру карты или телефона',
  request: {
    typeName: 'ClientInfoRequest',
    fields: [
      { name: 'Card', type: 'int64', description: 'номер карты' },
      PHONE,
      OPERATOR,
    ],
  },
  response: {
    typeName: 'ClientInfoResponse',
    fields: [
      ERROR_CODE,
      MESSAGE,
      { name: 'Card', type: 'int64', description: 'номер карты', nullable: true },
      { name: 'Phone', type: 'int64', description: 'номер телефона', nullable: true },
      { name: 'Surname', type: 'string', description: 'фамилия', nullable: true },
      { name: 'Name', type: 'string', description: 'имя', nullable: true },
      { name: 'Patronymic', type: 'string', description: 'отчество', nullable: true },
      { name: 'Email', type: 'string', description: 'адрес электронной почты', nullable: true },
      { name: 'Birthdate', type: 'date', description: 'дата рождения', nullable: true },
      { name: 'AllowSms', type: 'boolean', description: 'получать уведомления по SMS', nullable: true },
      { name: 'AllowEmail', type: 'boolean', description: 'получать уведомления по E-mail', nullable: true },
      { name: 'Gender', type: 'int32', description: 'пол (1 - муж., -1 - жен., 0 - не определен)', nullable: true },
      { name: 'Id', type: 'int32', description: 'идентификатор клиента', nullable: true },
      { name: 'RegDate', type: 'datetime', description: 'дата регистрации', nullable: true },
      { name: 'AllowEmailOnlineCheque', type: 'boolean', description: 'Признак разрешения на отправку онлайн-чеков на e-mail', nullable: true },
      { name: 'ContragentId', type: 'string', description: 'Идентификатор контрагента во внешней системе', nullable: true },
    ],
  },
  errors: [
    SUCCESS,
    UNREADABLE,
    coded(18, 'neither Card nor Phone given'),
    coded(3, 'Operator given and unknown'),
    coded(6, 'Phone given (and no Card) and invalid'),
    coded(2, 'no participant of the operator with this card (or, without Card, this phone)'),
  ],
});

export type ClientInfo = typeof clientInfo;
