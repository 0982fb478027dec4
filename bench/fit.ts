// Least-squares fit of the MPC-TLS cost model y = fixed + perKbSent·sentKB + perKbRecv·recvKB over measured cells.
//
// Three unknowns, so the normal equations (XᵀX)β = Xᵀy are a 3×3 system, solved by Gaussian elimination with
// partial pivoting. Small and exact enough for a dozen cells; no dependency needed.

export type CostPoint = { sentKb: number; recvKb: number; y: number };
export type CostModel = { fixed: number; perKbSent: number; perKbRecv: number; r2: number; n: number };

export function fitCostModel(points: readonly CostPoint[]): CostModel | undefined {
  if (points.length < 3) return undefined;
  const rows = points.map((p) => [1, p.sentKb, p.recvKb]);
  const a = [0, 1, 2].map((i) => [0, 1, 2].map((j) => rows.reduce((s, r) => s + r[i]! * r[j]!, 0)));
  const b = [0, 1, 2].map((i) => rows.reduce((s, r, k) => s + r[i]! * points[k]!.y, 0));
  const beta = solve3(a, b);
  if (!beta) return undefined;
  const predict = (p: CostPoint) => beta[0]! + beta[1]! * p.sentKb + beta[2]! * p.recvKb;
  const mean = points.reduce((s, p) => s + p.y, 0) / points.length;
  const ssRes = points.reduce((s, p) => s + (p.y - predict(p)) ** 2, 0);
  const ssTot = points.reduce((s, p) => s + (p.y - mean) ** 2, 0);
  return {
    fixed: beta[0]!,
    perKbSent: beta[1]!,
    perKbRecv: beta[2]!,
    r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot,
    n: points.length,
  };
}

/** Solves a 3×3 system; undefined when singular (e.g. every cell has the same sent limit). */
function solve3(a: number[][], b: number[]): number[] | undefined {
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-12) return undefined;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c < 4; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return [0, 1, 2].map((i) => m[i]![3]! / m[i]![i]!);
}
