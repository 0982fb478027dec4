// Writes schemas/openapi.json (the API's OpenAPI 3.1 document, built from the routes without starting a server) and
// cli/generated/api-types.ts (its TypeScript types, by openapi-typescript, for the CLI's openapi-fetch client):
// `npm run openapi:generate`. test/ops/openapi.test.ts fails when either is stale.
import { writeFile } from 'node:fs/promises';
import openapiTS, { astToString } from 'openapi-typescript';
import { pino } from 'pino';
import { createApi, OPENAPI_INFO, type ApiDeps } from '../api/app.ts';

export const OPENAPI_FILE = new URL('../schemas/openapi.json', import.meta.url);
export const TYPES_FILE = new URL('../cli/generated/api-types.ts', import.meta.url);

/** The document and its types as the committed files hold them. */
export async function generateOpenApi(): Promise<{ json: string; types: string }> {
  // Building the routes reads only the API settings and the logger; nothing here touches a database, IPFS node or
  // chain, which the document does not depend on (the handlers that would use them never run).
  const deps = {
    config: { api: { host: '127.0.0.1', port: 0, apiKeys: [], corsOrigins: [], rateLimitPerMin: 600 } },
    log: pino({ level: 'silent' }),
  } as unknown as ApiDeps;
  const doc = createApi(deps).getOpenAPI31Document(OPENAPI_INFO);
  const json = `${JSON.stringify(doc, null, 2)}\n`;
  const ast = await openapiTS(JSON.parse(json) as Parameters<typeof openapiTS>[0]);
  const types = `// Generated from schemas/openapi.json by scripts/openapi.ts (npm run openapi:generate); do not edit.\n${astToString(ast)}`;
  return { json, types };
}

if (import.meta.main) {
  const { json, types } = await generateOpenApi();
  await writeFile(OPENAPI_FILE, json);
  await writeFile(TYPES_FILE, types);
  console.log('schemas/openapi.json\ncli/generated/api-types.ts');
}
