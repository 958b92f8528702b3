import { z } from 'zod';
import { errorObjectSchema } from './object-schemas';
import { OPERATIONS, type Access, type Operation } from './openapi-operations';

// The OpenAPI 3.1 document of the API (GET /v1/openapi.json), written from OPERATIONS
// (api/openapi-operations.ts): the routes' own zod schemas, as JSON Schema.

const SECURITY: Record<Access, Array<Record<string, string[]>>> = {
  merchant: [{ secretKey: [] }, { consoleSession: [] }],
  console: [{ consoleSession: [] }],
  admin: [{ staffSession: [] }, { adminToken: [] }],
  staff: [{ staffSession: [] }],
  public: [],
  provider: [],
  courier: [{ courierBasic: [] }],
};

type JsonSchema = Record<string, unknown>;

/** zod → JSON Schema 2020-12 (OpenAPI 3.1's dialect); named objects are collected into `components`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema {
  // Refinements (superRefine, refine) have no JSON Schema form: the document states the shape, the route the rest.
  const {
    $schema: _dialect,
    $defs,
    ...rest
  } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>))
    components[id] = toComponentRefs(def);
  return toComponentRefs(rest);
}

function toComponentRefs(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
}

/** `/v1/payments/:id` → `/v1/payments/{id}` */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

/** `getPaymentsById`, `postAdminRefundsByIdRetry`, `getHostedCheckoutSessionsById`: unique, as the test checks. */
function operationId({ method, path }: Operation): string {
  const capital = (word: string) => word[0].toUpperCase() + word.slice(1);
  // The hosted page's `/checkout/…` and the merchant's `/v1/checkout/…` would otherwise share names.
  const words = (
    path.startsWith('/v1/') ? path.slice('/v1'.length) : path.replace(/^\/checkout\//, '/hosted/checkout/')
  )
    .split('/')
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `By${capital(part.slice(1))}` : part))
    .map((part) => capital(part.replace(/[^A-Za-z0-9]+(.)/g, (_, next: string) => next.toUpperCase())));
  return method + words.join('');
}

function queryParameters(schema: z.ZodType, components: Record<string, JsonSchema>) {
  const object = jsonSchema(schema, 'input', components);
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: property,
  }));
}

const ERROR_RESPONSE = {
  description: 'An error (API.md "Errors"): `param` names the field at fault.',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

/** The OpenAPI 3.1 document of every route of OPERATIONS. */
export function openApiDocument(): Record<string, unknown> {
  const components: Record<string, JsonSchema> = {};
  jsonSchema(errorObjectSchema, 'output', components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of OPERATIONS) {
    const pathParameters = [...operation.path.matchAll(/:(\w+)/g)].map(([, name]) => {
      const prefix = operation.ids?.[name];
      return {
        name,
        in: 'path',
        required: true,
        schema: prefix ? { type: 'string', pattern: `^${prefix}_[0-9A-Za-z]{1,64}$` } : { type: 'string' },
      };
    });
    const parameters = [
      ...pathParameters,
      ...(operation.query ? queryParameters(operation.query, components) : []),
      ...(operation.method === 'post' && operation.access !== 'provider' && operation.access !== 'courier'
        ? [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'A retry with the same key answers what the first request answered (API.md).',
              schema: { type: 'string', maxLength: 255 },
            },
          ]
        : []),
    ];
    const success = operation.response
      ? {
          description: operation.summary,
          content: {
            'application/json': {
              schema: jsonSchema(operation.response, 'output', components),
              ...(operation.responseExample !== undefined ? { example: operation.responseExample } : {}),
            },
          },
        }
      : operation.responseType
        ? { description: operation.summary, content: { [operation.responseType]: {} } }
        : {
            description: `${operation.summary} (this answer's schema is not written yet)`,
            content: { 'application/json': { schema: { type: 'object' } } },
          };
    paths[openApiPath(operation.path)] ??= {};
    paths[openApiPath(operation.path)][operation.method] = {
      operationId: operationId(operation),
      summary: operation.summary,
      tags: [operation.tag],
      security: SECURITY[operation.access],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(operation.body
        ? {
            requestBody: {
              required: !operation.bodyOptional,
              content: {
                'application/json': {
                  schema: jsonSchema(operation.body, 'input', components),
                  ...(operation.bodyExample !== undefined ? { example: operation.bodyExample } : {}),
                },
              },
            },
          }
        : {}),
      responses: { [String(operation.status)]: success, default: ERROR_RESPONSE },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tongbao API',
      version: '1',
      description:
        'Payments through Alipay, WeChat Pay and UnionPay. Amounts are integers in fen; lists are paged with `limit` and `starting_after`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    // No jsonSchemaDialect: 3.1's default (the OAS dialect) is JSON Schema 2020-12 with OpenAPI's
    // keywords, which is what z.toJSONSchema writes; Swagger UI warns on any other value.
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        secretKey: {
          type: 'http',
          scheme: 'bearer',
          description: "A merchant's secret key, `sk_test_…` or `sk_live_…`.",
        },
        consoleSession: {
          type: 'apiKey',
          in: 'header',
          name: 'Tongbao-Session',
          description:
            "A console member's Kratos session (the `ory_kratos_session` cookie's value), forwarded by the console's server, with `Tongbao-Merchant: mer_…` naming the merchant and `Tongbao-Mode: test|live` (test by default); the member's role decides what they may do (403 `role_forbidden`). `/v1/console/*` needs no merchant.",
        },
        staffSession: {
          type: 'apiKey',
          in: 'header',
          name: 'Tongbao-Session',
          description:
            "A platform staff member's Kratos session (a `staff` identity), forwarded by the admin console's server. Every `/v1/admin` route needs one that used a second factor (aal2; 403 `mfa_required` otherwise); the staff member's role decides what they may do (403 `role_forbidden`).",
        },
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The platform admin token (TONGBAO_ADMIN_TOKEN): automation, allowed what a superadmin is.',
        },
        courierBasic: { type: 'http', scheme: 'basic', description: "Kratos' courier, with the courier secret." },
      },
    },
  };
}
