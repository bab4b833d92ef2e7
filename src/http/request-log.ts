// fastify gives every request a child of the app's logger bound to its id, and pino builds
// each child at once (its bindings serialized), though at the levels a server runs with
// most requests log nothing. Here the child is made when the request first logs at an
// enabled level: the lines it writes are the ones the child would have written.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

type ChildArgs = Parameters<FastifyBaseLogger['child']>;
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** pino's loggers answer this; a logger that does not gets its children made at once. */
interface LevelAware {
  isLevelEnabled(level: string): boolean;
}

class RequestLog {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger & LevelAware,
    private readonly bindings: ChildArgs[0],
    private readonly options: ChildArgs[1],
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  /** The child's level is its parent's until it is made (made children get no level of their own here). */
  get level(): string {
    return this.made ? this.made.level : this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  private log(level: Level, args: unknown[]): void {
    if (this.made || this.parent.isLevelEnabled(level)) (this.logger[level] as (...a: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]): void {
    this.log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.log('error', args);
  }
  warn(...args: unknown[]): void {
    this.log('warn', args);
  }
  info(...args: unknown[]): void {
    this.log('info', args);
  }
  debug(...args: unknown[]): void {
    this.log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.log('trace', args);
  }
  silent(): void {}

  child(...args: ChildArgs): FastifyBaseLogger {
    return this.logger.child(...args);
  }
}

/** fastify's childLoggerFactory option: a request's logger, made on first use. */
export function requestLogFactory(this: FastifyInstance, logger: FastifyBaseLogger, bindings: ChildArgs[0], options: NonNullable<ChildArgs[1]>): FastifyBaseLogger {
  const aware = logger as FastifyBaseLogger & Partial<LevelAware>;
  // A level of its own (a route's logLevel) or a logger without levels: made at once, as fastify does.
  if (options.level !== undefined || typeof aware.isLevelEnabled !== 'function') return logger.child(bindings, options);
  return new RequestLog(aware as FastifyBaseLogger & LevelAware, bindings, options) as unknown as FastifyBaseLogger;
}
