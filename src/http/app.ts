// The one factory that builds the HTTP server, for `lcm serve` and the tests alike.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import type { Store } from '../db/store.ts';
import { ping } from '../db/store.ts';
import { createAuthenticator } from '../auth/authenticator.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { loginRoutes } from './login-routes.ts';
import { installWireErrors } from './errors.ts';
import { closeSilentConnections } from './silent-connections.ts';
import { requestLogFactory } from './request-log.ts';
import { registerOperation } from './operation-routes.ts';
import type { OperationHandler } from './operation-routes.ts';
import type { OperationDecl } from '../contract/types.ts';
import { helpRoutes } from './help/routes.ts';
import { clientUpdate } from '../contract/client-update.ts';
import { clientUpdateQueue } from '../participant/update/batch.ts';
import { clientCreate } from '../contract/client-create.ts';
import { getClient } from '../contract/get-client.ts';
import { clientInfo } from '../contract/client-info.ts';
import { createClient } from '../participant/create.ts';
import { readClient } from '../participant/get-client.ts';
import { readClientInfo } from '../participant/client-info.ts';
import { clientHistory } from '../contract/client-history.ts';
import { readClientHistory } from '../participant/history.ts';
import { clientSearch } from '../contract/client-search.ts';
import { searchClients } from '../participant/search.ts';
import { clientConsents } from '../contract/client-consents.ts';
import { readClientConsents } from '../participant/consents.ts';
import { clientDeliveries } from '../contract/client-deliveries.ts';
import { readClientDeliveries } from '../webhooks/client-deliveries.ts';
import { consoleRoutes } from './console/routes.ts';
import { getConfirmCode } from '../contract/get-confirm-code.ts';
import { setClientPassword } from '../contract/set-client-password.ts';
import { issueCode, requestConfirmCode } from '../auth/confirm-code.ts';
import type { CodeDeps } from '../auth/confirm-code.ts';
import { setPasswordWithCode } from '../auth/set-client-password.ts';
import { loadCodeKeys } from '../auth/code-keys.ts';
import { codeRequestLimits } from '../auth/rate-limits.ts';
import { rateLimitedAs429 } from './rate-limited.ts';
import { metricsRoutes } from './metrics.ts';
import type { AppMetrics } from './metrics.ts';
import { withDeadline } from '../db/deadline.ts';

export interface AppOptions {
  config: Config;
  store: Store;
  /** Pino logger options; `false` silences the log (tests). */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /** The time of confirmation codes and their limits (tests move it to let a code expire). */
  clock?: () => Date;
}

export interface AppDeps {
  config: Config;
  store: Store;
  /** JWT → principal for protected routes; also issues tokens (login routes, tests). */
  auth: Authenticator;
  /** The app's Prometheus registry; absent when LCM_METRICS=off. */
  metrics: AppMetrics | undefined;
  /** Confirmation codes: their keys and clock (the code dispatcher of a serving process uses the keys). */
  codes: CodeDeps;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, store } = options;
  const logger = options.logger === undefined ? { level: config.logLevel } : options.logger;
  const app = Fastify({
    logger:
      logger === false
        ? false
        : {
            ...(typeof logger === 'object' ? logger : {}),
            // Tokens and passwords never reach the log.
            redact: ['req.headers.authorization', 'req.headers["mloyalty-authorization"]', 'req.headers.cookie'],
          },
    // Each request's child logger is made when it first logs (request-log.ts).
    ...(logger === false ? {} : { childLoggerFactory: requestLogFactory }),
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: false },
    bodyLimit: config.bodyLimit,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Slow clients cannot hold a connection forever: node closes a connection whose headers
    // (whole request) have not arrived within headersTimeoutMs (requestTimeoutMs), checking
    // every connectionsCheckingInterval, and one that sends nothing at all after
    // headersTimeoutMs too (closeSilentConnections); a socket idle within a request is
    // closed after 60 s. Between requests a keep-alive connection is kept
    // keepAliveTimeoutMs (120 s, as IIS did): pooled clients reuse it without meeting a close.
    requestTimeout: config.requestTimeoutMs,
    http: serverTimeouts(config),
    connectionTimeout: 60_000,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    trustProxy: false,
  });
  closeSilentConnections(app.server, serverTimeouts(config).headersTimeout);
  const auth = await createAuthenticator(config, store, app.log);
  const codes: CodeDeps = { config, store, keys: await loadCodeKeys(config, store, app.log), clock: options.clock ?? (() => new Date()) };
  // Before any route: its onResponse hook counts every answer, 404s included.
  const metrics = metricsRoutes(app, config, store);
  app.decorate('deps', { config, store, auth, metrics, codes });
  // ASP.NET-shaped 404 and error answers for every route (spec §6).
  installWireErrors(app);

  void app.register(loginRoutes);

  // Every served declaration, in registration order: the help pages and OpenAPI list exactly these.
  const served: OperationDecl[] = [];
  const serve = <Op extends OperationDecl>(op: Op, handler: OperationHandler<Op>): void => {
    served.push(op);
    registerOperation(app, op, handler);
  };
  // Group-committed: see clientUpdateQueue.
  const updates = clientUpdateQueue(store, store.groupCommit);
  app.addHook('onClose', () => updates.idle());
  serve(clientUpdate, (request, ctx) => updates.update(ctx, request));
  // ClientSetPassword: the new participant gets a code as from GetConfirmCode, in the creation's transaction.
  serve(clientCreate, (request, ctx) =>
    rateLimitedAs429(createClient(store, ctx, request, request.ClientSetPassword ? (tx, created) => issueCode(tx, codes, created, codeRequestLimits(config, { ...created, address: undefined })) : undefined)),
  );
  serve(getClient, (request, ctx) => readClient(store, ctx, request));
  serve(clientInfo, (request, ctx) => readClientInfo(store, ctx, request));
  serve(clientHistory, (request, ctx) => readClientHistory(store, ctx, request));
  serve(clientConsents, (request, ctx) => readClientConsents(store, ctx, request));
  serve(clientDeliveries, (request, ctx) => readClientDeliveries(store, ctx, request));
  serve(clientSearch, (request, ctx) => searchClients(store, ctx, request));
  serve(getConfirmCode, (request, ctx) => rateLimitedAs429(requestConfirmCode(codes, request, ctx)));
  serve(setClientPassword, (request, ctx) => setPasswordWithCode(codes, request, ctx));
  helpRoutes(app, served);
  // The operator console (docs/console.md): its page, scripts and sign-in session.
  void app.register(consoleRoutes);

  app.get('/health', async (_req, reply) => {
    const up = await withDeadline(ping(store.db), config.dbTimeoutMs).catch(() => false);
    return reply.code(up ? 200 : 503).send(up ? { status: 'ok' } : { status: 'unavailable' });
  });

  return app;
}

/** node:http's bounds on slow requests; the check interval keeps them within ~25 % (≤ 1 s). */
function serverTimeouts(config: Config): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  const request = config.requestTimeoutMs;
  const headers = request > 0 ? Math.min(config.headersTimeoutMs, request) : config.headersTimeoutMs;
  const shortest = Math.min(...[headers, request].filter((t) => t > 0));
  return { headersTimeout: headers, requestTimeout: request, connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(shortest / 4) || 1000)) };
}
