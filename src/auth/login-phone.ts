// The username of /ClientLogin is the participant's phone, written as people write it.
// Russian national forms become 7XXXXXXXXXX, as the profile stores them (spec §4.3).
// No validity check here: an impossible number simply finds no participant.
import { phoneDigits, russianNational } from '../lib/phone-text.ts';

export function loginPhone(username: string): number | undefined {
  const digits = phoneDigits(username);
  return digits === undefined ? undefined : Number(russianNational(digits));
}
