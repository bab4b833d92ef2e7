// Scenario A with `--ceiling fastify`: the same ceiling through fastify 5, the HTTP server the
// service is built on — one case-insensitive route, fastify's own JSON body parser, the same
// constant answer; no auth, no decoding of our own, no database. It shows the framework's
// share of a request (docs/performance.md, "What a request costs the machine").
//   node --import tsx bench/fastify-ceiling.ts PORT
import Fastify from 'fastify';

const ANSWER = '{"ErrorCode":0,"Message":""}';
const port = Number(process.argv[2] ?? 8090);

const app = Fastify({ logger: false, routerOptions: { caseSensitive: false } });
app.get('/health', async () => ({ status: 'ok' }));
app.post('/api/client/ClientUpdate', async (_req, reply) => reply.type('application/json; charset=utf-8').send(ANSWER));
await app.listen({ port, host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
