// The one failure a decoder reports: the body or a field value cannot be read. The HTTP
// layer answers it with 400 and ErrorCode 100 (UNREADABLE), the message naming the field.
export class DecodeError extends Error {
  /** What could not be read, in Russian, for "Некорректный запрос: <what>". */
  readonly what: string;

  constructor(what: string) {
    super(what);
    this.name = 'DecodeError';
    this.what = what;
  }
}

/** Quotes a received value for an error message, cut short so a huge body is not echoed back. */
export function quote(value: string): string {
  const chars = Array.from(value);
  return `«${chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : value}»`;
}
