/**
 * Writes docs/configuration.md (or the path given) from the settings table.
 *   npm run docs:config [-- <path>]
 */
import { writeFileSync } from 'node:fs';
import { renderConfigurationDoc, SETTINGS } from '@conveyor/shared';

const target = process.argv[2] ?? new URL('../docs/configuration.md', import.meta.url).pathname;
writeFileSync(target, renderConfigurationDoc(SETTINGS));
