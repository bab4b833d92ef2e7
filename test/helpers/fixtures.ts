// The fixtures of design.md, used by many suites.
import type { Fixtures } from '../../src/seed/fixtures.ts';
import type { ClientPrincipal, ManagerPrincipal } from '../../src/lib/principal.ts';

export const FIXTURES: Fixtures = {
  operators: [
    { Id: 1, Name: 'Demo loyalty' },
    { Id: 2, Name: 'Other loyalty' },
  ],
  partners: [
    { Id: 10, Operator: 1, Name: 'Shop chain' },
    { Id: 20, Operator: 2, Name: 'Other chain' },
  ],
  poses: [
    { Code: 'MSK-001', Partner: 10, Name: 'Store 1' },
    { Code: 'OTH-001', Partner: 20, Name: 'Other store' },
  ],
  sites: [
    { Code: 'W-1', Operator: 1, Name: 'Gift widget', Active: true },
    { Code: 'W-OFF', Operator: 1, Name: 'Retired widget', Active: false },
    { Code: 'W-2', Operator: 2, Name: 'Other widget', Active: true },
  ],
  managers: [
    { Login: 'cashier', Password: 'secret', Operator: 1, Token: 5001, Partner: 10, PosCode: 'MSK-001', Roles: ['pos'] },
    { Login: 'other', Password: 'other-secret', Operator: 2, Token: 6001, Partner: 20, Roles: ['admin'] },
  ],
  clients: [
    {
      Client: 1, Operator: 1, Name: 'Иван', Surname: 'Петров', Patronymic: 'Сергеевич', Phone: 79160000001,
      Email: 'ivan@example.ru', Birthdate: '1990-05-15', Gender: 1, AllowSms: true, AllowEmail: false,
      AllowEmailOnlineCheque: false, ContragentId: '1C-0001', Password: 'client-secret',
    },
    { Client: 2, Operator: 1, Name: 'Мария', Surname: 'Иванова', Phone: 79160000002, Email: 'maria@example.ru', ContragentId: '1C-0002', Password: 'maria-secret' },
    { Client: 3, Operator: 2, Name: 'Other', Phone: 79160000003, Email: 'other@example.ru' },
  ],
};

/** Principals matching the fixtures' accounts, for tokens issued in tests. */
export const CASHIER = {
  kind: 'manager',
  login: 'cashier',
  operatorId: 1,
  token: 5001,
  partnerId: 10,
  posId: null,
  posCode: 'MSK-001',
  roles: ['pos'],
} as const satisfies ManagerPrincipal;

export const OTHER_MANAGER = {
  kind: 'manager',
  login: 'other',
  operatorId: 2,
  token: 6001,
  partnerId: 20,
  posId: null,
  posCode: null,
  roles: ['admin'],
} as const satisfies ManagerPrincipal;

export const CLIENT_1 = { kind: 'client', clientId: 1, operatorId: 1 } as const satisfies ClientPrincipal;
