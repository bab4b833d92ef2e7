// ErrorCode answers built from an operation's declared error table, so that messages live
// in one place (the contract).
import type { OperationDecl } from '../contract/types.ts';

export interface CodedResult {
  ErrorCode: number;
  Message: string;
}

/** The declared answer for `code`; `<Field>` in the message is replaced by `field`. */
export function resultFor(op: OperationDecl, code: number, field?: string): CodedResult {
  const decl = op.errors.find((e) => e.code === code);
  if (!decl) throw new Error(`${op.name} declares no ErrorCode ${code}`);
  return { ErrorCode: code, Message: field === undefined ? decl.message : decl.message.replace('<Field>', field) };
}
