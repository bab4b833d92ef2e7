// The request examples that Swagger UI's "Try it out" sends: built from the demo data a
// first start creates (participant 1, POS MSK-001, participant 2's phone), and without a
// body Token or Operator, so that after "Authorize" with the demo manager's token they
// answer ErrorCode 0. (The help pages keep the original's ASP.NET placeholders.)
import type { OperationDecl } from '../../contract/types.ts';
import { demoFixtures } from '../../store/demo.ts';

const demo = demoFixtures('');
const participant = demo.clients![0]!;
const other = demo.clients![1]!;
const pos = demo.poses![0]!.Code;

const EXAMPLES: Readonly<Record<string, Record<string, unknown>>> = {
  ClientUpdate: { Client: participant.Client, Name: participant.Name, PosCode: pos },
  // A phone no demo participant has: the first "Execute" registers it (a second one answers 7).
  ClientCreate: { Phone: 79165550101, Name: 'Анна', Surname: 'Смирнова', PosCode: pos },
  GetClient: { ClientID: participant.Client },
  ClientInfo: { Phone: other.Phone },
  ClientHistory: { Client: participant.Client },
};

/** The example body of an operation; only fields the operation declares. */
export function tryItExample(op: OperationDecl): Record<string, unknown> {
  const example = EXAMPLES[op.name] ?? {};
  const declared = new Set(op.request.fields.map((f) => f.name));
  return Object.fromEntries(Object.entries(example).filter(([name]) => declared.has(name)));
}
