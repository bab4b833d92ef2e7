// `lcm manager add|passwd`: accounts that sign in at /ManagerLogin. Passwords come from a
// flag or, when it is absent, from the first line of standard input (keeps them out of
// shell history); they are never printed.
import readline from 'node:readline';
import type { Command } from 'commander';
import { UsageError, configFrom, databaseOption, withStore } from './common.ts';
import { hashPassword } from '../auth/password.ts';
import { findManagerByLogin, maxManagerToken, setManagerPassword, upsertManager } from '../auth/store/managers.ts';
import { findPos, operatorExists, partnerOperator } from '../db/directory.ts';
import { revokeRefreshTokens } from '../auth/store/refresh-tokens.ts';
import { clearFailures } from '../auth/store/login-failures.ts';
import { throttleKey } from '../auth/throttle.ts';

/** The flag's password, or the first line of standard input. */
export async function passwordFrom(flag: string | undefined): Promise<string> {
  if (flag !== undefined) return flag;
  if (process.stdin.isTTY) process.stderr.write('Password: ');
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  const line = await new Promise<string>((resolve) => {
    let got: string | undefined;
    rl.once('line', (l) => {
      got = l;
      rl.close();
    });
    rl.once('close', () => resolve(got ?? ''));
  });
  return line;
}

function positiveInt(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive integer: ${value}`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((r) => r.trim()).filter((r) => r !== '')];
}

interface AddFlags {
  database?: string;
  login: string;
  password?: string;
  operator: string;
  token?: string;
  partner?: string;
  pos?: string;
  role: string[];
}

export function registerManager(program: Command): void {
  const manager = program.command('manager').description('Manage the accounts that sign in at /ManagerLogin.');

  databaseOption(
    manager
      .command('add')
      .description('Add a manager; prints its Token (the next free one unless --token is given).')
      .requiredOption('--login <login>', 'sign-in name')
      .option('--password <password>', 'password (read from standard input when absent)')
      .requiredOption('--operator <id>', 'operator id')
      .option('--token <n>', 'the integer Token clients copy into requests (default: next free)')
      .option('--partner <id>', 'partner the manager is bound to (default: the POS\'s partner)')
      .option('--pos <code>', 'POS code the manager is bound to')
      .option('--role <role>', 'a role; repeat or separate with commas', collect, []),
  ).action(async (flags: AddFlags) => {
    const operatorId = positiveInt(flags.operator, '--operator')!;
    const wantedToken = positiveInt(flags.token, '--token');
    let partnerId = positiveInt(flags.partner, '--partner') ?? null;
    const password = await passwordFrom(flags.password);
    if (password === '') throw new UsageError('the password must not be empty');
    const passwordHash = await hashPassword(password);
    const token = await withStore(configFrom(flags), async (store) => {
      const db = store.db;
      if (!(await operatorExists(db, operatorId))) throw new UsageError(`operator ${operatorId} not found`);
      if (await findManagerByLogin(db, flags.login)) throw new UsageError(`manager ${flags.login} already exists`);
      if (partnerId !== null && (await partnerOperator(db, partnerId)) !== operatorId) {
        throw new UsageError(`partner ${partnerId} not found for operator ${operatorId}`);
      }
      let posId: number | null = null;
      if (flags.pos !== undefined) {
        const pos = await findPos(db, operatorId, flags.pos);
        if (!pos) throw new UsageError(`POS ${flags.pos} not found for operator ${operatorId}`);
        if (partnerId !== null && pos.partnerId !== null && pos.partnerId !== partnerId) {
          throw new UsageError(`POS ${flags.pos} belongs to partner ${pos.partnerId}, not ${partnerId}`);
        }
        posId = pos.id;
        partnerId ??= pos.partnerId;
      }
      const token = wantedToken ?? (await maxManagerToken(db)) + 1;
      const taken = await db.selectFrom('managers').select('login').where('token', '=', token).executeTakeFirst();
      if (taken) throw new UsageError(`token ${token} already belongs to manager ${taken.login}`);
      await upsertManager(db, { login: flags.login, passwordHash, token, operatorId, partnerId, posId, roles: flags.role });
      return token;
    });
    process.stdout.write(`Manager ${flags.login} added. Token: ${token}\n`);
  });

  databaseOption(
    manager
      .command('passwd')
      .description('Set a manager\'s password; its refresh tokens stop working.')
      .requiredOption('--login <login>', 'sign-in name')
      .option('--password <password>', 'new password (read from standard input when absent)'),
  ).action(async (flags: { database?: string; login: string; password?: string }) => {
    const password = await passwordFrom(flags.password);
    if (password === '') throw new UsageError('the password must not be empty');
    const passwordHash = await hashPassword(password);
    await withStore(configFrom(flags), async (store) => {
      const found = await findManagerByLogin(store.db, flags.login);
      if (!found || !(await setManagerPassword(store.db, flags.login, passwordHash))) throw new UsageError(`manager ${flags.login} not found`);
      // A new password ends sessions started with the old one, and lifts a lock.
      await revokeRefreshTokens(store.db, 'manager', found.id);
      await clearFailures(store.db, throttleKey.manager(flags.login));
    });
    process.stdout.write(`Password changed for ${flags.login}.\n`);
  });
}
