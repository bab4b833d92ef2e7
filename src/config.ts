// Configuration is read once, at start-up, into one frozen object that is passed to
// whatever needs it; nothing imports a module-level config.

export interface Config {
  /** A file path (SQLite) or a postgres:// URL. */
  readonly database: string;
  /**
   * Where `lcm migrate` applies migrations when given no --database: a direct PostgreSQL
   * URL, for services whose `database` goes through a pooler. Absent: `database`.
   */
  readonly migrateDatabase: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  /** HS256 secret; when absent a secret is generated once and kept beside the SQLite file. */
  readonly jwtSecret: string | undefined;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly jwtLifetimeMinutes: number;
  readonly refreshLifetimeMinutes: number;
  /** Largest accepted request body, bytes. */
  readonly bodyLimit: number;
  /** Longest a client may take to send a request's headers, ms (bounds slowloris); at most requestTimeoutMs. */
  readonly headersTimeoutMs: number;
  /** Longest a client may take to send a whole request, headers and body, ms; 0 = no bound. */
  readonly requestTimeoutMs: number;
  /**
   * How long an idle keep-alive connection is kept between requests, ms. Cash registers'
   * .NET HttpClient pools connections for a minute or more and does not retry a POST that
   * meets a connection the server closed; IIS, which served the original, keeps them 120 s.
   */
  readonly keepAliveTimeoutMs: number;
  /** Pause of the webhook dispatcher between polls when nothing is due, ms. */
  readonly webhookPollMs: number;
  /** First retry delay of a failed webhook delivery (doubled per attempt, capped at 10 min), ms. */
  readonly webhookRetryBaseMs: number;
  /**
   * Longest a request waits on the database, ms: PostgreSQL connection waits are bounded
   * by min(2000, this), statements by this (statement_timeout), and a request's whole
   * database work by this; past it the request answers 503. 0 = no bound.
   */
  readonly dbTimeoutMs: number;
  /** Serve GET /metrics (Prometheus text format). */
  readonly metrics: boolean;
  /** When set, GET /metrics requires `Authorization: Bearer <this>`. */
  readonly metricsToken: string | undefined;
  /** Worker processes of `lcm serve` (node:cluster); 1 = serve in this process. */
  readonly workers: number;
  /** With workers > 1: port on which the primary serves every worker's /metrics summed (0 = none). */
  readonly metricsPort: number;
  /**
   * PostgreSQL: send the ClientUpdate batch write as a named prepared statement (parsed and
   * planned once per connection). Off for a pooler that cannot keep them (PgBouncer in
   * transaction mode); left on there, the first refusal turns them off (pg-statements.ts).
   */
  readonly pgPrepared: boolean;
  /** How long the answer to an Idempotency-Key is kept, hours (at least 1). */
  readonly idempotencyTtlHours: number;
  /** Confirmation codes one client address may request per hour (GetConfirmCode); 0 = no limit. */
  readonly codeLimitPerAddressHour: number;
  /** Confirmation codes one operator may send per 24 hours; 0 = no limit. */
  readonly codeLimitPerOperatorDay: number;
}

export const DEFAULTS: Config = Object.freeze({
  database: './data/lcm.sqlite',
  migrateDatabase: undefined,
  host: '127.0.0.1',
  port: 8080,
  logLevel: 'info',
  jwtSecret: undefined,
  jwtIssuer: 'lcm',
  jwtAudience: 'lcm-partner-api',
  jwtLifetimeMinutes: 1920,
  refreshLifetimeMinutes: 2160,
  bodyLimit: 64 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 120_000,
  webhookPollMs: 1000,
  webhookRetryBaseMs: 1000,
  dbTimeoutMs: 10_000,
  metrics: true,
  metricsToken: undefined,
  workers: 1,
  metricsPort: 0,
  pgPrepared: true,
  idempotencyTtlHours: 24,
  codeLimitPerAddressHour: 20,
  codeLimitPerOperatorDay: 10_000,
});

/** Which environment variable feeds which key. */
export const ENV_VARS = {
  database: 'LCM_DATABASE',
  migrateDatabase: 'LCM_MIGRATE_DATABASE',
  host: 'LCM_HOST',
  port: 'LCM_PORT',
  logLevel: 'LCM_LOG_LEVEL',
  jwtSecret: 'LCM_JWT_SECRET',
  jwtIssuer: 'LCM_JWT_ISSUER',
  jwtAudience: 'LCM_JWT_AUDIENCE',
  jwtLifetimeMinutes: 'LCM_JWT_LIFETIME_MINUTES',
  refreshLifetimeMinutes: 'LCM_REFRESH_LIFETIME_MINUTES',
  webhookPollMs: 'LCM_WEBHOOK_POLL_MS',
  headersTimeoutMs: 'LCM_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'LCM_REQUEST_TIMEOUT_MS',
  keepAliveTimeoutMs: 'LCM_KEEPALIVE_TIMEOUT_MS',
  dbTimeoutMs: 'LCM_DB_TIMEOUT_MS',
  metrics: 'LCM_METRICS',
  metricsToken: 'LCM_METRICS_TOKEN',
  workers: 'LCM_WORKERS',
  metricsPort: 'LCM_METRICS_PORT',
  pgPrepared: 'LCM_PG_PREPARED',
  idempotencyTtlHours: 'LCM_IDEMPOTENCY_TTL_HOURS',
  codeLimitPerAddressHour: 'LCM_CODE_LIMIT_PER_ADDRESS_HOUR',
  codeLimitPerOperatorDay: 'LCM_CODE_LIMIT_PER_OPERATOR_DAY',
} as const satisfies Partial<Record<keyof Config, string>>;

const NUMERIC = new Set<keyof Config>(['port', 'jwtLifetimeMinutes', 'refreshLifetimeMinutes', 'bodyLimit', 'headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs', 'webhookPollMs', 'webhookRetryBaseMs', 'dbTimeoutMs', 'workers', 'metricsPort', 'idempotencyTtlHours', 'codeLimitPerAddressHour', 'codeLimitPerOperatorDay']);
const BOOLEAN = new Set<keyof Config>(['metrics', 'pgPrepared']);

export type ConfigOverrides = { -readonly [K in keyof Config]?: Config[K] | string | undefined };

/** Defaults, then environment, then explicit overrides (CLI flags, tests). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Config {
  const merged: Record<string, unknown> = { ...DEFAULTS };
  for (const [key, name] of Object.entries(ENV_VARS)) {
    const value = env[name];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) merged[key] = value;
  }
  for (const key of NUMERIC) {
    const raw = merged[key];
    const n = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`Invalid ${key}: ${String(raw)}`);
    merged[key] = n;
  }
  for (const key of BOOLEAN) {
    const raw = merged[key];
    if (typeof raw === 'boolean') continue;
    const text = String(raw).trim().toLowerCase();
    if (['1', 'true', 'on', 'yes'].includes(text)) merged[key] = true;
    else if (['0', 'false', 'off', 'no'].includes(text)) merged[key] = false;
    else throw new Error(`Invalid ${key}: ${String(raw)} (on or off)`);
  }
  if ((merged.workers as number) < 1) throw new Error(`Invalid workers: ${String(merged.workers)} (at least 1)`);
  if ((merged.idempotencyTtlHours as number) < 1) throw new Error(`Invalid idempotencyTtlHours: ${String(merged.idempotencyTtlHours)} (at least 1)`);
  return Object.freeze(merged as unknown as Config);
}

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}
