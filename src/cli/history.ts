// `lcm client history ID` and `lcm client consents ID`: who changed what, as JSON.
import type { Command } from 'commander';
import { UsageError, configFrom, databaseOption, participantIdArg, printJson, withStore } from './common.ts';
import { findParticipant } from '../participant/store/participants.ts';
import { listConsents, listHistory } from '../participant/store/history.ts';
import { consentEntryView, historyEntryView } from '../participant/history-views.ts';
import type { Store } from '../db/store.ts';
import { API_NAMES, CONSENT_FIELDS } from '../participant/fields.ts';

async function participantId(store: Store, id: string): Promise<number> {
  const n = participantIdArg(id);
  if (!(await findParticipant(store.db, n))) throw new UsageError(`participant ${id} not found`);
  return n;
}

/** Adds `history` and `consents` to the `client` command. */
export function registerClientHistory(client: Command): void {
  databaseOption(
    client
      .command('history')
      .argument('<id>', 'participant id')
      .option('--limit <n>', 'newest entries to show', '100')
      .description("Print the participant's change history, newest first, as JSON."),
  ).action(async (id: string, flags: { database?: string; limit: string }) => {
    const limit = Number(flags.limit);
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new UsageError(`invalid --limit: ${flags.limit}`);
    const rows = await withStore(configFrom(flags), async (store) => listHistory(store.db, await participantId(store, id), { limit }));
    printJson(rows.map(historyEntryView));
  });
  databaseOption(
    client
      .command('consents')
      .argument('<id>', 'participant id')
      .description(`Print the participant's consent ledger (${CONSENT_FIELDS.map((f) => API_NAMES[f]).join(', ')}), newest first, as JSON.`),
  ).action(async (id: string, flags: { database?: string }) => {
    const rows = await withStore(configFrom(flags), async (store) => listConsents(store.db, await participantId(store, id)));
    printJson(rows.map(consentEntryView));
  });
}
