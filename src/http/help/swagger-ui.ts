// /swagger: Swagger UI from the installed swagger-ui-dist package, reading /openapi.json.
// Everything is served from here: no CDN, and no call to the online validator.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';

const DIST = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const INIT = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    validatorUrl: null,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
  });
};
`;

const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>LCManager Partner API — Swagger UI</title>
<link rel="stylesheet" href="/swagger/swagger-ui.css"><link rel="icon" type="image/png" href="/swagger/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/swagger/swagger-ui-bundle.js"></script>
<script src="/swagger/swagger-ui-standalone-preset.js"></script>
<script src="/swagger/init.js"></script>
</body></html>`;

export function swaggerUiRoutes(app: FastifyInstance): void {
  app.get('/swagger', async (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  app.get('/swagger/init.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(INIT));
  app.get<{ Params: { file: string } }>('/swagger/:file', async (request, reply) => {
    const file = Object.keys(ASSETS).find((name) => name.toLowerCase() === request.params.file.toLowerCase());
    if (file === undefined) return reply.callNotFound();
    return reply.type(ASSETS[file]!).header('cache-control', 'public, max-age=3600').send(fs.createReadStream(path.join(DIST, file)));
  });
}
