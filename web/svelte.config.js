import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: 'build', precompress: false }),
    alias: {
      // The API's OpenAPI document as TypeScript types (`npm run openapi` at the repository's root):
      // the consoles' typed client (src/lib/server/console-api.ts). Types only: nothing of it is bundled.
      '$api-types': '../api/openapi-types.ts',
    },
    csrf: {
      // UnionPay brings the shopper back with a cross-site form POST to /pay/<cs_id> (its
      // frontUrl). SvelteKit's origin check would refuse it before any hook runs, so the
      // same check is made in hooks.server.ts, which lets through only that one harmless POST.
      trustedOrigins: ['*'],
    },
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'frame-ancestors': ['none'],
      },
    },
  },
};

export default config;
