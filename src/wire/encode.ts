// Response bodies in the negotiated format, derived from the message declaration.
import type { MessageDecl, ResponseFields } from '../contract/types.ts';
import { jsonObject } from './encode-json.ts';
import { xmlError, xmlMessage } from './encode-xml.ts';

export type ResponseFormat = 'json' | 'xml';

export function encodeMessage<M extends MessageDecl>(format: ResponseFormat, message: M, value: ResponseFields<M['fields']>): string {
  const record = value as Readonly<Record<string, unknown>>;
  return format === 'json' ? jsonObject(message.fields, record) : xmlMessage(message, record);
}

/** Web API's HttpError body: `{"Message":"…"}` or `<Error><Message>…</Message></Error>`. */
export function encodeErrorMessage(format: ResponseFormat, message: string): string {
  return format === 'json' ? JSON.stringify({ Message: message }) : xmlError(message);
}
