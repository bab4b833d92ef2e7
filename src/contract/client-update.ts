// POST api/client/ClientUpdate — the one declaration of the operation (spec: client-update.md).
import { defineOperation, UNREADABLE } from './types.ts';

export const clientUpdate = defineOperation({
  name: 'ClientUpdate',
  routes: ['/api/client/ClientUpdate', '/api/values/ClientUpdate'],
  summary: 'Обновление профиля Участника программы лояльности',
  request: {
    typeName: 'SetClientUpdateRequest',
    fields: [
      { name: 'Client', type: 'int32', description: 'идентификатор Участника программы лояльности' },
      { name: 'Name', type: 'string', description: 'имя' },
      { name: 'Surname', type: 'string', description: 'фамилия' },
      { name: 'Patronymic', type: 'string', description: 'отчество' },
      { name: 'AllowSms', type: 'boolean', description: 'получать уведомления по SMS' },
      { name: 'AllowEmail', type: 'boolean', description: 'получать уведомления по E-mail' },
      { name: 'Birthdate', type: 'date', description: 'дата рождения' },
      { name: 'Phone', type: 'int64', description: 'номер телефона' },
      { name: 'Email', type: 'string', description: 'адрес электронной почты' },
      { name: 'Gender', type: 'int32', description: 'пол (1 - муж., -1 - жен., 0 - не определен)' },
      { name: 'PosCode', type: 'string', description: 'Код торговой точки, которая инициирует изменение данных' },
      { name: 'AllowEmailOnlineCheque', type: 'boolean', description: 'Признак разрешения на отправку онлайн-чеков на e-mail' },
      { name: 'ContragentId', type: 'string', description: 'Идентификатор контрагента во внешней системе, которого связывают с клиентом' },
      { name: 'Operator', type: 'int16', description: 'Идентификатор оператора программы лояльности', baseClass: true },
      { name: 'Token', type: 'int32', description: 'Токен пользователя, который инициирует данный запрос', baseClass: true },
      { name: 'SiteCode', type: 'string', description: 'Уникальный код виджета по продаже подарочных сертификатов, который инициирует запрос', baseClass: true },
    ],
  },
  response: {
    typeName: 'SetClientUpdateResponse',
    fields: [
      { name: 'ErrorCode', type: 'int32', description: 'код ошибки' },
      { name: 'Message', type: 'string', description: 'сообщение об ошибке' },
    ],
  },
  errors: [
    { code: 0, rule: 'success', message: '' },
    UNREADABLE,
    { code: 1, rule: 'Client absent or ≤ 0', message: 'Не задан идентификатор клиента' },
    { code: 3, rule: 'Operator given and unknown', message: 'Заданный идентификатор Оператора ПЛ не найден' },
    { code: 2, rule: 'no such participant in the operator', message: 'Клиент не найден' },
    { code: 4, rule: 'PosCode given and no such POS in the operator', message: 'Торговая точка не найдена' },
    { code: 5, rule: 'SiteCode given and no such active widget in the operator', message: 'Виджет не найден' },
    { code: 11, rule: 'Gender not in -1, 0, 1', message: 'Некорректное значение пола' },
    { code: 13, rule: 'Name, Surname, Patronymic or ContragentId too long or with control characters', message: 'Некорректное значение поля <Field>' },
    { code: 6, rule: 'Phone invalid', message: 'Некорректный номер телефона' },
    { code: 8, rule: 'Email invalid', message: 'Некорректный адрес электронной почты' },
    { code: 10, rule: 'Birthdate out of range', message: 'Некорректная дата рождения' },
    { code: 7, rule: 'Phone held by another participant of the operator', message: 'Номер телефона уже привязан к другому клиенту' },
    { code: 9, rule: 'Email held by another participant of the operator', message: 'Данный E-mail уже привязан к клиенту' },
    { code: 12, rule: 'ContragentId held by another participant of the operator', message: 'Контрагент уже связан с другим клиентом' },
  ],
});

export type ClientUpdate = typeof clientUpdate;
