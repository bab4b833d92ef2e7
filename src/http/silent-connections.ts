// node:http bounds a request whose headers are late (headersTimeout), but only once its
// first byte has arrived; and on Node 20 a connection that never sends a byte is not closed
// by the socket idle timeout either while headersTimeout is shorter than that timeout (the
// server's periodic timeout check keeps it alive). Such connections would be held forever:
// close each one that has sent nothing within the header bound.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export function closeSilentConnections(server: Server, ms: number): void {
  if (ms <= 0) return;
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, ms);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}
