// Configuration is read once, at start-up, into one frozen object that is passed to
// whatever needs it; nothing imports a module-level config.

export interface Config {
  /** A file path (SQLite) or a postgres:// URL. */
  readonly database: string;
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
  /** Pause of the webhook dispatcher between polls when nothing is due, ms. */
  readonly webhookPollMs: number;
  /** First retry delay of a failed webhook delivery (doubled per attempt, capped at 10 min), ms. */
  readonly webhookRetryBaseMs: number;
}

export const DEFAULTS: Config = Object.freeze({
  database: './data/lcm.sqlite',
  host: '127.0.0.1',
  port: 8080,
  logLevel: 'info',
  jwtSecret: undefined,
  jwtIssuer: 'lcm',
  jwtAudience: 'lcm-partner-api',
  jwtLifetimeMinutes: 1920,
  refreshLifetimeMinutes: 2160,
  bodyLimit: 64 * 1024,
  webhookPollMs: 1000,
  webhookRetryBaseMs: 1000,
});

/** Which environment variable feeds which key. */
export const ENV_VARS = {
  database: 'LCM_DATABASE',
  host: 'LCM_HOST',
  port: 'LCM_PORT',
  logLevel: 'LCM_LOG_LEVEL',
  jwtSecret: 'LCM_JWT_SECRET',
  jwtIssuer: 'LCM_JWT_ISSUER',
  jwtAudience: 'LCM_JWT_AUDIENCE',
  jwtLifetimeMinutes: 'LCM_JWT_LIFETIME_MINUTES',
  refreshLifetimeMinutes: 'LCM_REFRESH_LIFETIME_MINUTES',
  webhookPollMs: 'LCM_WEBHOOK_POLL_MS',
} as const satisfies Partial<Record<keyof Config, string>>;

const NUMERIC = new Set<keyof Config>(['port', 'jwtLifetimeMinutes', 'refreshLifetimeMinutes', 'bodyLimit', 'webhookPollMs', 'webhookRetryBaseMs']);

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
  return Object.freeze(merged as unknown as Config);
}

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}
