// How a pool's statements reach PostgreSQL so that they work the same on a direct
// connection and through a pooler in transaction mode (PgBouncer), which keeps nothing of a
// session from one transaction to the next and refuses unknown startup parameters:
// - The bounds (statement_timeout, idle_in_transaction_session_timeout) are set with
//   SET LOCAL in every transaction, in a round trip the transaction makes anyway: BEGIN
//   carries them (`begin; set local …`), and a statement that runs on its own (autocommit)
//   goes as one simple query `set local statement_timeout = N; <statement>`, its parameters
//   written in as dollar-quoted literals (literal(): the simple protocol takes no parameters;
//   PostgreSQL reads an untyped literal as it reads an untyped parameter).
// - Statements registered with prepareOnPostgres, when they run on their own, go as
//   SQL-level prepared statements: PREPARE once per connection, then EXECUTE. A connection
//   that does not keep them (a pooler answering "prepared statement … does not exist" or
//   "… already exists") turns them off for the whole pool, and the statement is sent again
//   unnamed: the refusal comes before anything of it ran.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { driverError } from './errors.ts';
import { preparedName } from './prepared.ts';

export interface StatementOptions {
  /** statement_timeout of every transaction, ms; 0 = none. */
  statementTimeoutMs: number;
  /** idle_in_transaction_session_timeout of every explicit transaction, ms; 0 = none. */
  idleInTransactionTimeoutMs: number;
  /** Send registered statements as named prepared statements. */
  prepared: boolean;
  /** Told once when the connection refused a named statement and they were turned off. */
  onPreparedRefused?: (err: unknown) => void;
}

type Result = pg.QueryResult;
type Query = (text: unknown, values?: unknown, callback?: unknown) => unknown;

const BEGIN = /^\s*(begin|start\s+transaction)\b[^;]*$/i;

/** Shared by the clients of one pool: a refusal on one connection turns named statements off on all. */
export class StatementSender {
  private prepared: boolean;
  private readonly bounds: string;
  private readonly beginBounds: string;

  constructor(private readonly options: StatementOptions) {
    this.prepared = options.prepared;
    this.bounds = options.statementTimeoutMs > 0 ? `set local statement_timeout = ${Math.floor(options.statementTimeoutMs)}; ` : '';
    const idle = options.idleInTransactionTimeoutMs > 0 ? `; set local idle_in_transaction_session_timeout = ${Math.floor(options.idleInTransactionTimeoutMs)}` : '';
    this.beginBounds = this.bounds ? `; ${this.bounds.slice(0, -2)}${idle}` : idle;
  }

  /** Makes `client` send its statements this way. */
  adapt(client: pg.PoolClient): void {
    const query = client.query.bind(client) as Query;
    const prepared = new Set<string>();
    (client as unknown as { query: Query }).query = (text, values, callback) => {
      if (typeof text !== 'string' || typeof values === 'function' || callback !== undefined) return query(text, values, callback);
      // 'I': no transaction open on this connection, so the statement runs on its own.
      const alone = client.getTransactionStatus() === 'I';
      return this.send(query, prepared, alone, text, Array.isArray(values) ? values : []);
    };
  }

  private async send(query: Query, prepared: Set<string>, alone: boolean, text: string, values: readonly unknown[]): Promise<Result> {
    if (!alone) return (await query(text, values)) as Result;
    if (BEGIN.test(text)) return last(await query(this.beginBounds ? `${text}${this.beginBounds}` : text));
    const name = this.prepared ? preparedName(text) : undefined;
    if (name) {
      try {
        if (!prepared.has(name)) {
          await query(`prepare ${name} as ${text}`);
          prepared.add(name);
        }
        return last(await query(`${this.bounds}execute ${name}${values.length ? `(${values.map(literal).join(', ')})` : ''}`));
      } catch (err) {
        if (driverError(err).kind !== 'prepared-statement-refused') throw err;
        prepared.clear();
        if (this.prepared) {
          this.prepared = false;
          this.options.onPreparedRefused?.(err);
        }
      }
    }
    if (!this.bounds) return (await query(text, values)) as Result;
    return last(await query(`${this.bounds}${inlineParameters(text, values)}`));
  }
}

/** A multi-statement simple query answers one result per statement: the caller's is the last. */
function last(result: unknown): Result {
  return (Array.isArray(result) ? result[result.length - 1] : result) as Result;
}

