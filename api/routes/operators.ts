// /v1/operators: registered operators with their track record (answered, agreed, invalid, slashed).
import { createRoute } from '@hono/zod-openapi';
import { newRouter } from '../router.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { AddressParam, errorResponses, OperatorDetail, OperatorList } from '../openapi.ts';
import { getOperator, listOperators, operatorResponses } from '../queries.ts';
import { operatorJson, operatorResponseJson } from '../views.ts';

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Registered operators and their records',
  responses: {
    200: { description: 'operators', content: { 'application/json': { schema: OperatorList } } },
    ...errorResponses,
  },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/{address}',
  summary: 'One operator and its recent responses as prover or notary',
  request: { params: AddressParam },
  responses: {
    200: { description: 'the operator', content: { 'application/json': { schema: OperatorDetail } } },
    ...errorResponses,
  },
});

export function operatorsRouter(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(listRoute, async (c) => c.json({ items: (await listOperators(deps.db)).map(operatorJson) }, 200));
  app.openapi(detailRoute, async (c) => {
    const { address } = c.req.valid('param');
    const op = await getOperator(deps.db, address);
    if (!op) throw notFound('operator', address, 'address');
    const rs = await operatorResponses(deps.db, op.address);
    return c.json({ ...operatorJson(op), responses: rs.map((r) => operatorResponseJson(op.address, r)) }, 200);
  });
  return app;
}
