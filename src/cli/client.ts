import type { Command } from 'commander';
import { configFrom, databaseOption, participantIdArg, printJson, withStore } from './common.ts';
import { findParticipant } from '../participant/store/participants.ts';
import { participantView } from '../participant/participant.ts';
import { registerClientHistory } from './history.ts';
import { registerClientImport } from './client-import.ts';
import { registerClientPasswd } from './client-passwd.ts';

export function registerClient(program: Command): void {
  const client = program.command('client').description('Inspect participants; set their passwords.');
  databaseOption(client.command('show').argument('<id>', 'participant id').description('Print a participant as JSON with the API field names.')).action(
    async (id: string, flags: { database?: string }) => {
      const n = participantIdArg(id);
      const found = await withStore(configFrom(flags), (store) => findParticipant(store.db, n));
      if (!found) {
        process.stderr.write(`lcm: participant ${id} not found\n`);
        process.exitCode = 1;
        return;
      }
      printJson(participantView(found));
    },
  );
  registerClientHistory(client);
  registerClientImport(client);
  registerClientPasswd(client);
}
