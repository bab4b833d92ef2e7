// The 400 body: the operation's own response message with ErrorCode 100 (UNREADABLE) and
// "Некорректный запрос: <what>", every other member at its .NET default.
import type { FieldType, MessageDecl, ResponseFields } from '../contract/types.ts';
import { UNREADABLE } from '../contract/types.ts';
import { nameKey } from './raw.ts';

export function unreadableResponse<M extends MessageDecl>(message: M, what: string): ResponseFields<M['fields']> {
  const out: Record<string, unknown> = {};
  for (const field of message.fields) {
    const key = nameKey(field.name);
    out[field.name] = key === 'errorcode' ? UNREADABLE.code : key === 'message' ? UNREADABLE.message.replace('<what>', what) : defaultOf(field.type);
  }
  return out as ResponseFields<M['fields']>;
}

/** What DataContract/Json.NET write for an unset member: 0 and false for value types, null otherwise. */
function defaultOf(type: FieldType): unknown {
  if (type === 'int16' || type === 'int32' || type === 'int64') return 0;
  if (type === 'boolean') return false;
  return null;
}
