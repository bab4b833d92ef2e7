// The username of /ClientLogin is the participant's phone, written as people write it.
// Russian national forms become 7XXXXXXXXXX, as the profile stores them (spec §4.3).
// No validity check here: an impossible number simply finds no participant.

export function loginPhone(username: string): number | undefined {
  const digits = username.trim().replace(/[\s()-]/g, '').replace(/^\+/, '');
  if (!/^\d{1,15}$/.test(digits)) return undefined;
  if (digits.length === 10) return Number(`7${digits}`);
  if (digits.length === 11 && digits.startsWith('8')) return Number(`7${digits.slice(1)}`);
  return Number(digits);
}
