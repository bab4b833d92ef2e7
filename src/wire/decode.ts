// Request bodies → the typed request of an operation, driven only by its declaration.
import type { MessageDecl, RequestFields } from '../contract/types.ts';
import { bindFields } from './bind.ts';
import { readFormBody } from './form.ts';
import { readJsonBody } from './json.ts';
import type { RawObject } from './raw.ts';
import { HeaderCache } from './header-cache.ts';
import { parseMediaType } from './media-type.ts';
import { decodeUtf8 } from './utf8.ts';
import { readXmlBody } from './xml.ts';

export type BodyFormat = 'json' | 'xml' | 'form';

const BODY_FORMATS: Readonly<Record<string, BodyFormat>> = {
  'application/json': 'json',
  'text/json': 'json',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/x-www-form-urlencoded': 'form',
};

/** The reader for a Content-Type essence ('type/subtype', lower case); undefined = 415. */
export function bodyFormatOf(essence: string): BodyFormat | undefined {
  return Object.hasOwn(BODY_FORMATS, essence) ? BODY_FORMATS[essence] : undefined;
}

const formats = new HeaderCache<BodyFormat | null>();

/** The reader for a Content-Type header (remembered by its text); undefined = 415. */
export function bodyFormatOfHeader(contentType: string): BodyFormat | undefined {
  let format = formats.get(contentType);
  if (format === undefined) {
    const mediaType = parseMediaType(contentType);
    format = (mediaType && bodyFormatOf(mediaType.essence)) ?? null;
    formats.set(contentType, format);
  }
  return format ?? undefined;
}

/**
 * Decodes a body into `message`'s request type. Throws DecodeError (→ 400, ErrorCode 100)
 * when the body or a field value cannot be read.
 */
export function decodeMessage<M extends MessageDecl>(message: M, format: BodyFormat, body: Uint8Array): RequestFields<M['fields']> {
  const text = decodeUtf8(body);
  let source: RawObject;
  switch (format) {
    case 'json':
      source = readJsonBody(text);
      break;
    case 'xml':
      source = readXmlBody(text, message);
      break;
    case 'form':
      source = readFormBody(text);
      break;
  }
  // The binder produced exactly the declared fields with their declared types.
  return bindFields(message.fields, source) as RequestFields<M['fields']>;
}
