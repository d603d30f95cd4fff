/** `npm run openapi`: writes the OpenAPI document generated from the route schemas to the given path. */
import { writeFile } from 'node:fs/promises';
import { createInProcessControlBus, createLogger, PublishError } from '@conveyor/shared';
import { Registry } from 'prom-client';
import { createApiServer } from './api-server.js';
import { readApiConfig } from './config.js';

const target = process.argv[2] ?? 'docs/openapi.json';
const { app } = await createApiServer({
  config: readApiConfig({}),
  logger: createLogger({ service: 'openapi', level: 'silent', pretty: false }),
  registry: new Registry(),
  // Nothing is published while generating the document.
  publisher: {
    publish: async () => {
      throw new PublishError('offline');
    },
    isReady: () => false,
    close: async () => {},
  },
  control: createInProcessControlBus(),
});
await app.ready();
await writeFile(target, `${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
console.log(`wrote ${target}`);
