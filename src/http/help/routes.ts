// GET /Help, /Help/Api/<id>, /openapi.json and the API UI, all derived from the
// declarations of the operations the app serves.
import type { FastifyInstance } from 'fastify';
import type { OperationDecl } from '../../contract/types.ts';
import { indexPage } from './index-page.ts';
import { helpId } from './naming.ts';
import { operationPage } from './operation-page.ts';
import { openApiDocument } from './openapi.ts';
import { swaggerUiRoutes } from './swagger-ui.ts';

const HTML = 'text/html; charset=utf-8';

export function helpRoutes(app: FastifyInstance, operations: readonly OperationDecl[]): void {
  const index = indexPage(operations);
  const pages = new Map(operations.map((op) => [helpId(op).toLowerCase(), operationPage(op)]));

  const openapi = JSON.stringify(openApiDocument(operations));
  app.get('/openapi.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(openapi));
  swaggerUiRoutes(app);
  app.get('/Help', async (_req, reply) => reply.type(HTML).send(index));
  app.get<{ Params: { id: string } }>('/Help/Api/:id', async (request, reply) => {
    const html = pages.get(request.params.id.toLowerCase());
    if (html === undefined) return reply.callNotFound();
    return reply.type(HTML).send(html);
  });
}
