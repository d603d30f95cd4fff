export { type ApiConfig, readApiConfig } from './config.js';
export { type StartApiOptions, startApi } from './start-api.js';
export { type ClientLimits, clientLimits } from './web/client-limits.js';
