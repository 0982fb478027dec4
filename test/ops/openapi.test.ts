// The committed OpenAPI document and the client types generated from it match the current routes and schemas
// (run `npm run openapi:generate` when this fails), and the document says how to send the API key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { generateOpenApi, OPENAPI_FILE, TYPES_FILE } from '../../scripts/openapi.ts';

test('schemas/openapi.json and cli/generated/api-types.ts are generated from the current API (npm run openapi:generate)', async () => {
  const { json, types } = await generateOpenApi();
  assert.equal(await readFile(OPENAPI_FILE, 'utf8'), json, 'schemas/openapi.json is stale');
  assert.equal(await readFile(TYPES_FILE, 'utf8'), types, 'cli/generated/api-types.ts is stale');
  const doc = JSON.parse(json) as {
    openapi: string;
    components: { securitySchemes: Record<string, { scheme?: string; description?: string }> };
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(doc.components.securitySchemes.apiKey?.scheme, 'bearer');
  assert.match(doc.components.securitySchemes.apiKey?.description ?? '', /X-API-Key/);
  assert.deepEqual(doc.paths['/v1/requests']?.post?.security, [{ apiKey: [] }]);
});

test('every JSON response is typed: proved records, bundles, Croissant, SSE event data and errors are components', async () => {
  const doc = JSON.parse((await generateOpenApi()).json) as {
    components: {
      schemas: Record<string, { type?: string; properties?: Record<string, unknown>; required?: string[] }>;
    };
    paths: Record<
      string,
      Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
    >;
  };
  const s = doc.components.schemas;
  for (const name of [
    'ProvedRecord',
    'ProvenanceBundle',
    'Croissant',
    'SseHello',
    'RequestEvent',
    'RequestSummary',
    'Error',
  ])
    assert.ok(Object.keys(s[name]?.properties ?? {}).length > 0, `${name} has typed properties`);
  assert.deepEqual(s.ProvedRecord!.required?.sort(), ['merkleRoot', 'proof', 'record', 'recordHash']);
  assert.ok(s.ProvenanceBundle!.properties!.attestation, 'the bundle names its attestation');
  // no response body is an untyped object: each JSON answer is a component or has properties of its own
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods))
      for (const [status, response] of Object.entries(op.responses))
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (!type.includes('json') || type === 'application/jsonl') continue;
          const schema = media.schema as { $ref?: string; properties?: unknown; additionalProperties?: unknown };
          assert.ok(
            schema.$ref !== undefined || schema.properties !== undefined,
            `${method.toUpperCase()} ${path} ${status} ${type} is typed`,
          );
        }
});
