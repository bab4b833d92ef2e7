// SetClientPassword (docs/participant-sign-in.md): the participant proves the phone with
// the code GetConfirmCode sent and sets a password. A try is spent atomically before the
// code is compared (in constant time), so parallel wrong guesses each cost one; the right
// code works once, sets the password (scrypt, as managers'), ends the participant's
// refresh tokens and lifts a sign-in lock.
import type { RequestOf, ResponseOf } from '../contract/types.ts';
import type { SetClientPassword } from '../contract/set-client-password.ts';
import { setClientPassword } from '../contract/set-client-password.ts';
import { resultFor } from '../participant/results.ts';
import { hashPassword } from './password.ts';
import { clearFailures } from './store/login-failures.ts';
import { throttleKey } from './throttle.ts';
import { codeHash, sameHash, typedCode } from './code-keys.ts';
import { checkTarget } from './confirm-code.ts';
import type { CodeDeps, RequestMeta } from './confirm-code.ts';
import { consumeCode, spendTry, triesExhausted } from './store/confirm-codes.ts';
import { applyPasswordChange } from './password-history.ts';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export type SetClientPasswordResponse = ResponseOf<SetClientPassword>;

/** Length in characters (code points), as people count them. */
export function passwordLengthOk(password: string): boolean {
  const n = [...password].length;
  return n >= PASSWORD_MIN && n <= PASSWORD_MAX;
}

export async function setPasswordWithCode(deps: Omit<CodeDeps, 'config'>, req: RequestOf<SetClientPassword>, meta: RequestMeta): Promise<SetClientPasswordResponse> {
  const answer = (code: number) => resultFor(setClientPassword, code);
  const { store, keys } = deps;
  const target = await checkTarget(store.db, req);
  if (typeof target === 'number') return answer(target);
  const password = req.Password ?? '';
  if (!passwordLengthOk(password)) return answer(22);

  const { operatorId, phone } = target;
  const given = codeHash(keys, operatorId, phone, typedCode(req.Code));
  const reserved = await spendTry(store.db, operatorId, phone, deps.clock());
  if (!reserved) return answer((await triesExhausted(store.db, operatorId, phone, deps.clock())) ? 21 : 20);
  if (!sameHash(reserved.codeHash, given) || reserved.participantId === null) return answer(20);
  const participantId = reserved.participantId;
  if (req.ClientID && req.ClientID !== participantId) return answer(2);

  // Hashed before the transaction: scrypt takes tens of milliseconds.
  const passwordHash = await hashPassword(password);
  const done = await store.transact(async (tx) => {
    // Consumed only if still this code: of two requests with the right code, one wins.
    if ((await consumeCode(tx, operatorId, phone, reserved.codeHash)) !== participantId) return false;
    return applyPasswordChange(tx, {
      participantId,
      operatorId,
      phone,
      passwordHash,
      initiator: { kind: 'client', managerLogin: null, managerToken: null },
      requestId: meta.requestId,
      remoteAddress: meta.remoteAddress,
      time: deps.clock(),
    });
  });
  if (!done) return answer(20);
  await clearFailures(store.db, throttleKey.client(operatorId, String(phone)));
  return answer(0);
}
