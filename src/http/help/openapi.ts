// GET /openapi.json: OpenAPI 3.1 of the served operations and the two token endpoints.
import type { OperationDecl } from '../../contract/types.ts';
import { UNREADABLE } from '../../contract/types.ts';
import { apiTitle, canonicalRoute } from './naming.ts';
import { messageSchema } from './openapi-schema.ts';
import type { Schema } from './openapi-schema.ts';
import { jsonSample } from './samples.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION } from './idempotency-key.ts';
import { tryItExample } from './try-it.ts';

const ERROR_BODY: Schema = {
  type: 'object',
  properties: { Message: { type: 'string' } },
  required: ['Message'],
  additionalProperties: false,
  xml: { name: 'Error' },
  description: "Web API's HttpError: {\"Message\":\"…\"} or <Error><Message>…</Message></Error>",
};

function errorTable(op: OperationDecl): string {
  // Markdown: a `|` would end the cell and `<Field>` would be read as an HTML tag.
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return ['| ErrorCode | Message | When |', '|---|---|---|', ...op.errors.map((e) => `| ${e.code} | ${cell(e.message)} | ${cell(e.rule)} |`)].join('\n');
}

const RETRY_AFTER: Schema = { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } } };

/**
 * The statuses an operation's route answers besides 200 and 400, each with an HttpError
 * body ({"Message":…}, or <Error> in XML) in the negotiated format (src/http/errors.ts).
 */
const HTTP_ERRORS: readonly { status: string; description: string; headers?: Schema; when?: (op: OperationDecl) => boolean }[] = [
  {
    status: '401',
    description: 'No valid bearer token: an access_token from /ManagerLogin or /ClientLogin is required',
    headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
    when: (op) => !op.anonymous,
  },
  { status: '403', description: 'The token may not do this: another Operator or Token in the body, or a participant acting on someone else', when: (op) => !op.anonymous },
  { status: '405', description: 'A method other than POST', headers: { Allow: { schema: { type: 'string', const: 'POST' } } } },
  {
    status: '409',
    description: 'A request with this Idempotency-Key is still being processed: retry later with the same key',
    headers: RETRY_AFTER,
    when: (op) => op.idempotent === true,
  },
  { status: '413', description: 'Body larger than the limit' },
  { status: '415', description: 'Content-Type missing or not JSON, XML or a form' },
  { status: '422', description: 'This Idempotency-Key was already used with a different request', when: (op) => op.idempotent === true },
  { status: '429', description: 'A limit on confirmation codes was reached; nothing was done', headers: RETRY_AFTER, when: (op) => op.rateLimited === true },
  { status: '500', description: 'Unexpected error (details are only in the log)' },
  { status: '503', description: 'The database cannot serve now; retry after Retry-After seconds', headers: RETRY_AFTER },
];

function httpError(description: string, headers?: Schema): Schema {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/HttpError' } }, 'application/xml': { schema: { $ref: '#/components/schemas/HttpError' } } },
  };
}

function oauth(description: string, headers?: Schema): Schema {
  return { description, ...(headers ? { headers } : {}), content: { 'application/json': { schema: { $ref: '#/components/schemas/OAuthError' } } } };
}

/** The Idempotency-Key header of an idempotent operation (OperationDecl.idempotent). */
const IDEMPOTENCY_KEY: Schema = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: IDEMPOTENCY_KEY_DESCRIPTION,
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
  example: '8e03978e-40d5-43e8-bc93-6894a57f9324',
};

function operation(op: OperationDecl, components: Map<string, Schema>): Schema {
  const request = messageSchema(op.request, components, true);
  const response = messageSchema(op.response, components, false);
  const formOnly = op.request.fields.every((f) => typeof f.type === 'string');
  return {
    operationId: op.name,
    tags: ['Client'],
    summary: op.summary,
    description: `${apiTitle(op)}: ${op.summary}.\n\nErrorCode (evaluated in this order):\n\n${errorTable(op)}`,
    security: op.anonymous ? [] : [{ bearerAuth: [] }],
    ...(op.idempotent ? { parameters: [IDEMPOTENCY_KEY] } : {}),
    requestBody: {
      required: true,
      content: {
        // What "Try it out" sends: demo data that answers ErrorCode 0 for the demo manager.
        'application/json': { schema: request, example: tryItExample(op) },
        'application/xml': { schema: request },
        ...(formOnly ? { 'application/x-www-form-urlencoded': { schema: request } } : {}),
      },
    },
    responses: {
      '200': { description: 'The answer; ErrorCode 0 on success, otherwise see the table', content: { 'application/json': { schema: response, example: JSON.parse(jsonSample(op.response)) }, 'application/xml': { schema: response } } },
      // The operation's own answer with ErrorCode 100 and Message naming what could not be read.
      '400': {
        description: `The body or a field value${op.idempotent ? ', or the Idempotency-Key header,' : ''} cannot be read: ErrorCode ${UNREADABLE.code}, Message "${UNREADABLE.message}"`,
        content: { 'application/json': { schema: response }, 'application/xml': { schema: response } },
      },
      ...Object.fromEntries(HTTP_ERRORS.filter((e) => e.when?.(op) ?? true).map((e) => [e.status, httpError(e.description, e.headers)])),
    },
  };
}

