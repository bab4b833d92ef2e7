// application/x-www-form-urlencoded bodies: keys are field names (case-insensitive); a
// repeated key takes its FIRST value, as ASP.NET's form value provider does; an empty
// body is a request without fields.
import type { FieldDecl } from '../contract/types.ts';
import { DecodeError } from './decode-error.ts';
import type { Raw, RawObject } from './raw.ts';
import { fieldKey, nameKey, rawText } from './raw.ts';

export function readFormBody(text: string): RawObject {
  const values = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = nameKey(formDecode(eq < 0 ? pair : pair.slice(0, eq)));
    if (key === '' || values.has(key)) continue;
    values.set(key, eq < 0 ? '' : formDecode(pair.slice(eq + 1)));
  }
  return {
    kind: 'object',
    member(field: FieldDecl): Raw | undefined {
      const value = values.get(fieldKey(field));
      return value === undefined ? undefined : rawText(value);
    },
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `+` is a space and %XX a byte; the bytes are UTF-8. A `%` not followed by two hex digits
 * stays as written (as .NET's UrlDecode leaves it); bytes that are not UTF-8 are unreadable.
 */
function formDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  const text = s.replace(/\+/g, ' ');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // A non-ASCII character sent unencoded: keep it (its UTF-8 bytes) as is.
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) i++;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
    }
  }
  try {
    return utf8.decode(new Uint8Array(bytes));
  } catch {
    throw new DecodeError('значение формы не в кодировке UTF-8');
  }
}
