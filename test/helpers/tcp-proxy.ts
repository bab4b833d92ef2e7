// A TCP proxy in the test process between the service and PostgreSQL, to simulate outages
// without touching the shared server: cut() destroys every connection and stops listening
// (new connections are refused), freeze() keeps connections open but forwards nothing (a
// network that drops packets), strand() silences the open connections for good while new
// ones work (a failover), restore() brings it back on the same port.
import net from 'node:net';

export class TcpProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private frozen = false;
  private readonly stranded = new Set<[net.Socket, net.Socket]>();
  port = 0;
  /** Connections accepted since start. */
  accepted = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<number> {
    await this.listen(0);
    return this.port;
  }

  private listen(port: number): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    const upstream = net.connect(this.targetPort, this.targetHost);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    if (this.frozen) {
      client.pause();
      upstream.pause();
    } else {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  }

  /** The database vanishes: every connection is reset and new ones are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const [a, b] of this.pairs) {
      a.resetAndDestroy();
      b.destroy();
    }
    this.pairs.clear();
    await closed;
  }

  /** The network stops carrying anything; connections stay open, new ones hang. */
  freeze(): void {
    this.frozen = true;
    for (const [a, b] of this.pairs) {
      a.unpipe(b);
      b.unpipe(a);
      a.pause();
      b.pause();
    }
  }

  /**
   * The connections open now go silent for good (their peer vanished, as in a failover to
   * another server); new connections work normally.
   */
  strand(): void {
    for (const pair of this.pairs) {
      const [a, b] = pair;
      a.unpipe(b);
      b.unpipe(a);
      a.pause();
      b.pause();
      this.stranded.add(pair);
    }
    this.pairs.clear();
  }

  /** Back to normal: listening again on the same port, frozen connections flowing again. */
  async restore(): Promise<void> {
    if (this.frozen) {
      this.frozen = false;
      for (const [a, b] of this.pairs) {
        a.pipe(b);
        b.pipe(a);
        a.resume();
        b.resume();
      }
    }
    if (!this.server) await this.listen(this.port);
  }

  async stop(): Promise<void> {
    for (const [a, b] of this.stranded) {
      a.destroy();
      b.destroy();
    }
    this.stranded.clear();
    await this.cut();
  }
}
