// POST api/client/GetConfirmCode — the one declaration of the operation
// (docs/participant-sign-in.md). Anonymous: the participant has no password yet.
import { defineOperation, UNREADABLE } from './types.ts';
import { ERROR_CODE, MESSAGE, PHONE, SUCCESS, coded } from './common.ts';

export const getConfirmCode = defineOperation({
  name: 'GetConfirmCode',
  routes: ['/api/client/GetConfirmCode'],
  summary: 'Отправка кода подтверждения на номер телефона Участника программы лояльности',
  anonymous: true,
  rateLimited: true,
  request: {
    typeName: 'GetConfirmCodeRequest',
    fields: [
      { ...PHONE, example: 79160000001 },
      { name: 'Operator', type: 'int16', description: 'Идентификатор оператора программы лояльности', example: 1 },
    ],
  },
  response: {
    typeName: 'GetConfirmCodeResponse',
    fields: [ERROR_CODE, MESSAGE],
  },
  errors: [
    SUCCESS,
    UNREADABLE,
    coded(19, 'Operator absent or 0'),
    coded(3, 'Operator unknown'),
    coded(14, 'Phone absent or 0'),
    coded(6, 'Phone invalid'),
  ],
});

export type GetConfirmCode = typeof getConfirmCode;
