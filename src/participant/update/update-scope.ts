// What ClientUpdate's rules read and write (applyClientUpdateInScope), implemented by a
// batch that read everything up front (batch.ts): the group commit's batches and, as a batch
// of one under a row lock, the one-by-one fallback. The rules never touch the database.
import type { PosRef } from '../../db/directory.ts';
import type { UniqueClaims, UniqueField } from '../fields.ts';
import type { Participant } from '../participant.ts';
import type { CallContext } from '../../lib/principal.ts';
import type { RecordedChange } from '../change-record.ts';

export interface UpdateScope {
  operatorExists(id: number): Promise<boolean>;
  findPos(operatorId: number, code: string): Promise<PosRef | undefined>;
  isActiveSite(operatorId: number, code: string): Promise<boolean>;
  /**
   * The participant. No other writer's change to it may slip in before the scope's write
   * commits: the batch's write checks its version, the fallback also locks its row.
   */
  lockParticipant(id: number): Promise<Participant | undefined>;
  /** Which of the claimed values another participant of the operator holds. */
  takenByOthers(operatorId: number, participantId: number, claims: UniqueClaims): Promise<Set<UniqueField>>;
  /** Stages the changed fields, the history, the ledger and the change event for the write. */
  write(ctx: CallContext, changed: RecordedChange): Promise<void>;
}
