// The participant as the domain sees it, and its view with the API's field names.

export type Gender = -1 | 0 | 1;

export interface Participant {
  id: number;
  operatorId: number;
  name: string | null;
  surname: string | null;
  patronymic: string | null;
  phone: number | null;
  email: string | null;
  /** Calendar date 'YYYY-MM-DD'. */
  birthdate: string | null;
  gender: Gender;
  allowSms: boolean | null;
  allowEmail: boolean | null;
  allowEmailOnlineCheque: boolean | null;
  contragentId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The fields ClientUpdate can change, by their domain names. */
export const PROFILE_FIELDS = [
  'name',
  'surname',
  'patronymic',
  'phone',
  'email',
  'birthdate',
  'gender',
  'allowSms',
  'allowEmail',
  'allowEmailOnlineCheque',
  'contragentId',
] as const satisfies readonly (keyof Participant)[];

export type ProfileField = (typeof PROFILE_FIELDS)[number];
export type ProfileChanges = Partial<Pick<Participant, ProfileField>>;

/** API field name of each profile field (the original's spelling). */
export const API_NAMES: Record<ProfileField, string> = {
  name: 'Name',
  surname: 'Surname',
  patronymic: 'Patronymic',
  phone: 'Phone',
  email: 'Email',
  birthdate: 'Birthdate',
  gender: 'Gender',
  allowSms: 'AllowSms',
  allowEmail: 'AllowEmail',
  allowEmailOnlineCheque: 'AllowEmailOnlineCheque',
  contragentId: 'ContragentId',
};

/** A field's old and new value, for the history. */
export interface FieldChange {
  field: ProfileField;
  old: Participant[ProfileField];
  new: Participant[ProfileField];
}

/** The fields whose wanted value is given and differs from the stored one. */
export function profileDiff(before: Participant, wanted: ProfileChanges): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of PROFILE_FIELDS) {
    const next = wanted[field];
    if (next === undefined || next === before[field]) continue;
    out.push({ field, old: before[field], new: next });
  }
  return out;
}

export interface ParticipantView {
  Client: number;
  Operator: number;
  Name: string | null;
  Surname: string | null;
  Patronymic: string | null;
  Phone: number | null;
  Email: string | null;
  Birthdate: string | null;
  Gender: Gender;
  AllowSms: boolean | null;
  AllowEmail: boolean | null;
  AllowEmailOnlineCheque: boolean | null;
  ContragentId: string | null;
}

export function participantView(p: Participant): ParticipantView {
  return {
    Client: p.id,
    Operator: p.operatorId,
    Name: p.name,
    Surname: p.surname,
    Patronymic: p.patronymic,
    Phone: p.phone,
    Email: p.email,
    Birthdate: p.birthdate,
    Gender: p.gender,
    AllowSms: p.allowSms,
    AllowEmail: p.allowEmail,
    AllowEmailOnlineCheque: p.allowEmailOnlineCheque,
    ContragentId: p.contragentId,
  };
}
