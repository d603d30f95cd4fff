/** GET /languages: every translator, its version in the sandbox image and its limits (language-catalogue.ts). */
import { LanguagesResponseSchema } from '@conveyor/shared';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LanguageCatalogue } from './language-catalogue.js';

export interface LanguagesRoutesOptions {
  catalogue: LanguageCatalogue;
}

export const languagesRoutes: FastifyPluginAsyncTypebox<LanguagesRoutesOptions> = async (app, { catalogue }) => {
  app.get(
    '/languages',
    {
      schema: {
        tags: ['tasks'],
        summary: 'The translators a code task may name, their versions and limits',
        description:
          'No session needed. The list is the translator table; each `version` is read from the sandbox image by a code worker and cached (refreshed in the background after 5 minutes). When no code worker answers within about 2 s, it is still 200: `probed_at` and every `version` are null and the limits are the default settings.',
        response: { 200: LanguagesResponseSchema },
      },
    },
    async () => catalogue.get(),
  );
};
