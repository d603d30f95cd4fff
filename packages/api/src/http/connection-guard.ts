/**
 * Caps the connections one client address holds open at once: a client opening hundreds of slow or idle
 * connections would otherwise use up the server's sockets and memory. Over the cap, a new connection is
 * closed at once. The address is the TCP peer's: behind a reverse proxy every client shares the proxy's
 * address, so raise CONNECTIONS_PER_ADDRESS (or set it to 0) there and cap per client at the proxy.
 */
import type { Server, Socket } from 'node:net';

export function capConnectionsPerAddress(server: Server, max: number): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
