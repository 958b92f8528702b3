import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import pino from 'pino';
import { appConfigFromEnv } from '../runtime/config';
import { createApp } from './app';
import type { ApiDeps } from './deps';
import { openApiDocument } from './openapi';
import { OPERATIONS } from './openapi-operations';
import { generatedOpenApiFiles } from './openapi-files';

// The document must describe every route the app serves, and the committed files generated from it
// must be what the code generates now. `npm run openapi` (TONGBAO_WRITE_OPENAPI=1) rewrites them.

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
}

/** Every `METHOD /path` Express routes to a handler, mounts included (`app.use('/v1', router)`). */
function registeredRoutes(stack: Layer[], prefix = ''): string[] {
  const routes: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const method of Object.keys(layer.route.methods))
        for (const path of paths) routes.push(`${method.toUpperCase()} ${joinPath(prefix, path)}`);
    } else if (layer.handle.stack) {
      const mount = typeof layer.rawPath === 'string' ? layer.rawPath : '';
      routes.push(...registeredRoutes(layer.handle.stack, joinPath(prefix, mount)));
    }
  }
  return routes;
}

const joinPath = (prefix: string, path: string) =>
  (prefix + (path === '/' ? '' : path) || '/').replace(/\/+$/, '') || '/';

function anApp() {
  // Building the app connects to nothing: the services keep their dependencies until a request comes.
  const deps = {
    config: appConfigFromEnv({ TONGBAO_ENCRYPTION_KEY: 'unused', TONGBAO_ADMIN_TOKEN: 'unused' }),
    logger: pino({ level: 'silent' }),
  } as unknown as ApiDeps;
  return createApp(deps);
}

test('every route the app serves is in the document, and the document names no route the app lacks', () => {
  const app = anApp() as unknown as { router: { stack: Layer[] } };
  const registered = new Set(registeredRoutes(app.router.stack));
  const documented = new Set(OPERATIONS.map(({ method, path }) => `${method.toUpperCase()} ${path}`));
  expect([...registered].filter((route) => !documented.has(route)).sort()).toEqual([]);
  expect([...documented].filter((route) => !registered.has(route)).sort()).toEqual([]);
  // A walk that found nothing would pass the first check: make sure it found the routes.
  expect(registered.has('POST /v1/payments')).toBe(true);
  expect(registered.has('GET /v1/admin/merchants')).toBe(true);
});

test('every operation has its own operationId (the generated client names them)', () => {
  const document = openApiDocument() as { paths: Record<string, Record<string, { operationId: string }>> };
  const ids = Object.values(document.paths).flatMap((operations) =>
    Object.values(operations).map((operation) => operation.operationId),
  );
  expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
  expect(ids).toHaveLength(OPERATIONS.length);
});

test('every schema of the document compiles as JSON Schema 2020-12, and every $ref resolves', () => {
  const document = openApiDocument() as {
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, unknown> };
  };
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  ajv.addSchema({ components: document.components }, 'openapi');
  const text = JSON.stringify(document.paths);
  for (const [, id] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g))
    expect(Object.keys(document.components.schemas)).toContain(id);
  let compiled = 0;
  for (const operations of Object.values(document.paths))
    for (const operation of Object.values(operations) as Array<{
      responses: Record<string, { content?: Record<string, { schema?: object }> }>;
    }>)
      for (const response of Object.values(operation.responses)) {
        const schema = response.content?.['application/json']?.schema;
        if (!schema) continue;
        ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')));
        compiled++;
      }
  expect(compiled).toBeGreaterThan(OPERATIONS.length);
});

test('every example of the document is valid against its own schema', () => {
  const document = openApiDocument() as { paths: Record<string, Record<string, unknown>>; components: object };
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  ajv.addSchema({ components: document.components }, 'openapi');
  for (const [path, operations] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(operations) as Array<
      [
        string,
        {
          requestBody?: { content: Record<string, { schema: object; example?: unknown }> };
          responses: Record<string, { content?: Record<string, { schema?: object; example?: unknown }> }>;
        },
      ]
    >) {
      const media = [
        operation.requestBody?.content['application/json'],
        ...Object.values(operation.responses).map((response) => response.content?.['application/json']),
      ];
      for (const content of media) {
        if (!content?.schema || content.example === undefined) continue;
        const validate = ajv.compile(
          JSON.parse(JSON.stringify(content.schema).replaceAll('"#/components/', '"openapi#/components/')),
        );
        expect({
          operation: `${method} ${path}`,
          valid: validate(content.example),
          errors: validate.errors ?? null,
        }).toEqual({ operation: `${method} ${path}`, valid: true, errors: null });
      }
    }
});

test('the committed api/openapi.json and api/openapi-types.ts are what the code generates now (npm run openapi)', async () => {
  for (const file of generatedOpenApiFiles()) {
    if (process.env.TONGBAO_WRITE_OPENAPI === '1') fs.writeFileSync(file.path, file.text);
    const committed = fs.existsSync(file.path) ? fs.readFileSync(file.path, 'utf8') : '';
    // Not toEqual on the whole text: a failure would print two large files.
    expect({ file: file.path, upToDate: committed === file.text }).toEqual({ file: file.path, upToDate: true });
  }
});
