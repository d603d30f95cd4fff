/**
 * A worker's own tiny HTTP endpoint for orchestrators and Prometheus: GET /healthz (the process is alive
 * and not wedged: 503 tells a supervisor to restart it), GET /readyz (200 or 503 with details such as the
 * broker connection), GET /metrics (the registry).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthCheck {
  ready: boolean;
  details?: Record<string, unknown>;
}

export interface HealthServerOptions {
  port: number;
  host?: string;
  check: () => HealthCheck;
  /** Liveness beyond "the process answers" (say, no task stuck); 200 when absent. */
  live?: () => HealthCheck;
  registry?: Registry;
}

export interface HealthServer {
  server: Server;
  /** e.g. http://127.0.0.1:9101 */
  url: string;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(405, { error: 'method_not_allowed', message: 'only GET is served here' });
      return;
    }
    const run = (check: () => HealthCheck): HealthCheck => {
      try {
        return check();
      } catch (error) {
        return { ready: false, details: { error: (error as Error).message } };
      }
    };
    if (path === '/healthz') {
      const live = options.live ? run(options.live) : { ready: true };
      send(live.ready ? 200 : 503, { status: live.ready ? 'ok' : 'wedged', ...live.details });
      return;
    }
    if (path === '/readyz') {
      const check = run(options.check);
      send(check.ready ? 200 : 503, { status: check.ready ? 'ready' : 'not_ready', ...check.details });
      return;
    }
    if (path === '/metrics' && options.registry) {
      const registry = options.registry;
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => send(500, { error: 'metrics_failed', message: error.message }),
      );
      return;
    }
    send(404, { error: 'not_found', message: 'try /healthz, /readyz or /metrics' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
