/**
 * A proxy the fault suite owns, between two parts that talk over a stream: TCP (a worker and the API) or a
 * unix socket (a worker and the Docker engine). `cut()` destroys every open connection and refuses new ones
 * (the peer sees resets, as when a network path or a daemon goes away); `restore()` forwards again.
 */
import { rmSync } from 'node:fs';
import { createConnection, createServer, type NetConnectOpts, type Server, type Socket } from 'node:net';

export type Endpoint = { port: number; host?: string } | { path: string };

export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private cutUntilRestore = false;
  private server!: Server;
  /** Where clients connect: `http://127.0.0.1:<port>` for TCP, or the socket path. */
  address = '';

  private constructor(private readonly target: Endpoint) {}

  static async start(target: Endpoint, listen: Endpoint = { port: 0, host: '127.0.0.1' }): Promise<CuttableProxy> {
    const proxy = new CuttableProxy(target);
    proxy.server = createServer((client) => proxy.accept(client));
    if ('path' in listen) rmSync(listen.path, { force: true });
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      if ('path' in listen) proxy.server.listen(listen.path, resolve);
      else proxy.server.listen(listen.port, listen.host ?? '127.0.0.1', resolve);
    });
    const address = proxy.server.address();
    proxy.address = typeof address === 'string' ? address : `http://127.0.0.1:${(address as { port: number }).port}`;
    return proxy;
  }

  get isCut(): boolean {
    return this.cutUntilRestore;
  }

  private accept(client: Socket): void {
    if (this.cutUntilRestore) {
      client.destroy();
      return;
    }
    const upstream = createConnection(this.target as NetConnectOpts);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  cut(): void {
    this.cutUntilRestore = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.cutUntilRestore = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
