"""Small-k k-means for colour palettes: greedy k-means++ and Lloyd's algorithm in numba.

A palette is five centres of a few thousand RGB points, so scikit-learn's ``KMeans``
spends most of its time in Python and thread-pool overhead.  These kernels run every
restart in one compiled call.  All random numbers are drawn beforehand from a numpy
``Generator``, so a seed gives the same centres on every machine and in every worker;
``fastmath`` stays off so that the floating-point results do not depend on the CPU's
vector width.
"""

import numba as nb
import numpy as np


@nb.njit(cache=True)
def _sq_dist(points, i, centre):
    d0 = points[i, 0] - centre[0]
    d1 = points[i, 1] - centre[1]
    d2 = points[i, 2] - centre[2]
    return d0 * d0 + d1 * d1 + d2 * d2


@nb.njit(cache=True)
def _init_pp(points, first, uniforms):
    """Greedy k-means++ (scikit-learn's): ``uniforms`` is (k - 1, n_trials)."""
    n = points.shape[0]
    k = uniforms.shape[0] + 1
    n_trials = uniforms.shape[1]
    centres = np.empty((k, 3))
    centres[0] = points[first]
    closest = np.empty(n)
    for i in range(n):
        closest[i] = _sq_dist(points, i, centres[0])
    cumsum = np.empty(n)
    trial = np.empty(n)
    best_closest = np.empty(n)
    for c in range(1, k):
        total = 0.0
        for i in range(n):
            total += closest[i]
            cumsum[i] = total
        if total <= 0.0:  # fewer distinct colours than clusters: duplicates are fine
            for cc in range(c, k):
                centres[cc] = centres[0]
            break
        best_pot = np.inf
        best_id = 0
        for t in range(n_trials):
            cand = min(np.searchsorted(cumsum, uniforms[c - 1, t] * total), n - 1)
            pot = 0.0
            for i in range(n):
                d = min(closest[i], _sq_dist(points, i, points[cand]))
                trial[i] = d
                pot += d
            if pot < best_pot:
                best_pot, best_id = pot, cand
                best_closest[:] = trial
        centres[c] = points[best_id]
        closest[:] = best_closest
    return centres


@nb.njit(cache=True)
def _assign(points, centres, labels):
    """Nearest centre of every point (first on ties); returns inertia and whether any changed."""
    k = centres.shape[0]
    inertia = 0.0
    changed = False
    for i in range(points.shape[0]):
        best = _sq_dist(points, i, centres[0])
        label = 0
        for c in range(1, k):
            d = _sq_dist(points, i, centres[c])
            if d < best:
                best, label = d, c
        inertia += best
        if labels[i] != label:
            labels[i] = label
            changed = True
    return inertia, changed


@nb.njit(cache=True)
def _lloyd(points, centres, max_iter, tol):
    """Lloyd's iterations from ``centres`` (modified in place); returns labels, inertia.

    Stops when no label changes (the centres are then exactly the means of their
    points) or when the squared centre shift falls to ``tol``.  An empty cluster
    keeps its centre.
    """
    n = points.shape[0]
    k = centres.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    sums = np.empty((k, 3))
    counts = np.empty(k)
    inertia, _ = _assign(points, centres, labels)
    for _ in range(max_iter):
        sums[:] = 0.0
        counts[:] = 0.0
        for i in range(n):
            label = labels[i]
            counts[label] += 1.0
            for j in range(3):
                sums[label, j] += points[i, j]
        shift = 0.0
        for c in range(k):
            if counts[c] > 0:
                for j in range(3):
                    new = sums[c, j] / counts[c]
                    shift += (new - centres[c, j]) ** 2
                    centres[c, j] = new
        inertia, changed = _assign(points, centres, labels)
        if not changed or shift <= tol:
            break
    return labels, inertia


@nb.njit(cache=True)
def _restarts(points, first, uniforms, max_iter, tol):
    """Run one k-means per row of ``first``/``uniforms``; the centres and inertia of each."""
    n_init = first.shape[0]
    k = uniforms.shape[1] + 1
    all_centres = np.empty((n_init, k, 3))
    inertias = np.empty(n_init)
    for r in range(n_init):
        centres = _init_pp(points, first[r], uniforms[r])
        _, inertias[r] = _lloyd(points, centres, max_iter, tol)
        all_centres[r] = centres
    return all_centres, inertias


@nb.njit(cache=True)
def _refine(points, starts, max_iter, tol):
    """Lloyd from each of ``starts`` (n, k, 3); the best centres, labels and inertia."""
    best_inertia = np.inf
    best_centres = starts[0].copy()
    best_labels = np.zeros(points.shape[0], dtype=np.int64)
    for r in range(starts.shape[0]):
        centres = starts[r].copy()
        labels, inertia = _lloyd(points, centres, max_iter, tol)
        if inertia < best_inertia:
            best_inertia, best_centres, best_labels = inertia, centres, labels
    return best_centres, best_labels, best_inertia


def kmeans(points, n_colors, seed, n_init=8, n_coarse=1024, n_refine=2, max_iter=100, tol=1e-4):
    """k-means of ``(n, 3)`` points: ``(centres, counts, inertia)`` of the best restart.

    ``n_init`` greedy k-means++ restarts run on a seeded subsample of ``n_coarse``
    points (a quarter of the cost of restarting on 4096); the ``n_refine`` best are
    then refined on every point, because the coarse ranking of near-tied basins is
    noisy.  ``tol`` is relative to the mean variance of the points, as in
    scikit-learn.
    """
    rng = np.random.default_rng(seed)
    points = np.ascontiguousarray(points, dtype=np.float64)
    coarse = points
    if len(points) > 2 * n_coarse:
        coarse = points[np.sort(rng.choice(len(points), n_coarse, replace=False))]
    n_trials = 2 + int(np.log(n_colors))
    first = rng.integers(len(coarse), size=n_init)
    uniforms = rng.random((n_init, n_colors - 1, n_trials))
    tol = tol * float(points.var(0).mean())
    centres, inertias = _restarts(coarse, first, uniforms, max_iter, tol)
    # A stable sort keeps ties in restart order, so the choice is reproducible.
    centres = centres[np.argsort(inertias, kind="stable")[:n_refine]]
    best, labels, inertia = _refine(points, centres, max_iter, tol)
    # One more step makes the centres exact means of their points (cheaper than
    # iterating until no label changes, which can take dozens of tiny steps).
    labels, inertia = _lloyd(points, best, 1, tol)
    counts = np.bincount(labels, minlength=n_colors)
    return best, counts, float(inertia)
