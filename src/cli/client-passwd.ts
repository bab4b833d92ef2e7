// `lcm client passwd ID`: support sets a participant's password (read from standard input),
// or, with --code, prints a one-time code the participant uses with SetClientPassword (the
// code is not sent anywhere: support tells it to the participant).
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { UsageError, configFrom, databaseOption, printJson, withStore } from './common.ts';
import { passwordFrom } from './manager.ts';
import { findParticipant } from '../participant/store/participants.ts';
import { hashPassword } from '../auth/password.ts';
import { clearFailures } from '../auth/store/login-failures.ts';
import { throttleKey } from '../auth/throttle.ts';
import { loadCodeKeys } from '../auth/code-keys.ts';
import { storeCode } from '../auth/confirm-code.ts';
import { applyPasswordChange } from '../auth/password-history.ts';
import { passwordLengthOk, PASSWORD_MAX, PASSWORD_MIN } from '../auth/set-client-password.ts';

/** Who the history names for a password set here. */
const SUPPORT = { kind: 'manager', managerLogin: 'lcm client passwd', managerToken: null } as const;

const quietLog = { warn: (m: string) => process.stderr.write(`${m}\n`), info: () => {} };

export function registerClientPasswd(client: Command): void {
  databaseOption(
    client
      .command('passwd')
      .argument('<id>', 'participant id')
      .option('--code', 'print a one-time confirmation code for SetClientPassword instead of reading a password')
      .description(
        `Set a participant's password (${PASSWORD_MIN}–${PASSWORD_MAX} characters, the first line of standard input), ending its refresh tokens; ` +
          'or, with --code, print a one-time code (valid 10 minutes, 5 tries) that the participant uses with SetClientPassword.',
      ),
  ).action(async (id: string, flags: { code?: boolean; database?: string }) => {
    const n = Number(id);
    if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`participant ${id} not found`);
    const config = configFrom(flags);
    const password = flags.code ? undefined : await passwordFrom(undefined);
    if (password !== undefined && !passwordLengthOk(password)) throw new UsageError(`the password must have ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
    await withStore(config, async (store) => {
      const participant = await findParticipant(store.db, n);
      if (!participant) throw new UsageError(`participant ${id} not found`);
      if (password === undefined) {
        if (participant.phone === null) throw new UsageError(`participant ${id} has no phone: a code needs one (set the password from standard input instead)`);
        const keys = await loadCodeKeys(config, store, quietLog);
        const target = { operatorId: participant.operatorId, phone: participant.phone };
        const issued = await store.transact((tx) => storeCode(tx, keys, target, new Date()));
        printJson({ Client: n, Operator: target.operatorId, Phone: target.phone, Code: issued.code, ExpiresAt: issued.expiresAt.toISOString() });
        return;
      }
      const passwordHash = await hashPassword(password);
      const done = await store.transact((tx) =>
        applyPasswordChange(tx, {
          participantId: n,
          operatorId: participant.operatorId,
          passwordHash,
          initiator: SUPPORT,
          requestId: `cli-${randomUUID()}`,
          remoteAddress: null,
          time: new Date(),
        }),
      );
      if (!done) throw new UsageError(`participant ${id} not found`);
      if (participant.phone !== null) await clearFailures(store.db, throttleKey.client(participant.operatorId, String(participant.phone)));
      process.stdout.write(`Password set for participant ${n}; its refresh tokens are revoked.\n`);
    });
  });
}
