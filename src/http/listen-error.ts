// A port that cannot be taken is the commonest first-start mistake: say which address and
// what to change, in one line, instead of node's `listen EADDRINUSE …`.

/** The error to show for a failed listen on host:port; other errors pass unchanged. */
export function listenError(err: unknown, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') return new Error(`cannot listen on ${where}: the address is already in use; choose another port with LCM_PORT or --port (or stop the other server)`);
  if (code === 'EACCES') return new Error(`cannot listen on ${where}: permission denied; choose a port above 1023 with LCM_PORT or --port`);
  if (code === 'EADDRNOTAVAIL') return new Error(`cannot listen on ${where}: no such address on this machine; check LCM_HOST or --host`);
  return err instanceof Error ? err : new Error(String(err));
}
