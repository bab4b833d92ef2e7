// Bodies are UTF-8 (spec §5): invalid sequences are an unreadable body, never U+FFFD.
import { DecodeError } from './decode-error.ts';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The body's text; a leading byte order mark is dropped, as .NET's readers do. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new DecodeError('тело запроса не в кодировке UTF-8');
  }
}
