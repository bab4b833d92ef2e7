// Pieces that several declarations share: the DataContract base-class members, the
// ErrorCode/Message pair of every response, the profile fields, and the one table of
// Russian messages by ErrorCode (each operation still states when it returns a code).
import type { ErrorDecl } from './types.ts';

export const OPERATOR = { name: 'Operator', type: 'int16', description: 'Идентификатор оператора программы лояльности', baseClass: true } as const;
export const TOKEN = { name: 'Token', type: 'int32', description: 'Токен пользователя, который инициирует данный запрос', baseClass: true } as const;
export const SITE_CODE = {
  name: 'SiteCode',
  type: 'string',
  description: 'Уникальный код виджета по продаже подарочных сертификатов, который инициирует запрос',
  baseClass: true,
} as const;

export const ERROR_CODE = { name: 'ErrorCode', type: 'int32', description: 'код ошибки' } as const;
export const MESSAGE = { name: 'Message', type: 'string', description: 'сообщение об ошибке' } as const;

export const CLIENT_ID = { name: 'Client', type: 'int32', description: 'идентификатор Участника программы лояльности' } as const;
export const NAME = { name: 'Name', type: 'string', description: 'имя' } as const;
export const SURNAME = { name: 'Surname', type: 'string', description: 'фамилия' } as const;
export const PATRONYMIC = { name: 'Patronymic', type: 'string', description: 'отчество' } as const;
export const ALLOW_SMS = { name: 'AllowSms', type: 'boolean', description: 'получать уведомления по SMS' } as const;
export const ALLOW_EMAIL = { name: 'AllowEmail', type: 'boolean', description: 'получать уведомления по E-mail' } as const;
export const BIRTHDATE = { name: 'Birthdate', type: 'date', description: 'дата рождения' } as const;
export const PHONE = { name: 'Phone', type: 'int64', format: 'phone', description: 'номер телефона' } as const;
export const EMAIL = { name: 'Email', type: 'string', description: 'адрес электронной почты' } as const;
export const GENDER = { name: 'Gender', type: 'int32', description: 'пол (1 - муж., -1 - жен., 0 - не определен)' } as const;

/** The Russian message of each ErrorCode, as the original wrote them (1–3) or in its style. */
export const MESSAGES = {
  0: '',
  1: 'Не задан идентификатор клиента',
  2: 'Клиент не найден',
  3: 'Заданный идентификатор Оператора ПЛ не найден',
  4: 'Торговая точка не найдена',
  5: 'Виджет не найден',
  6: 'Некорректный номер телефона',
  7: 'Номер телефона уже привязан к другому клиенту',
  8: 'Некорректный адрес электронной почты',
  9: 'Данный E-mail уже привязан к клиенту',
  10: 'Некорректная дата рождения',
  11: 'Некорректное значение пола',
  12: 'Контрагент уже связан с другим клиентом',
  13: 'Некорректное значение поля <Field>',
  14: 'Не задан номер телефона',
  15: 'Карта уже привязана к другому клиенту',
  16: 'Партнёр не найден',
  17: 'Некорректный номер карты',
  18: 'Не задан номер карты или телефона',
  19: 'Не задан идентификатор Оператора ПЛ',
  20: 'Неверный или просроченный код подтверждения',
  21: 'Превышено количество попыток ввода кода подтверждения',
  22: 'Пароль должен содержать от 8 до 128 символов',
} as const;

/** An ErrorCode row: the shared message, and when this operation returns it. */
export function coded(code: keyof typeof MESSAGES, rule: string): ErrorDecl {
  return { code, rule, message: MESSAGES[code] };
}

export const SUCCESS = coded(0, 'success');
