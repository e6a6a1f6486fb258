/**
 * Exact linear assignment for the trackers.
 *
 * solveSquareAssignment is the shortest-augmenting-path method (Jonker-Volgenant style, as described
 * by Crouse, "On implementing 2D rectangular assignment algorithms", 2016) in the form SciPy's
 * linear_sum_assignment uses, including its tie rules (a column reached at the lowest cost is
 * preferred when it is free; columns are scanned from the last one down), so equal-cost optima
 * resolve the way SciPy resolves them.
 *
 * linearAssignment is Ultralytics' matching.linear_assignment on its lap.lapjv path: lapjv with
 * extend_cost=True and a finite cost_limit solves the (n+m)x(n+m) matrix with the costs top-left,
 * cost_limit/2 in both padding blocks and 0 bottom-right; a row matched into the padding is unmatched.
 */

export interface Assignment {
  /** [row, col] pairs, by increasing row */
  matches: [number, number][];
  unmatchedRows: number[];
  unmatchedCols: number[];
}

/** Optimal column of each row of a square n x n row-major cost matrix (minimum total cost). */
export function solveSquareAssignment(cost: Float64Array, n: number): Int32Array {
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  const shortest = new Float64Array(n);
  const path = new Int32Array(n).fill(-1);
  const col4row = new Int32Array(n).fill(-1);
  const row4col = new Int32Array(n).fill(-1);
  const rowSeen = new Uint8Array(n);
  const colSeen = new Uint8Array(n);
  const remaining = new Int32Array(n);

  for (let curRow = 0; curRow < n; curRow++) {
    let minVal = 0;
    let i = curRow;
    let numRemaining = n;
    for (let it = 0; it < n; it++) remaining[it] = n - it - 1;
    rowSeen.fill(0);
    colSeen.fill(0);
    shortest.fill(Infinity);
    let sink = -1;
    while (sink === -1) {
      let index = -1;
      let lowest = Infinity;
      rowSeen[i] = 1;
      for (let it = 0; it < numRemaining; it++) {
        const j = remaining[it]!;
        const r = minVal + cost[i * n + j]! - u[i]! - v[j]!;
        if (r < shortest[j]!) {
          path[j] = i;
          shortest[j] = r;
        }
        if (shortest[j]! < lowest || (shortest[j] === lowest && row4col[j] === -1)) {
          lowest = shortest[j]!;
          index = it;
        }
      }
      minVal = lowest;
      if (minVal === Infinity) throw new RangeError('cost matrix is infeasible');
      const j = remaining[index]!;
      if (row4col[j] === -1) sink = j;
      else i = row4col[j]!;
      colSeen[j] = 1;
      remaining[index] = remaining[--numRemaining]!;
    }
    u[curRow] += minVal;
    for (let r = 0; r < n; r++) if (rowSeen[r] && r !== curRow) u[r] += minVal - shortest[col4row[r]!]!;
    for (let c = 0; c < n; c++) if (colSeen[c]) v[c] -= minVal - shortest[c]!;
    let j = sink;
    for (;;) {
      const r = path[j]!;
      row4col[j] = r;
      const previous = col4row[r]!;
      col4row[r] = j;
      j = previous;
      if (r === curRow) break;
    }
  }
  return col4row;
}

/**
 * Ultralytics matching.linear_assignment(cost, thresh): matches of the extended problem whose
 * cost is at most worth leaving both sides unmatched (cost_limit = thresh).
 * @param cost rows x cols, row-major
 */
export function linearAssignment(cost: ArrayLike<number>, rows: number, cols: number, thresh: number): Assignment {
  if (rows === 0 || cols === 0) {
    return { matches: [], unmatchedRows: range(rows), unmatchedCols: range(cols) };
  }
  const n = rows + cols;
  const ext = new Float64Array(n * n).fill(thresh / 2);
  for (let r = rows; r < n; r++) ext.fill(0, r * n + cols, r * n + n);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) ext[r * n + c] = cost[r * cols + c]!;
  const col4row = solveSquareAssignment(ext, n);
  const matches: [number, number][] = [];
  const colMatched = new Uint8Array(cols);
  const unmatchedRows: number[] = [];
  for (let r = 0; r < rows; r++) {
    const c = col4row[r]!;
    if (c < cols) {
      matches.push([r, c]);
      colMatched[c] = 1;
    } else unmatchedRows.push(r);
  }
  const unmatchedCols = range(cols).filter((c) => !colMatched[c]);
  return { matches, unmatchedRows, unmatchedCols };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
