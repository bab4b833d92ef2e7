// POST api/client/SetClientPassword — the one declaration of the operation
// (docs/participant-sign-in.md). Anonymous: the confirmation code is the credential.
import { defineOperation, UNREADABLE } from './types.ts';
import { ERROR_CODE, MESSAGE, PHONE, SUCCESS, coded } from './common.ts';
import { CODE_TARGET_ERRORS, REQUIRED_OPERATOR } from './get-confirm-code.ts';

export const setClientPassword = defineOperation({
  name: 'SetClientPassword',
  routes: ['/api/client/SetClientPassword'],
  summary: 'Установка пароля Участника программы лояльности по коду подтверждения',
  anonymous: true,
  request: {
    typeName: 'SetClientPasswordRequest',
    fields: [
      { ...PHONE, example: 79160000001 },
      { name: 'Code', type: 'string', description: 'код подтверждения, отправленный на номер телефона', example: '123456' },
      { name: 'Password', type: 'string', description: 'новый пароль (от 8 до 128 символов)', example: 'new-password-1' },
      { name: 'ClientID', type: 'int32', description: 'идентификатор Участника программы лояльности (необязательно; если задан, должен совпадать с владельцем телефона)' },
      REQUIRED_OPERATOR,
    ],
  },
  response: {
    typeName: 'SetClientPasswordResponse',
    fields: [ERROR_CODE, MESSAGE],
  },
  errors: [
    SUCCESS,
    UNREADABLE,
    ...CODE_TARGET_ERRORS,
    coded(22, 'Password shorter than 8 or longer than 128 characters'),
    coded(21, 'the code\'s tries are all spent (5 wrong codes); request a new code'),
    coded(20, 'Code wrong or expired, or no code was requested for this phone (a wrong code spends one of its 5 tries)'),
    coded(2, 'ClientID given and not the participant who holds the phone (the code stays valid)'),
  ],
});

export type SetClientPassword = typeof setClientPassword;
