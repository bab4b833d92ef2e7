// The request examples that Swagger UI's "Try it out" sends: built from the demo data a
// first start creates (participant 1, POS MSK-001, participant 2's phone), and without a
// body Token or Operator, so that after "Authorize" with the demo manager's token they
// answer ErrorCode 0. The anonymous operations have no token to take the operator from:
// they name the demo operator. (The help pages keep the original's ASP.NET placeholders.)
import type { OperationDecl } from '../../contract/types.ts';
import { demoFixtures } from '../../seed/demo.ts';

const demo = demoFixtures('');
const participant = demo.clients![0]!;
const other = demo.clients![1]!;
const third = demo.clients![2]!;
const pos = demo.poses![0]!.Code;
const operator = demo.operators![0]!.Id;

const EXAMPLES: Readonly<Record<string, Record<string, unknown>>> = {
  ClientUpdate: { Client: participant.Client, Name: participant.Name, PosCode: pos },
  // A phone no demo participant has: the first "Execute" registers it (a second one answers 7).
  ClientCreate: { Phone: 79165550101, Name: 'Анна', Surname: 'Смирнова', PosCode: pos },
  GetClient: { ClientID: participant.Client },
  ClientInfo: { Phone: other.Phone },
  ClientHistory: { Client: participant.Client },
  // The console's search box: a phone as people type it.
  ClientSearch: { Query: '8 916 000-00-01' },
  ClientConsents: { Client: participant.Client },
  ClientDeliveries: { Client: participant.Client },
  // A code for the third demo participant: ErrorCode 0, and the code goes to the operator's
  // SMS gateway, if one subscribed. A phone gets one code a minute: a second "Execute" within
  // the minute answers 429.
  GetConfirmCode: { Phone: third.Phone, Operator: operator },
  // The code comes by SMS: this one is wrong (ErrorCode 20) until replaced by the real one.
  SetClientPassword: { Phone: third.Phone, Code: '000000', Password: 'alex-password-2', Operator: operator },
};

/** The example body of an operation; only fields the operation declares. */
export function tryItExample(op: OperationDecl): Record<string, unknown> {
  const example = EXAMPLES[op.name] ?? {};
  const declared = new Set(op.request.fields.map((f) => f.name));
  return Object.fromEntries(Object.entries(example).filter(([name]) => declared.has(name)));
}
