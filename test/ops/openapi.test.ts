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
