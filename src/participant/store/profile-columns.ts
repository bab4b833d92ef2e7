// The one mapping from profile fields (domain names) to participants' columns, used by
// every write: creation, import, fixtures and ClientUpdate's changed-columns update.
import type { ParticipantsTable } from '../../db/schema.ts';
import type { ProfileChanges } from '../participant.ts';
import { emailKey, fromBool, nameKey } from '../../db/convert.ts';

type ProfileColumnName =
  | 'name'
  | 'surname'
  | 'patronymic'
  | 'phone'
  | 'email'
  | 'email_key'
  | 'surname_key'
  | 'name_key'
  | 'birthdate'
  | 'gender'
  | 'allow_sms'
  | 'allow_email'
  | 'allow_email_online_cheque'
  | 'contragent_id';

export type ProfileColumns = Pick<ParticipantsTable, ProfileColumnName>;

/** A participant with no profile values. */
export const EMPTY_PROFILE: ProfileColumns = {
  name: null,
  surname: null,
  patronymic: null,
  phone: null,
  email: null,
  email_key: null,
  surname_key: null,
  name_key: null,
  birthdate: null,
  gender: 0,
  allow_sms: null,
  allow_email: null,
  allow_email_online_cheque: null,
  contragent_id: null,
};

/** The columns of the fields that carry a value; absent (undefined) fields are left out. */
export function profileColumns(v: ProfileChanges): Partial<ProfileColumns> {
  const out: Partial<ProfileColumns> = {};
  if (v.name !== undefined) {
    out.name = v.name;
    out.name_key = v.name === null ? null : nameKey(v.name);
  }
  if (v.surname !== undefined) {
    out.surname = v.surname;
    out.surname_key = v.surname === null ? null : nameKey(v.surname);
  }
  if (v.patronymic !== undefined) out.patronymic = v.patronymic;
  if (v.phone !== undefined) out.phone = v.phone;
  if (v.email !== undefined) {
    out.email = v.email;
    out.email_key = v.email ? emailKey(v.email) : null;
  }
  if (v.birthdate !== undefined) out.birthdate = v.birthdate;
  if (v.gender !== undefined) out.gender = v.gender;
  if (v.allowSms !== undefined) out.allow_sms = fromBool(v.allowSms);
  if (v.allowEmail !== undefined) out.allow_email = fromBool(v.allowEmail);
  if (v.allowEmailOnlineCheque !== undefined) out.allow_email_online_cheque = fromBool(v.allowEmailOnlineCheque);
  if (v.contragentId !== undefined) out.contragent_id = v.contragentId;
  return out;
}
