"""The manifest planning instance as a mixed-integer program for HiGHS (drawdown bench plan).

Input: a JSON file written by plan_highs.rs: departures sorted by time ([minutes, seats]), the
households aggregated into classes ([seats, people, priority, lo, hi, count]: interchangeable
households whose window is the departures lo..hi-1), gate, holding, weights, flight cost.

Model (the same as drawdown-planner's, see docs/planner.md):
  n[c,d] integer in [0, count_c]  households of class c on departure d (d in c's window)
  y[d]   binary                   departure d is flown
  p[k]   in [0, G]                people passed by the gate in hour k
  s[k]   in [0, H]                people in holding at the end of hour k (s[-1] = 0)
  max  sum w_c seats_c n[c,d] - C sum seats_d y[d]
  s.t. sum_c seats_c n[c,d] <= seats_d y[d]         (seats; nobody on an unflown departure)
       sum_d n[c,d] <= count_c                       (each household at most once)
       s[k] = s[k-1] + p[k] - sum_{d in hour k} people_c n[c,d]   (gate and holding)
Prints one JSON line: objective, bound, gap, status, seconds (build and solve).
"""
import json
import math
import sys
import time

import numpy as np
import highspy


def main():
    path, limit = sys.argv[1], float(sys.argv[2])
    started = time.time()
    with open(path) as f:
        data = json.load(f)
    deps = np.array(data["departures"], dtype=np.int64).reshape(-1, 2)
    classes = np.array(data["classes"], dtype=np.int64).reshape(-1, 6)
    G, H, C = data["gate"], data["holding"], data["flight_cost"]
    weights = np.array(data["weights"], dtype=np.float64)
    nd, nc = len(deps), len(classes)
    dep_hour = deps[:, 0] // 60
    hours = int(dep_hour.max()) + 1 if nd else 0

    # Rows: seat_d (0..nd), class_c (nd..nd+nc), hold_k (nd+nc..).
    row_seat, row_class, row_hold = 0, nd, nd + nc
    n_rows = nd + nc + hours
    lower = np.concatenate([np.full(nd, -highspy.kHighsInf), np.full(nc, -highspy.kHighsInf), np.zeros(hours)])
    upper = np.concatenate([np.zeros(nd), classes[:, 5].astype(np.float64), np.zeros(hours)])

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", limit)
    h.addRows(n_rows, lower, upper, 0, np.zeros(n_rows + 1, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))

    def add(cost, lo, hi, starts, idx, val):
        h.addCols(len(cost), cost, lo, hi, len(idx), starts.astype(np.int32), idx.astype(np.int32), val.astype(np.float64))

    # y_d: one entry in seat_d.
    add(-C * deps[:, 1].astype(np.float64), np.zeros(nd), np.ones(nd),
        np.arange(nd), row_seat + np.arange(nd), -deps[:, 1])
    # p_k: -1 in hold_k.
    add(np.zeros(hours), np.zeros(hours), np.full(hours, float(G)),
        np.arange(hours), row_hold + np.arange(hours), -np.ones(hours))
    # s_k: +1 in hold_k, -1 in hold_{k+1}.
    idx, val, starts = [], [], []
    for k in range(hours):
        starts.append(len(idx))
        idx.append(row_hold + k); val.append(1.0)
        if k + 1 < hours:
            idx.append(row_hold + k + 1); val.append(-1.0)
    add(np.zeros(hours), np.zeros(hours), np.full(hours, float(H)),
        np.array(starts), np.array(idx), np.array(val))
    # n_cd for d in lo..hi: entries seat_d, class_c, hold_{hour(d)}.
    lens = classes[:, 4] - classes[:, 3]
    cls = np.repeat(np.arange(nc), lens)
    offs = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens)
    d = classes[cls, 3] + offs
    m = len(d)
    seats, people, prio, count = classes[cls, 0], classes[cls, 1], classes[cls, 2], classes[cls, 5]
    chunk = 1_000_000
    for a in range(0, m, chunk):
        b = min(m, a + chunk)
        k = b - a
        idx = np.empty(3 * k, dtype=np.int64)
        idx[0::3] = row_seat + d[a:b]
        idx[1::3] = row_class + cls[a:b]
        idx[2::3] = row_hold + dep_hour[d[a:b]]
        val = np.empty(3 * k)
        val[0::3] = seats[a:b]
        val[1::3] = 1.0
        val[2::3] = people[a:b]
        add(weights[prio[a:b] - 1] * seats[a:b], np.zeros(k), count[a:b].astype(np.float64),
            np.arange(k) * 3, idx, val)
    n_cols = nd + 2 * hours + m
    integrality = np.zeros(n_cols, dtype=np.uint8)
    integrality[:nd] = 1
    integrality[nd + 2 * hours:] = 1
    h.changeColsIntegrality(n_cols, np.arange(n_cols, dtype=np.int32), integrality)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    built = time.time()
    h.setOptionValue("time_limit", max(1.0, limit - (built - started)))
    h.run()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    has_solution = info.primal_solution_status == 2

    def finite(x):
        return x if x is not None and math.isfinite(x) else None

    print(json.dumps({
        "objective": finite(info.objective_function_value) if has_solution else None,
        "bound": finite(info.mip_dual_bound),
        "gap": finite(info.mip_gap),
        "status": status,
        "columns": n_cols,
        "rows": n_rows,
        "build_s": built - started,
        "total_s": time.time() - started,
        "version": highspy.__version__ if hasattr(highspy, "__version__") else "",
    }))


if __name__ == "__main__":
    main()
