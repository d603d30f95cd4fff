/**
 * The baseline of bench/status-throughput.ts: a bare Fastify server (defaults, no logger, no plugins) whose
 * one route, GET /status/:task_id, answers the JSON it was given. Run as its own process, as the API is.
 *
 *   node bench/bare-json-server.ts <port> <json>
 */
import Fastify from 'fastify';

const [port, json] = process.argv.slice(2);
const body = JSON.parse(json ?? '{}') as unknown;
const app = Fastify();
app.get('/status/:task_id', async () => body);
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
