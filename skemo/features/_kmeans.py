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


@nb.njit(cache=True, nogil=True)
def _dist_to(points, cx, cy, cz, out):
    """Squared distances of every point (3, n) to one centre, into ``out``."""
    x, y, z = points[0], points[1], points[2]
    for i in range(x.shape[0]):
        d0 = x[i] - cx
        d1 = y[i] - cy
        d2 = z[i] - cz
        out[i] = d0 * d0 + d1 * d1 + d2 * d2


@nb.njit(cache=True, nogil=True)
def _init_pp(points, first, uniforms):
    """Greedy k-means++ (scikit-learn's): ``uniforms`` is (k - 1, n_trials)."""
    n = points.shape[1]
    k = uniforms.shape[0] + 1
    n_trials = uniforms.shape[1]
    centres = np.empty((k, 3))
    centres[0] = points[:, first]
    closest = np.empty(n)
    _dist_to(points, centres[0, 0], centres[0, 1], centres[0, 2], closest)
    cumsum = np.empty(n)
    dist = np.empty(n)
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
            _dist_to(points, points[0, cand], points[1, cand], points[2, cand], dist)
            for i in range(n):
                trial[i] = min(closest[i], dist[i])
            pot = 0.0
            for i in range(n):
                pot += trial[i]
            if pot < best_pot:
                best_pot, best_id = pot, cand
                best_closest[:] = trial
        centres[c] = points[:, best_id]
        closest[:] = best_closest
    return centres


@nb.njit(cache=True, nogil=True)
def _assign(points, centres, labels, best, dist):
    """Nearest centre of every point (first on ties); returns inertia and whether any changed.

    Centre by centre over all points, so the distance loop vectorises.
    """
    n = points.shape[1]
    _dist_to(points, centres[0, 0], centres[0, 1], centres[0, 2], best)
    new = np.zeros(n, dtype=np.int64)
    for c in range(1, centres.shape[0]):
        _dist_to(points, centres[c, 0], centres[c, 1], centres[c, 2], dist)
        for i in range(n):
            closer = dist[i] < best[i]
            best[i] = dist[i] if closer else best[i]
            new[i] = c if closer else new[i]
    inertia = 0.0
    changed = False
    for i in range(n):
        inertia += best[i]
        if labels[i] != new[i]:
            changed = True
        labels[i] = new[i]
    return inertia, changed


@nb.njit(cache=True, nogil=True)
def _lloyd(points, centres, max_iter, tol):
    """Lloyd's iterations from ``centres`` (modified in place); returns labels, inertia.

    Stops when no label changes (the centres are then exactly the means of their
    points) or when the squared centre shift falls to ``tol``.  An empty cluster
    keeps its centre.
    """
    n = points.shape[1]
    k = centres.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    best = np.empty(n)
    dist = np.empty(n)
    sums = np.empty((k, 3))
    counts = np.empty(k)
    inertia, _ = _assign(points, centres, labels, best, dist)
    for _ in range(max_iter):
        sums[:] = 0.0
        counts[:] = 0.0
        for i in range(n):
            label = labels[i]
            counts[label] += 1.0
            for j in range(3):
                sums[label, j] += points[j, i]
        shift = 0.0
        for c in range(k):
            if counts[c] > 0:
                for j in range(3):
                    new = sums[c, j] / counts[c]
                    shift += (new - centres[c, j]) ** 2
                    centres[c, j] = new
        inertia, changed = _assign(points, centres, labels, best, dist)
        if not changed or shift <= tol:
            break
    return labels, inertia


@nb.njit(cache=True, nogil=True)
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


@nb.njit(cache=True, nogil=True)
def _refine(points, starts, max_iter, tol):
    """Lloyd from each of ``starts`` (n, k, 3); the best centres, labels and inertia."""
    best_inertia = np.inf
    best_centres = starts[0].copy()
    best_labels = np.zeros(points.shape[1], dtype=np.int64)
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
    # Structure of arrays, (3, n): the distance loops then run over contiguous memory.
    points = np.ascontiguousarray(np.asarray(points, dtype=np.float64).T)
    coarse = points
    n = points.shape[1]
    if n > 2 * n_coarse:
        coarse = np.ascontiguousarray(points[:, np.sort(rng.choice(n, n_coarse, replace=False))])
    n_trials = 2 + int(np.log(n_colors))
    first = rng.integers(coarse.shape[1], size=n_init)
    uniforms = rng.random((n_init, n_colors - 1, n_trials))
    tol = tol * float(points.var(1).mean())
    centres, inertias = _restarts(coarse, first, uniforms, max_iter, tol)
    # A stable sort keeps ties in restart order, so the choice is reproducible.
    centres = centres[np.argsort(inertias, kind="stable")[:n_refine]]
    best, labels, inertia = _refine(points, centres, max_iter, tol)
    # One more step makes the centres exact means of their points (cheaper than
    # iterating until no label changes, which can take dozens of tiny steps).
    labels, inertia = _lloyd(points, best, 1, tol)
    counts = np.bincount(labels, minlength=n_colors)
    return best, counts, float(inertia)
