// GET /openapi.json: OpenAPI 3.1 of the served operations and the two token endpoints.
import type { OperationDecl } from '../../contract/types.ts';
import { apiTitle, canonicalRoute } from './naming.ts';
import { messageSchema } from './openapi-schema.ts';
import type { Schema } from './openapi-schema.ts';
import { jsonSample } from './samples.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION } from './idempotency-key.ts';

const ERROR_BODY: Schema = {
  type: 'object',
  properties: { Message: { type: 'string' } },
  required: ['Message'],
  xml: { name: 'Error' },
  description: "Web API's HttpError: {\"Message\":\"…\"} or <Error><Message>…</Message></Error>",
};

function errorTable(op: OperationDecl): string {
  // Markdown: a `|` would end the cell and `<Field>` would be read as an HTML tag.
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return ['| ErrorCode | Message | When |', '|---|---|---|', ...op.errors.map((e) => `| ${e.code} | ${cell(e.message)} | ${cell(e.rule)} |`)].join('\n');
}

function httpError(description: string): Schema {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/HttpError' } }, 'application/xml': { schema: { $ref: '#/components/schemas/HttpError' } } } };
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
        'application/json': { schema: request, example: JSON.parse(jsonSample(op.request, 'request')) },
        'application/xml': { schema: request },
        ...(formOnly ? { 'application/x-www-form-urlencoded': { schema: request } } : {}),
      },
    },
    responses: {
      '200': { description: 'The answer; ErrorCode 0 on success, otherwise see the table', content: { 'application/json': { schema: response, example: JSON.parse(jsonSample(op.response)) }, 'application/xml': { schema: response } } },
      '400': httpError(op.idempotent ? 'Unreadable body or field value, or a malformed Idempotency-Key (ErrorCode 100)' : 'Unreadable body or field value (ErrorCode 100)'),
      ...(op.anonymous ? {} : { '401': httpError('No valid bearer token'), '403': httpError('The token may not call this operation') }),
      ...(op.rateLimited
        ? { '429': { ...httpError('A limit on confirmation codes was reached; nothing was done'), headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds to wait' } } } }
        : {}),
      '405': httpError('Method not allowed'),
      '413': httpError('Body too large'),
      '415': httpError('Unsupported Content-Type'),
      ...(op.idempotent
        ? {
            '409': httpError('A request with this Idempotency-Key is still being processed: retry later with the same key'),
            '422': httpError('This Idempotency-Key was already used with a different request'),
          }
        : {}),
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
        },
      },
    },
    responses: {
      '200': { description: 'Tokens', content: { 'application/json': { schema: { $ref: '#/components/schemas/TokenResponse' } } } },
      '400': { description: 'unsupported_grant_type, invalid_request or invalid_operator', content: { 'application/json': { schema: { $ref: '#/components/schemas/OAuthError' } } } },
      '401': { description: 'invalid_grant', content: { 'application/json': { schema: { $ref: '#/components/schemas/OAuthError' } } } },
      '429': { description: 'Too many failed attempts', headers: { 'Retry-After': { schema: { type: 'integer' } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/OAuthError' } } } },
    },
  };
}

export function openApiDocument(operations: readonly OperationDecl[]): Schema {
  const components = new Map<string, Schema>();
  const paths: Record<string, Schema> = {};
  for (const op of operations) paths[canonicalRoute(op)] = { post: operation(op, components) };
  paths['/ManagerLogin'] = { post: login('ManagerLogin') };
  paths['/ClientLogin'] = { post: login('ClientLogin') };
  return {
    openapi: '3.1.0',
    info: {
      title: 'LCManager Partner API: participant profiles',
      version: '1.0',
      description: 'Bodies are JSON, XML (DataContract) or forms; answers are JSON or XML by Accept. Help pages: /Help.',
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
          properties: { access_token: { type: 'string' }, token_type: { type: 'string', const: 'bearer' }, expires_in: { type: 'integer' }, refresh_token: { type: 'string' } },
        },
        OAuthError: { type: 'object', required: ['error'], properties: { error: { type: 'string' }, error_description: { type: 'string' } } },
      },
    },
  };
}
