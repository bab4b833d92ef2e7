// POST api/client/ClientUpdate — the one declaration of the operation (spec: client-update.md).
import { defineOperation, UNREADABLE } from './types.ts';
import { ALLOW_EMAIL, ALLOW_SMS, BIRTHDATE, CLIENT_ID, EMAIL, ERROR_CODE, GENDER, MESSAGE, NAME, OPERATOR, PATRONYMIC, PHONE, SITE_CODE, SUCCESS, SURNAME, TOKEN, coded } from './common.ts';

export const clientUpdate = defineOperation({
  name: 'ClientUpdate',
  routes: ['/api/client/ClientUpdate', '/api/values/ClientUpdate'],
  summary: 'Обновление профиля Участника программы лояльности',
  idempotent: true,
  request: {
    typeName: 'SetClientUpdateRequest',
    fields: [
      CLIENT_ID,
      NAME,
      SURNAME,
      PATRONYMIC,
      ALLOW_SMS,
      ALLOW_EMAIL,
      BIRTHDATE,
      PHONE,
      EMAIL,
      GENDER,
      { name: 'PosCode', type: 'string', description: 'Код торговой точки, которая инициирует изменение данных' },
      { name: 'AllowEmailOnlineCheque', type: 'boolean', description: 'Признак разрешения на отправку онлайн-чеков на e-mail' },
      { name: 'ContragentId', type: 'string', description: 'Идентификатор контрагента во внешней системе, которого связывают с клиентом' },
      OPERATOR,
      TOKEN,
      SITE_CODE,
    ],
  },
  response: {
    typeName: 'SetClientUpdateResponse',
    fields: [ERROR_CODE, MESSAGE],
  },
  errors: [
    SUCCESS,
    UNREADABLE,
    coded(1, 'Client absent or ≤ 0'),
    coded(3, 'Operator given and unknown'),
    coded(2, 'no such participant in the operator'),
    coded(4, 'PosCode given and no such POS in the operator'),
    coded(5, 'SiteCode given and no such active widget in the operator'),
    coded(11, 'Gender not in -1, 0, 1'),
    coded(13, 'Name, Surname, Patronymic or ContragentId too long or with control characters'),
    coded(6, 'Phone invalid'),
    coded(8, 'Email invalid'),
    coded(10, 'Birthdate out of range'),
    coded(7, 'Phone held by another participant of the operator'),
    coded(9, 'Email held by another participant of the operator'),
    coded(12, 'ContragentId held by another participant of the operator'),
  ],
});

export type ClientUpdate = typeof clientUpdate;
