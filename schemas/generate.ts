// Writes schemas/json/*.schema.json from the zod schemas (`npm run schemas:generate`); a test fails when they are stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { jsonSchemaOf, published, type PublishedName } from './json-schemas.ts';

const dir = new URL('./json/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const name of Object.keys(published) as PublishedName[]) {
  writeFileSync(new URL(`${name}.schema.json`, dir), `${JSON.stringify(jsonSchemaOf(name), null, 2)}\n`);
  console.log(`schemas/json/${name}.schema.json`);
}
