// Routes as data: each declares its schemas once; the same schemas validate requests and make /openapi.json.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { ApiError } from './errors.js';
import { controlCharacterMessage } from './text.js';

export interface RouteDef<B extends TSchema, Q extends TSchema, P extends TSchema> {
  method: 'get' | 'post' | 'delete' | 'put';
  /** Express-style path, e.g. /videos/:id. */
  path: string;
  summary: string;
  tags: string[];
  auth: boolean;
  body?: B;
  query?: Q;
  params?: P;
  responses: Record<number, { description: string; schema?: TSchema }>;
  handler: (input: {
    body: Static<B>;
    query: Static<Q>;
    params: Static<P>;
    userId: string;
    req: Request;
    res: Response;
  }) => Promise<{ status?: number; body?: unknown; headers?: Record<string, string> }>;
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of routes
export type AnyRoute = RouteDef<any, any, any>;

export const defineRoute = <
  B extends TSchema = TSchema,
  Q extends TSchema = TSchema,
  P extends TSchema = TSchema,
>(
  r: RouteDef<B, Q, P>,
) => r;

function validator(where: 'body' | 'query' | 'path', schema: TSchema | undefined) {
  if (!schema) return (v: unknown) => v;
  const check = TypeCompiler.Compile(schema);
  return (raw: unknown) => {
    // Query and path values arrive as strings; convert "20" to 20 before checking, as the schema says.
    const value = where === 'body' ? raw : Value.Default(schema, Value.Convert(schema, raw));
    if (check.Check(value)) return value;
    const seen = new Set<string>();
    const errors = [...check.Errors(value)]
      .map((e) => ({
        field: `${where}${e.path.replaceAll('/', '.')}` || where,
        message:
          controlCharacterMessage(e.schema, e.value) ??
          (e.schema as { errorMessage?: string }).errorMessage ??
          e.message,
      }))
      // One field failing two keywords (format and pattern) says the same thing twice.
      .filter((e) => !seen.has(`${e.field}\0${e.message}`) && seen.add(`${e.field}\0${e.message}`))
      .slice(0, 10);
    const first = errors[0];
    throw new ApiError(
      'validation_failed',
      first ? `${first.field}: ${first.message}` : `invalid ${where}`,
      errors,
    );
  };
}

export function mount(router: Router, routes: AnyRoute[], authenticate: RequestHandler): void {
  for (const r of routes) {
    const body = validator('body', r.body);
    const query = validator('query', r.query);
    const params = validator('path', r.params);
    const handlers: RequestHandler[] = r.auth ? [authenticate] : [];
    handlers.push(async (req: Request, res: Response, next: NextFunction) => {
      try {
        if (r.body && (req.body === undefined || typeof req.body !== 'object')) {
          throw new ApiError('bad_request', 'Send a JSON body with Content-Type: application/json.');
        }
        const out = await r.handler({
          body: body(req.body) as never,
          query: query({ ...req.query }) as never,
          params: params({ ...req.params }) as never,
          userId: req.userId ?? '',
          req,
          res,
        });
        for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
        const status = out.status ?? 200;
        if (out.body === undefined) res.status(status).end();
        else res.status(status).json(out.body);
      } catch (error) {
        next(error);
      }
    });
    router[r.method](r.path, ...handlers);
  }
}

/** The OpenAPI 3.1 document for the routes; TypeBox schemas are JSON Schema already. */
export function openApiDocument(routes: AnyRoute[], info: { title: string; version: string }): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  const clean = (s: TSchema) => JSON.parse(JSON.stringify(s));
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...Object.entries((r.params?.properties ?? {}) as Record<string, TSchema>).map(([name, schema]) => ({
        name,
        in: 'path',
        required: true,
        schema: clean(schema),
      })),
      ...Object.entries((r.query?.properties ?? {}) as Record<string, TSchema>).map(([name, schema]) => ({
        name,
        in: 'query',
        required: (r.query?.required ?? []).includes(name),
        schema: clean(schema),
      })),
    ];
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      tags: r.tags,
      ...(r.auth ? { security: [{ bearer: [] }] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: clean(r.body) } } } }
        : {}),
      responses: Object.fromEntries(
        Object.entries({
          ...r.responses,
          ...(r.auth ? { 401: { description: 'missing or invalid token', schema: ProblemSchema } } : {}),
        }).map(([code, resp]) => [
          code,
          {
            description: resp.description,
            ...(resp.schema
              ? {
                  content: {
                    [Number(code) >= 400 ? 'application/problem+json' : 'application/json']: {
                      schema: clean(resp.schema),
                    },
                  },
                }
              : {}),
          },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    request_id: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { description: 'RFC 9457 problem details' },
);
