// E-mail addresses (spec §4.4): a syntactic check, not a deliverability one.

const MAX_LENGTH = 254;

export function isValidEmail(email: string): boolean {
  if (email.length > MAX_LENGTH || /[\s\p{Cc}]/u.test(email)) return false;
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@')) return false;
  const domain = email.slice(at + 1);
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((l) => l.length > 0 && !l.startsWith('-') && !l.endsWith('-'));
}
