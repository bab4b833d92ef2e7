// /console: the operator console (docs/console.md). Its page, script modules and style
// sheet are files of the repository's console/ folder, read once at start and served with
// their content type, an ETag (answered 304 when unchanged) and no-cache, so that a new
// version is picked up on the next load. Every console answer carries a Content-Security-Policy
// that allows scripts and styles only from this service, no inline script, no framing.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consoleSession } from './session.ts';

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** The console/ folder: found upwards from this module, whether it runs from src/ or from the bundle in node_modules/.cache. */
function consoleDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'console');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('console/index.html not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

function loadAssets(): Map<string, Asset> {
  const dir = consoleDir();
  const assets = new Map<string, Asset>();
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    const body = fs.readFileSync(path.join(dir, name));
    assets.set(name.toLowerCase(), { body, type, etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}

export async function consoleRoutes(scope: FastifyInstance): Promise<void> {
  const assets = loadAssets();

  scope.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CONSOLE_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
  });

  const serve = (name: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const asset = assets.get(name.toLowerCase());
    if (!asset) return reply.callNotFound();
    reply.header('etag', asset.etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  };

  scope.get('/console', serve('index.html'));
  scope.get<{ Params: { file: string } }>('/console/:file', async (request, reply) => serve(request.params.file)(request, reply));
  await scope.register(consoleSession);
}
