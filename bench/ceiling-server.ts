// Scenario A, the ceiling: a bare node:http server that reads each POST body and answers
// {"ErrorCode":0,"Message":""}; no framework, no decoding, no database. Started by run.ts:
//   node --import tsx bench/ceiling-server.ts PORT
import http from 'node:http';

const ANSWER = Buffer.from('{"ErrorCode":0,"Message":""}');
const port = Number(process.argv[2] ?? 8090);

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    Buffer.concat(chunks);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': ANSWER.length }).end(ANSWER);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
