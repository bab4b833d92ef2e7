// The participant as the domain sees it, and its view with the API's field names; its
// profile fields come from the one table (fields.ts).
import type { ApiProfile, Profile, ProfileField } from './fields.ts';
import { EMPTY_PROFILE, PROFILE_FIELDS, API_NAMES } from './fields.ts';

export type { Gender, ProfileChanges, ProfileField } from './fields.ts';
export { API_NAMES, PROFILE_FIELDS } from './fields.ts';

export interface Participant extends Profile {
  id: number;
  operatorId: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The participant before it existed (every field empty): what the history shows as the old values of a creation. */
export function blankParticipant(id: number, operatorId: number, at: string): Participant {
  return { id, operatorId, ...EMPTY_PROFILE, version: 0, createdAt: at, updatedAt: at };
}

/** A field's old and new value, for the history. */
export interface FieldChange {
  field: ProfileField;
  old: Participant[ProfileField];
  new: Participant[ProfileField];
}

export type ParticipantView = { Client: number; Operator: number } & ApiProfile;

export function participantView(p: Participant): ParticipantView {
  const view: Record<string, unknown> = { Client: p.id, Operator: p.operatorId };
  for (const f of PROFILE_FIELDS) view[API_NAMES[f]] = p[f];
  return view as ParticipantView;
}
