// Operation bodies are read as raw bytes, with our own size limit, so that the wire layer
// decides every answer (413 before 415 before 400) instead of fastify's default parsers.
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { failures } from './errors.ts';

type Done = (err: Error | null, body?: Buffer) => void;

/** A catch-all content-type parser reading at most `limit` bytes of a POST body. */
export function rawBodyParser(limit: number) {
  return (request: FastifyRequest, payload: IncomingMessage, done: Done): void => {
    // Other methods are answered 405 without looking at the body.
    if (request.method !== 'POST') {
      payload.resume();
      done(null, undefined);
      return;
    }
    if (Number(request.headers['content-length']) > limit) {
      payload.resume();
      done(failures.tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (err: Error | null, body?: Buffer) => {
      if (settled) return;
      settled = true;
      done(err, body);
    };
    payload.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        settle(failures.tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    payload.on('end', () => settle(null, Buffer.concat(chunks, size)));
    payload.on('error', (err) => settle(err));
  };
}
