import type { Command } from 'commander';
import { configFrom, databaseOption } from './common.ts';
import { startServer } from '../http/server.ts';

export function registerServe(program: Command): void {
  databaseOption(
    program
      .command('serve')
      .description('Migrate the database, create demo data when it is empty, and serve the API.')
      .option('--host <host>', 'address to listen on (env LCM_HOST, default 127.0.0.1)')
      .option('--port <port>', 'port to listen on (env LCM_PORT, default 8080)'),
  ).action(async (flags: { database?: string; host?: string; port?: string }) => {
    const running = await startServer(configFrom(flags));
    const stop = () => {
      void running.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
