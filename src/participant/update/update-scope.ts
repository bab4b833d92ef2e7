// What ClientUpdate's rules read and write, as one interface with two implementations: a
// transaction (one request at a time, the fallback when a batch is refused twice: see
// updateClientInTransaction) and a batch of either engine that reads everything up front
// (batch.ts). The rules in applyClientUpdateInScope run unchanged on either.
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Engine } from '../../db/store.ts';
import type { PosRef } from '../../db/directory.ts';
import { findActiveSite, findPos, operatorExists } from '../../db/directory.ts';
import type { UniqueClaims, UniqueField } from '../store/updates.ts';
import { applyChanges, lockParticipant, takenByOthers } from '../store/updates.ts';
import type { Participant, ProfileChanges } from '../participant.ts';
import type { CallContext } from '../../lib/principal.ts';
import type { RecordedChange } from '../change-record.ts';
import { recordChange } from '../change-record.ts';

export interface UpdateScope {
  operatorExists(id: number): Promise<boolean>;
  findPos(operatorId: number, code: string): Promise<PosRef | undefined>;
  isActiveSite(operatorId: number, code: string): Promise<boolean>;
  /**
   * The participant. No other writer's change to it may slip in before the scope's write
   * commits: the transaction locks the row, the batch's write checks its version.
   */
  lockParticipant(id: number): Promise<Participant | undefined>;
  /** Which of the claimed values another participant of the operator holds. */
  takenByOthers(operatorId: number, participantId: number, claims: UniqueClaims): Promise<Set<UniqueField>>;
  /** Writes the changed fields, the history, the ledger and the change event. */
  write(ctx: CallContext, changed: RecordedChange): Promise<void>;
}

export function transactionScope(tx: Transaction<Database>, engine: Engine): UpdateScope {
  return {
    operatorExists: (id) => operatorExists(tx, id),
    findPos: (operatorId, code) => findPos(tx, operatorId, code),
    isActiveSite: async (operatorId, code) => (await findActiveSite(tx, operatorId, code)) !== undefined,
    lockParticipant: (id) => lockParticipant(tx, engine, id),
    takenByOthers: (operatorId, participantId, claims) => takenByOthers(tx, operatorId, participantId, claims),
    write: async (ctx, changed) => {
      await applyChanges(tx, changed.before.id, Object.fromEntries(changed.changes.map((c) => [c.field, c.new])) as ProfileChanges);
      await recordChange(tx, ctx, changed);
    },
  };
}
