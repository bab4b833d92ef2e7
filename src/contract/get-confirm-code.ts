// POST api/client/GetConfirmCode — the one declaration of the operation
// (docs/participant-sign-in.md). Anonymous: the participant has no password yet.
import { defineOperation, UNREADABLE } from './types.ts';
import { ERROR_CODE, MESSAGE, OPERATOR, PHONE, SUCCESS, coded } from './common.ts';

/**
 * The operator of an anonymous operation: the base-class member as everywhere, but required
 * (there is no token to take it from).
 */
export const REQUIRED_OPERATOR = { ...OPERATOR, example: 1 } as const;

/** The checks of the phone a code is for, shared with SetClientPassword, in their order. */
export const CODE_TARGET_ERRORS = [coded(19, 'Operator absent or 0'), coded(3, 'Operator unknown'), coded(14, 'Phone absent or 0'), coded(6, 'Phone invalid')] as const;

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
      REQUIRED_OPERATOR,
    ],
  },
  response: {
    typeName: 'GetConfirmCodeResponse',
    fields: [ERROR_CODE, MESSAGE],
  },
  errors: [SUCCESS, UNREADABLE, ...CODE_TARGET_ERRORS],
});

export type GetConfirmCode = typeof getConfirmCode;
