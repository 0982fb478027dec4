// drizzle-kit configuration: `npm run db:generate` diffs core/db/schema.ts against migrations/ and writes the next SQL migration.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './core/db/schema.ts',
  out: './migrations',
  strict: true,
  verbose: true,
});
