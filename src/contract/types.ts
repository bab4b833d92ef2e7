// The vocabulary in which every operation is declared once, as data. Decoders (JSON, XML,
// form), encoders, OpenAPI and the help pages are all derived from these declarations, and
// so are the TypeScript types of the requests and responses the domain sees.

/** Wire types, named after what the original's .NET models used. */
export type ScalarType =
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'boolean'
  /** A calendar date. Decoded to 'YYYY-MM-DD' as written (whatever the offset); encoded as 'YYYY-MM-DDT00:00:00'. */
  | 'date'
  /** A point in time; encoded as ISO 8601 with offset. */
  | 'datetime';

export interface ObjectType {
  readonly kind: 'object';
  /** DataContract type name (the XML element name of an array item, the help page's type). */
  readonly typeName: string;
  readonly fields: readonly FieldDecl[];
}

export interface ArrayType {
  readonly kind: 'array';
  readonly of: ScalarType | ObjectType;
}

export type FieldType = ScalarType | ObjectType | ArrayType;

export interface FieldDecl {
  /** The wire name, in the original's spelling. Matched case-insensitively when decoding. */
  readonly name: string;
  readonly type: FieldType;
  /** Russian description, as the original help page shows it. */
  readonly description: string;
  /**
   * Member of the DataContract base class (Operator, SiteCode, Token): written first in XML,
   * in the Abstractions namespace; read from either namespace.
   */
  readonly baseClass?: boolean;
  /** Response fields only: may be null. */
  readonly nullable?: boolean;
  /**
   * 'phone': an int64 that may also arrive as a string written as people write phones
   * (`"+7 (916) 123-45-67"`, spec §4.3), read into its digits as /ClientLogin reads a username.
   */
  readonly format?: 'phone';
  /** Example value for help pages and OpenAPI; derived from the type when absent. */
  readonly example?: unknown;
}

export interface MessageDecl {
  /** DataContract type name: the XML root element (SetClientUpdateRequest, ...). */
  readonly typeName: string;
  readonly fields: readonly FieldDecl[];
}

export interface ErrorDecl {
  readonly code: number;
  /** When this code is returned (English, for docs and OpenAPI). */
  readonly rule: string;
  /** The Russian message, as the original; `<Field>`/`<what>` placeholders filled at run time. */
  readonly message: string;
}

export interface OperationDecl {
  /** Action name: 'ClientUpdate'. */
  readonly name: string;
  /** Paths that serve it (matched case-insensitively); the first one is canonical. */
  readonly routes: readonly string[];
  /** Russian one-line summary, as the help page's title description. */
  readonly summary: string;
  readonly request: MessageDecl;
  readonly response: MessageDecl;
  /** ErrorCode table in order of evaluation. */
  readonly errors: readonly ErrorDecl[];
  /**
   * A write that accepts the Idempotency-Key header (docs/reliability.md, "Retries"): its
   * route stores the first answer to a key and replays it to retries; the help page and
   * OpenAPI show the header.
   */
  readonly idempotent?: boolean;
  /** Served without a bearer token (GetConfirmCode, SetClientPassword); the body names the operator. */
  readonly anonymous?: boolean;
  /** May answer 429 with Retry-After (it can send a confirmation code, which is rate-limited). */
  readonly rateLimited?: boolean;
}

/** XML namespaces of the original's DataContracts. */
export const XML_NS = {
  models: 'http://schemas.datacontract.org/2004/07/LCManagerPartner.Models',
  abstractions: 'http://schemas.datacontract.org/2004/07/LCManagerPartner.Implementation.Abstractions',
  instance: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

// ---- Types derived from declarations --------------------------------------------------

interface ScalarTs {
  int16: number;
  int32: number;
  int64: number;
  string: string;
  boolean: boolean;
  date: string;
  datetime: string;
}

export type TsOf<T extends FieldType> = T extends ScalarType
  ? ScalarTs[T]
  : T extends ObjectType
    ? ResponseFields<T['fields']>
    : T extends ArrayType
      ? TsOf<T['of']>[]
      : never;

/** A decoded request: absent, null and "" fields are simply missing. */
export type RequestFields<F extends readonly FieldDecl[]> = {
  [D in F[number] as D['name']]?: TsOf<D['type']>;
};

/** A response: every field present; nullable ones may be null. */
export type ResponseFields<F extends readonly FieldDecl[]> = {
  [D in F[number] as D['name']]: D extends { nullable: true } ? TsOf<D['type']> | null : TsOf<D['type']>;
};

export type RequestOf<Op extends OperationDecl> = RequestFields<Op['request']['fields']>;
export type ResponseOf<Op extends OperationDecl> = ResponseFields<Op['response']['fields']>;

/** Declares an operation, keeping its literal types for RequestOf/ResponseOf. */
export function defineOperation<const Op extends OperationDecl>(op: Op): Op {
  return op;
}

/** The ErrorCode every operation shares for an unreadable body (HTTP 400). */
export const UNREADABLE = { code: 100, rule: 'the body or a field value cannot be read (HTTP 400)', message: 'Некорректный запрос: <what>' } as const satisfies ErrorDecl;