/** node-postgres's own conversion of a parameter to its text form (dates, arrays, JSON, Buffers). */
const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): string | Buffer | null } }).utils.prepareValue;

/**
 * `value` as an SQL literal: the text node-postgres would send as its parameter,
 * dollar-quoted with a random tag that does not occur in it. Inside a dollar quote nothing
 * is an escape (not a backslash, not a quote, whatever standard_conforming_strings and
 * backslash_quote say), and `$` is never the second byte of a multibyte character in any
 * client encoding, so no value can end the literal early. The literal is untyped, as an
 * untyped parameter is: the statement's casts and context give it its type.
 */
export function literal(value: unknown): string {
  const prepared = prepareValue(value);
  if (prepared === null || prepared === undefined) return 'null';
  const text = Buffer.isBuffer(prepared) ? `\\x${prepared.toString('hex')}` : String(prepared);
  // The protocol ends a query's text at a NUL; PostgreSQL refuses NUL in a parameter so.
  if (text.includes('\0')) throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
  let tag: string;
  do tag = `lcm_${randomHex12()}`;
  while (text.includes(tag));
  return `$${tag}$${text}$${tag}$`;
}

/** Random bytes drawn in bulk: one randomBytes call per 1,024 tags rather than one per literal. */
const TAG_BYTES = 6;
let pool = Buffer.alloc(0);
let poolAt = 0;
function randomHex12(): string {
  if (poolAt + TAG_BYTES > pool.length) {
    pool = randomBytes(TAG_BYTES * 1024);
    poolAt = 0;
  }
  poolAt += TAG_BYTES;
  return pool.toString('hex', poolAt - TAG_BYTES, poolAt);
}

/**
 * `text` with each parameter placeholder ($1, $2, …) replaced by its value as a literal;
 * placeholders inside quoted strings, quoted identifiers, dollar quotes and comments are
 * left alone.
 */
export function inlineParameters(text: string, values: readonly unknown[]): string {
  if (values.length === 0) return text;
  let template = templates.get(text);
  if (!template) {
    template = placeholders(text);
    // The texts come from a few query shapes (kysely writes one text per shape and list
    // length); past the bound, something varies that should not: keep the newest.
    if (templates.size >= MAX_TEMPLATES) templates.delete(templates.keys().next().value!);
    templates.set(text, template);
  }
  const { parts, indexes } = template;
  let out = parts[0]!;
  for (let k = 0; k < indexes.length; k++) {
    const index = indexes[k]!;
    if (index >= values.length) throw new Error(`No value for parameter $${index + 1}`);
    out += literal(values[index]) + parts[k + 1]!;
  }
  return out;
}

/** A statement text cut at its placeholders: parts[k], then parameter indexes[k], …, then the last part. */
interface Template {
  parts: string[];
  indexes: number[];
}
const MAX_TEMPLATES = 256;
const templates = new Map<string, Template>();

function placeholders(text: string): Template {
  const parts: string[] = [];
  const indexes: number[] = [];
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    let end = i + 1;
    if (c === "'" || c === '"') {
      end = text.indexOf(c, i + 1);
      // A doubled quote continues the string.
      while (end !== -1 && text[end + 1] === c) end = text.indexOf(c, end + 2);
      end = end === -1 ? n : end + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      end = text.indexOf('\n', i);
      end = end === -1 ? n : end;
    } else if (c === '/' && text[i + 1] === '*') {
      end = text.indexOf('*/', i + 2);
      end = end === -1 ? n : end + 2;
    } else if (c === '$') {
      const param = /^\$(\d+)/.exec(text.slice(i, i + 12));
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      const inIdentifier = i > 0 && /[A-Za-z0-9_$]/.test(text[i - 1]!);
      if (param && !inIdentifier) {
        const index = Number(param[1]) - 1;
        if (index < 0) throw new Error(`No value for parameter $${param[1]}`);
        parts.push(out);
        indexes.push(index);
        out = '';
        i += param[0].length;
        continue;
      }
      if (tag && !inIdentifier) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        end = close === -1 ? n : close + tag[0].length;
      }
    }
    out += text.slice(i, end);
    i = end;
  }
  parts.push(out);
  return { parts, indexes };
}
