// POST api/client/ClientCreate — the one declaration of the operation (docs/lifecycle.md).
import { defineOperation, UNREADABLE } from './types.ts';
import { ALLOW_EMAIL, ALLOW_SMS, BIRTHDATE, EMAIL, ERROR_CODE, GENDER, MESSAGE, NAME, OPERATOR, PATRONYMIC, PHONE, SITE_CODE, SUCCESS, SURNAME, TOKEN, coded } from './common.ts';

export const clientCreate = defineOperation({
  name: 'ClientCreate',
  routes: ['/api/client/ClientCreate'],
  summary: 'Регистрация Участника программы лояльности',
  idempotent: true,
  // With ClientSetPassword a confirmation code is sent, under GetConfirmCode's limits.
  rateLimited: true,
  request: {
    typeName: 'ClientCreateRequest',
    fields: [
      { name: 'Partner', type: 'int16', description: 'идентификатор партнёра, который регистрирует клиента' },
      { name: 'Card', type: 'int64', description: 'номер карты (если не задан, карта выпускается автоматически)' },
      PHONE,
      NAME,
      SURNAME,
      PATRONYMIC,
      EMAIL,
      BIRTHDATE,
      ALLOW_SMS,
      ALLOW_EMAIL,
      GENDER,
      { name: 'AgreePersonalData', type: 'boolean', description: 'согласие на обработку персональных данных' },
      { name: 'PosCode', type: 'string', description: 'Код торговой точки, в которой регистрируется клиент' },
      { name: 'FriendPhone', type: 'int64', format: 'phone', description: 'номер телефона друга, который пригласил клиента' },
      { name: 'ClientSetPassword', type: 'boolean', description: 'клиент самостоятельно установит пароль: на номер телефона отправляется код подтверждения (см. GetConfirmCode)' },
      OPERATOR,
      TOKEN,
      SITE_CODE,
    ],
  },
  response: {
    typeName: 'ClientCreateResponse',
    fields: [
      ERROR_CODE,
      MESSAGE,
      { name: 'Phone', type: 'int64', description: 'номер телефона зарегистрированного клиента (0 при ошибке)' },
      { name: 'Card', type: 'int64', description: 'номер карты зарегистрированного клиента (0 при ошибке)' },
      { name: 'Client', type: 'int32', description: 'идентификатор зарегистрированного клиента (0 при ошибке)' },
    ],
  },
  errors: [
    SUCCESS,
    UNREADABLE,
    coded(14, 'Phone absent or 0'),
    coded(3, 'Operator given and unknown'),
    coded(4, 'PosCode given and no such POS in the operator'),
    coded(5, 'SiteCode given and no such active widget in the operator'),
    coded(16, 'Partner given and no such partner in the operator'),
    coded(11, 'Gender not in -1, 0, 1'),
    coded(13, 'Name, Surname or Patronymic too long or with control characters'),
    coded(6, 'Phone invalid'),
    coded(8, 'Email invalid'),
    coded(10, 'Birthdate out of range'),
    coded(17, 'Card given and not a positive number'),
    coded(7, 'Phone held by another participant of the operator'),
    coded(9, 'Email held by another participant of the operator'),
    coded(15, 'Card given and held by another participant, or by another operator'),
  ],
});

export type ClientCreate = typeof clientCreate;
