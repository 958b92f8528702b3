import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig(({ command }) => ({
  plugins: [
    // `npm run build` compiles the messages first with Paraglide's CLI (`npm run i18n`, the same
    // options as here): the plugin's compile leaves timers of inlang's lix SDK pending, which keep
    // `vite build` from exiting for about 30 s. In `vite dev` the plugin recompiles on every edit.
    ...(command === 'serve'
      ? [
          paraglideVitePlugin({
            project: './project.inlang',
            outdir: './src/lib/paraglide',
            // The locale of each request is decided in hooks.server.ts (?lang, cookie, the session's
            // locale) and read back through overwriteGetLocale; no built-in strategy knows the session.
            strategy: ['baseLocale'],
            emitGitIgnore: false,
            emitPrettierIgnore: false,
            emitReadme: false,
          }),
        ]
      : []),
    sveltekit(),
  ],
}));
