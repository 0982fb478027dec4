// One factory for every OpenAPI router, so each shares the validation hook (failures → 400 naming the field).
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { zodToVeritasError } from '../schemas/common.ts';
import type { ApiEnv } from './middleware.ts';

const TARGET_NAMES: Record<string, string> = { json: 'body', query: 'query', param: 'path', header: 'header' };

export const newRouter = (): OpenAPIHono<ApiEnv> =>
  new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success)
        throw zodToVeritasError(result.error, TARGET_NAMES[result.target] ?? result.target, 'INPUT_INVALID');
    },
  });

/**
 * A response whose JSON body is already serialized (a cached record, bytes from IPFS, a JSONL stream). Its shape was
 * checked when it was built, so it is typed `never` to satisfy the route's declared JSON type without re-parsing.
 */
export const preserialized = (response: Response): never => response as never;

export type { Context };
