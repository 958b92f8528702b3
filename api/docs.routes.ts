import path from 'node:path';
import { Router, type Request, type Response } from 'express';

// GET /docs: the API reference, Swagger UI reading GET /v1/openapi.json. Its files are served from
// node_modules (swagger-ui-dist), never a CDN: the page works where outbound traffic is refused.

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** Only the files the page loads: the package's own index.html would point at Swagger's petstore. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Tongbao API reference</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/swagger-ui-standalone-preset.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io for a badge.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;

export function docsRoutes(): Router {
  const router = Router();
  router.get('/', (_req: Request, res: Response) => {
    res.type('text/html; charset=utf-8').send(PAGE);
  });
  router.get('/init.js', (_req: Request, res: Response) => {
    res.type('text/javascript; charset=utf-8').send(INIT);
  });
  router.get('/:asset', (req: Request, res: Response, next) => {
    const asset = String(req.params.asset);
    if (!Object.hasOwn(ASSETS, asset)) return next();
    res.type(ASSETS[asset]).sendFile(path.join(SWAGGER_UI_DIR, asset), { maxAge: '1h' });
  });
  return router;
}
