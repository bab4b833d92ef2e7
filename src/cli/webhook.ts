// `lcm webhook add|list|remove|events`: where an operator's change events are delivered.
// A running server reads webhooks on every poll, so changes take effect without a restart.
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { UsageError, configFrom, databaseOption, printJson, withStore } from './common.ts';
import { operatorExists } from '../db/directory.ts';
import { addWebhook, listWebhooks, removeWebhook } from '../webhooks/store/webhooks.ts';
import type { Webhook } from '../webhooks/store/webhooks.ts';
import { listEvents } from '../webhooks/store/deliveries.ts';
import { isDeliverableUrl } from '../webhooks/post.ts';
import { CHANGE_EVENT, EVENT_TYPES, isEventType } from '../db/webhook-events.ts';
import type { EventType } from '../db/webhook-events.ts';

function positiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`invalid ${what}: ${value}`);
  return n;
}

/** The secret is shown only when it was generated here; listing never prints secrets. */
function view(w: Webhook, withSecret: boolean) {
  return { Id: w.id, Operator: w.operatorId, Url: w.url, Events: w.events ?? [CHANGE_EVENT], Created: w.createdAt, ...(withSecret ? { Secret: w.secret } : {}) };
}

/** `--events a,b` → the types; unknown names are a usage error. */
function eventTypes(value: string | undefined): EventType[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const unknown = names.filter((n) => !isEventType(n));
  if (names.length === 0 || unknown.length > 0) throw new UsageError(`--events takes ${EVENT_TYPES.join(', ')}; got: ${value}`);
  return names as EventType[];
}

export function registerWebhook(program: Command): void {
  const webhook = program.command('webhook').description('Webhooks that receive change events.');
  databaseOption(
    webhook
      .command('add')
      .requiredOption('--operator <id>', 'operator whose participants are watched')
      .requiredOption('--url <url>', 'http(s) URL that receives the events')
      .option('--secret <secret>', 'HMAC-SHA256 key of X-Lcm-Signature (generated and printed once when absent)')
      .option('--events <types>', `event types it receives, comma-separated: ${EVENT_TYPES.join(', ')} (default ${CHANGE_EVENT}; confirmation codes go only to webhooks that name them)`)
      .description('Add a webhook; it receives the events of changes made from now on.'),
  ).action(async (flags: { operator: string; url: string; secret?: string; events?: string; database?: string }) => {
    const operatorId = positiveInt(flags.operator, '--operator');
    const events = eventTypes(flags.events);
    if (!isDeliverableUrl(flags.url)) throw new UsageError(`--url must be an http or https URL: ${flags.url}`);
    if (flags.secret === '') throw new UsageError('--secret must not be empty');
    const secret = flags.secret ?? randomBytes(24).toString('base64url');
    const added = await withStore(configFrom(flags), async (store) => {
      if (!(await operatorExists(store.db, operatorId))) throw new UsageError(`operator ${operatorId} not found`);
      return addWebhook(store.db, { operatorId, url: flags.url, secret, events });
    });
    printJson(view(added, flags.secret === undefined));
  });
  databaseOption(webhook.command('list').description('List webhooks (without their secrets) as JSON.')).action(async (flags: { database?: string }) => {
    const all = await withStore(configFrom(flags), (store) => listWebhooks(store.db));
    printJson(all.map((w) => view(w, false)));
  });
  databaseOption(webhook.command('remove').argument('<id>', 'webhook id').description('Remove a webhook and its undelivered events.')).action(
    async (id: string, flags: { database?: string }) => {
      const n = positiveInt(id, 'webhook id');
      const removed = await withStore(configFrom(flags), (store) => removeWebhook(store.db, n));
      if (!removed) throw new UsageError(`webhook ${id} not found`);
      process.stdout.write(`Removed webhook ${n}.\n`);
    },
  );
  databaseOption(
    webhook
      .command('events')
      .option('--pending', 'only events that some webhook has not received yet')
      .option('--limit <n>', 'newest events to show', '100')
      .description('Show change events and their deliveries, newest first, as JSON.'),
  ).action(async (flags: { pending?: boolean; limit: string; database?: string }) => {
    const limit = positiveInt(flags.limit, '--limit');
    const events = await withStore(configFrom(flags), (store) => listEvents(store.db, { pendingOnly: flags.pending === true, limit }));
    printJson(events);
  });
}
