// Operation bodies are read as raw bytes, with our own size limit, so that the wire layer
// decides every answer (413 before 415 before 400) instead of fastify's default parsers.
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { failures } from './errors.ts';

/** How long a refused upload is still read (and discarded) after its 413, ms. */
const LINGER_MS = 1_000;

/**
 * fastify answers a body error with `Connection: close`, and node closes the socket as
 * soon as the answer is written. Closing a socket whose client is still uploading sends a
 * TCP reset, which can wipe the 413 from the client's buffers before it reads it: the
 * client sees "connection reset" instead. So this connection closes gracefully instead
 * (a lingering close): end our side after the answer, go on discarding what arrives for
 * LINGER_MS, then close.
 */
function lingerOnClose(socket: Socket | null): void {
  if (!socket) return;
  socket.destroySoon = function lingeringClose(this: Socket): void {
    this.end();
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  };
}

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
      lingerOnClose(request.raw.socket);
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
        lingerOnClose(request.raw.socket);
        settle(failures.tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    // A body that came in one chunk (most) is that chunk, not a copy of it.
    payload.on('end', () => settle(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    payload.on('error', (err) => settle(err));
  };
}
