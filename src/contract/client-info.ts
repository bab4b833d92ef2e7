// POST api/client/ClientInfo — the one declaration of the operation (docs/lifecycle.md).
// Only the profile is served: purchase and bonus figures are not (no purchase ledger).
import { defineOperation, UNREADABLE } from './types.ts';

export const clientInfo = defineOperation({
  name: 'ClientInfo',
  routes: ['/api/client/ClientInfo'],
  summary: 'Информация об Участнике программы лояльности по номеру карты или телефона',
  request: {
    typeName: 'ClientInfoRequest',
    fields: [
      { name: 'Card', type: 'int64', description: 'номер карты' },
      { name: 'Phone', type: 'int64', description: 'номер телефона' },
      { name: 'Operator', type: 'int16', description: 'Идентификатор оператора программы лояльности', baseClass: true },
    ],
  },
  response: {
    typeName: 'ClientInfoResponse',
    fields: [
      { name: 'ErrorCode', type: 'int32', description: 'код ошибки' },
      { name: 'Message', type: 'string', description: 'сообщение об ошибке' },
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
    { code: 0, rule: 'success', message: '' },
    UNREADABLE,
    { code: 18, rule: 'neither Card nor Phone given', message: 'Не задан номер карты или телефона' },
    { code: 3, rule: 'Operator given and unknown', message: 'Заданный идентификатор Оператора ПЛ не найден' },
    { code: 6, rule: 'Phone given (and no Card) and invalid', message: 'Некорректный номер телефона' },
    { code: 2, rule: 'no participant of the operator with this card (or, without Card, this phone)', message: 'Клиент не найден' },
  ],
});

export type ClientInfo = typeof clientInfo;