function login(name: 'ManagerLogin' | 'ClientLogin'): Schema {
  const client = name === 'ClientLogin';
  return {
    operationId: name,
    tags: ['Token'],
    summary: client ? 'Вход Участника программы лояльности (OAuth password / refresh_token)' : 'Вход менеджера (OAuth password / refresh_token)',
    security: [],
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': {
          schema: {
            type: 'object',
            required: ['grant_type'],
            properties: {
              grant_type: { type: 'string', enum: ['password', 'refresh_token'] },
              username: { type: 'string', description: client ? 'phone, card number or e-mail of the participant' : 'manager login' },
              password: { type: 'string', format: 'password' },
              ...(client ? { operator: { type: 'string', description: 'operator id' } } : {}),
              refresh_token: { type: 'string', description: 'with grant_type=refresh_token' },
            },
          },
          // The demo data's accounts: fill in the password.
          example: client ? { grant_type: 'password', username: '79160000001', password: '', operator: '1' } : { grant_type: 'password', username: 'demo', password: '' },
        },
      },
    },
    responses: {
      '200': { description: 'Tokens', content: { 'application/json': { schema: { $ref: '#/components/schemas/TokenResponse' } } } },
      '400': oauth('unsupported_grant_type, invalid_request (the body is not application/x-www-form-urlencoded)' + (client ? ' or invalid_operator' : '')),
      '401': oauth('invalid_grant: wrong username or password, or an unknown, used or expired refresh token'),
      '405': { description: 'A method other than POST', headers: { Allow: { schema: { type: 'string', const: 'POST' } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/HttpError' } } } },
      '429': oauth('Too many failed attempts: the username is locked for a while', RETRY_AFTER),
      '500': oauth('server_error'),
      '503': oauth('temporarily_unavailable: the database cannot serve now', RETRY_AFTER),
    },
  };
}

export function openApiDocument(operations: readonly OperationDecl[]): Schema {
  const components = new Map<string, Schema>();
  const paths: Record<string, Schema> = {};
  for (const op of operations) paths[canonicalRoute(op)] = { post: operation(op, components) };
  paths['/ManagerLogin'] = { post: login('ManagerLogin') };
  paths['/ClientLogin'] = { post: login('ClientLogin') };
  const anonymous = operations.filter((op) => op.anonymous).map((op) => op.name);
  return {
    openapi: '3.1.0',
    info: {
      title: 'LCManager Partner API: participant profiles',
      version: '1.0',
      description:
        `Every operation${anonymous.length > 0 ? ` except ${anonymous.join(' and ')} (anonymous)` : ''} requires Authorization: Bearer <access_token> from POST /ManagerLogin or POST /ClientLogin (form bodies; see /Help#sign-in). ` +
        'In this UI: "Try it out" on /ManagerLogin (the demo manager is demo), copy access_token into "Authorize", then "Try it out" on an operation. ' +
        'Bodies are JSON, XML (DataContract) or forms; answers are JSON or XML by Accept. Help pages: /Help.',
    },
    tags: [{ name: 'Client' }, { name: 'Token' }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'access_token from /ManagerLogin or /ClientLogin' } },
      schemas: {
        ...Object.fromEntries(components),
        HttpError: ERROR_BODY,
        TokenResponse: {
          type: 'object',
          required: ['access_token', 'token_type', 'expires_in', 'refresh_token'],
          additionalProperties: false,
          properties: { access_token: { type: 'string' }, token_type: { type: 'string', const: 'bearer' }, expires_in: { type: 'integer' }, refresh_token: { type: 'string' } },
        },
        OAuthError: { type: 'object', required: ['error'], additionalProperties: false, properties: { error: { type: 'string' }, error_description: { type: 'string' } } },
      },
    },
  };
}
