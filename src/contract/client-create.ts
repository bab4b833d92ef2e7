// POST api/client/ClientCreate — the one declaration of the operation (docs/lifecycle.md).
import { defineOperation, UNREADABLE } from './types.ts';

export const clientCreate = defineOperation({
  name: 'ClientCreate',
  routes: ['/api/client/ClientCreate'],
  summary: 'Регистрация Участника программы лояльности',
  request: {
    typeName: 'ClientCreateRequest',
    fields: [
      { name: 'Partner', type: 'int16', description: 'идентификатор партнёра, который регистрирует клиента' },
      { name: 'Card', type: 'int64', description: 'номер карты (если не задан, карта выпускается автоматически)' },
      { name: 'Phone', type: 'int64', description: 'номер телефона' },
      { name: 'Name', type: 'string', description: 'имя' },
      { name: 'Surname', type: 'string', description: 'фамилия' },
      { name: 'Patronymic', type: 'string', description: 'отчество' },
      { name: 'Email', type: 'string', description: 'адрес электронной почты' },
      { name: 'Birthdate', type: 'date', description: 'дата рождения' },
      { name: 'AllowSms', type: 'boolean', description: 'получать уведомления по SMS' },
      { name: 'AllowEmail', type: 'boolean', description: 'получать уведомления по E-mail' },
      { name: 'Gender', type: 'int32', description: 'пол (1 - муж., -1 - жен., 0 - не определен)' },
      { name: 'AgreePersonalData', type: 'boolean', description: 'согласие на обработку персональных данных' },
      { name: 'PosCode', type: 'string', description: 'Код торговой точки, в которой регистрируется клиент' },
      { name: 'FriendPhone', type: 'int64', description: 'номер телефона друга, который пригласил клиента' },
      { name: 'ClientSetPassword', type: 'boolean', description: 'клиент самостоятельно установит пароль' },
      { name: 'Operator', type: 'int16', description: 'Идентификатор оператора программы лояльности', baseClass: true },
      { name: 'Token', type: 'int32', description: 'Токен пользователя, который инициирует данный запрос', baseClass: true },
      { name: 'SiteCode', type: 'string', description: 'Уникальный код виджета по продаже подарочных сертификатов, который инициирует запрос', baseClass: true },
    ],
  },
  response: {
    typeName: 'ClientCreateResponse',
    fields: [
      { name: 'ErrorCode', type: 'int32', description: 'код ошибки' },
      { name: 'Message', type: 'string', description: 'сообщение об ошибке' },
      { name: 'Phone', type: 'int64', description: 'номер телефона зарегистрированного клиента (0 при ошибке)' },
      { name: 'Card', type: 'int64', description: 'номер карты зарегистрированного клиента (0 при ошибке)' },
      { name: 'Client', type: 'int32', description: 'идентификатор зарегистрированного клиента (0 при ошибке)' },
    ],
  },
  errors: [
    { code: 0, rule: 'success', message: '' },
    UNREADABLE,
    { code: 14, rule: 'Phone absent or 0', message: 'Не задан номер телефона' },
    { code: 3, rule: 'Operator given and unknown', message: 'Заданный идентификатор Оператора ПЛ не найден' },
    { code: 4, rule: 'PosCode given and no such POS in the operator', message: 'Торговая точка не найдена' },
    { code: 5, rule: 'SiteCode given and no such active widget in the operator', message: 'Виджет не найден' },
    { code: 16, rule: 'Partner given and no such partner in the operator', message: 'Партнёр не найден' },
    { code: 11, rule: 'Gender not in -1, 0, 1', message: 'Некорректное значение пола' },
    { code: 13, rule: 'Name, Surname or Patronymic too long or with control characters', message: 'Некорректное значение поля <Field>' },
    { code: 6, rule: 'Phone invalid', message: 'Некорректный номер телефона' },
    { code: 8, rule: 'Email invalid', message: 'Некорректный адрес электронной почты' },
    { code: 10, rule: 'Birthdate out of range', message: 'Некорректная дата рождения' },
    { code: 17, rule: 'Card given and not a positive number', message: 'Некорректный номер карты' },
    { code: 7, rule: 'Phone held by another participant of the operator', message: 'Номер телефона уже привязан к другому клиенту' },
    { code: 9, rule: 'Email held by another participant of the operator', message: 'Данный E-mail уже привязан к клиенту' },
    { code: 15, rule: 'Card given and held by another participant, or by another operator', message: 'Карта уже привязана к другому клиенту' },
  ],
});

export type ClientCreate = typeof clientCreate;
