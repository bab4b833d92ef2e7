// A port that cannot be taken is the commonest first-start mistake: say which address and
// what to change, in one line, instead of node's `listen EADDRINUSE …`.

const LISTEN_CODES = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

/** A failed listen that a restart cannot cure (the port is taken, not allowed, or no such address). */
export function isListenError(err: unknown): boolean {
  return LISTEN_CODES.has(String((err as NodeJS.ErrnoException | undefined)?.code));
}

/** The error to show for a failed listen on host:port (keeping its code); other errors pass unchanged. */
export function listenError(err: unknown, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host}:${port}`;
  const said = (message: string) => Object.assign(new Error(message), { code });
  if (code === 'EADDRINUSE') return said(`cannot listen on ${where}: the address is already in use; choose another port with LCM_PORT or --port (or stop the other server)`);
  if (code === 'EACCES') return said(`cannot listen on ${where}: permission denied; choose a port above 1023 with LCM_PORT or --port`);
  if (code === 'EADDRNOTAVAIL') return said(`cannot listen on ${where}: no such address on this machine; check LCM_HOST or --host`);
  return err instanceof Error ? err : new Error(String(err));
}
