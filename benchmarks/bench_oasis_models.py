"""OASIS benchmark: the ``skemo compare`` models, then nested selection of embeddings.

Part 1 (baseline): 5-fold balanced accuracy of every ``skemo compare`` model on
targets "valence2" (valence above/below the median) and "quadrant4" (valence x
arousal, split at the medians), as before.

Part 2 (issue 9): which embedding to use, chosen honestly. For each of
efficientnet_lite0/1/2 at 224 px, two label-free passes over all 900 images
(plain and mirrored, ``layers="multi", statistics=("mean", "std")``) give by
column selection 16 candidate feature sets per backbone: {last block, last
four} x {mean, mean+std} x {no TTA, flip average} x {embedding alone, + the 13
PaintingFeatures}, and 16 more with the three backbones' columns side by side
("all3"): 64 in all. In each of 5 outer folds (StratifiedKFold for the classes,
KFold for the ratings; shuffled, random_state=0) the columns are standardised on
the outer training part and every candidate gets a ridge model whose penalty
and whose inner score come from the exact leave-one-out of the outer training
part only (balanced accuracy of the LOO predictions for the classes, LOO R^2
per rating). The candidate with the best inner score is refitted on the outer
training part and scored on the outer test part; for the classes a logistic
head (LogisticRegressionCV over C) on that set competes with the ridge head on
the same inner 3 folds, and the head the inner folds prefer is kept. Valence
and arousal are predicted separately, each with its own candidate and penalty.
Nothing is picked on an outer test fold. The per-candidate rows at the end
are for reading (which ingredient helps), not a selection. Everything runs
on one thread (torch and BLAS).

Run: OMP_NUM_THREADS=1 python benchmarks/bench_oasis_models.py [OASIS_ROOT]
(default ``$SKEMO_OASIS``, else ../shared/data/oasis; also `make bench`). About
25 min on one core. ``--quick`` runs every part on 40 images spread over OASIS
at 64 px, with 2 folds, 1 training epoch and 4 images in the cost table
(seconds; it checks the script runs, its figures mean nothing).
"""

import argparse
import os
import shlex
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skemo.datasets import load_oasis
from skemo.evaluation import compare_models
from skemo.features import PaintingFeatures
from skemo.io import load_images
from skemo.models import BackboneEmbedding

NEEDS_OASIS = True  # tests/test_benchmarks.py: run only where OASIS is
OASIS = os.environ.get(
    "SKEMO_OASIS", str(Path(__file__).resolve().parents[2] / "shared" / "data" / "oasis")
)
FULL = dict(n_images=None, size=224, epochs=20, cost_images=64, cost_repeats=2, folds=5)
QUICK = dict(n_images=40, size=64, epochs=1, cost_images=4, cost_repeats=1, folds=2)

BACKBONES = ("efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2")
ALPHAS = np.logspace(-1, 5, 13)
CS = np.logspace(-4, 1, 8)
SEED = 0
CLASS_TARGETS = ("valence2", "quadrant4")
RATINGS = ("valence", "arousal")
COST_SETTINGS = (("last", ("mean",), None), ("multi", ("mean",), None),
                 ("multi", ("mean", "std"), None), ("multi", ("mean", "std"), "flip"))


def embed(backbone, images, mirror=False, chunk=96, **params):
    """``BackboneEmbedding`` of ``images`` (or of their mirror images), in chunks."""
    params.setdefault("image_size", images.shape[1])  # the size they were loaded at
    model = BackboneEmbedding(backbone, **params).fit()
    parts = []
    for start in range(0, len(images), chunk):
        batch = images[start:start + chunk]
        parts.append(model.transform(np.ascontiguousarray(batch[:, :, ::-1]) if mirror else batch))
    return np.vstack(parts), model.get_feature_names_out()


def cost_table(images, repeats=2):
    """ms/image of each backbone and setting, side by side on the same images
    (best of ``repeats``: the cores are shared), and of the three together."""
    rows = {}
    for backbone in BACKBONES:
        embed(backbone, images[:8])  # warm-up: weights, allocator
        for layers, statistics, tta in COST_SETTINGS:
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                embed(backbone, images, layers=layers, statistics=statistics, tta=tta)
                times.append(1000 * (time.perf_counter() - start) / len(images))
            rows.setdefault(backbone, []).append(min(times))
    rows["all3 (lite0+1+2)"] = np.sum(list(rows.values()), axis=0)
    return rows


def passes(images, cache_dir):
    """Plain and mirrored multi/mean+std passes of every backbone, and their names."""
    out, seconds = {}, {}
    for backbone in BACKBONES:
        for kind in ("plain", "mirror"):
            path = cache_dir and Path(cache_dir) / f"{backbone}_{kind}.npz"
            start = time.perf_counter()
            if path and path.is_file():
                with np.load(path, allow_pickle=True) as f:
                    out[backbone, kind] = (f["X"], f["names"])
            else:
                out[backbone, kind] = embed(backbone, images, mirror=kind == "mirror",
                                            layers="multi", statistics=("mean", "std"))
                if path:
                    np.savez(path, X=out[backbone, kind][0], names=out[backbone, kind][1])
            seconds[backbone, kind] = time.perf_counter() - start
    return out, seconds


def candidates(emb, features):
    """The 64 candidate matrices, by column selection of the passes: 16 per backbone
    and 16 of the three backbones' columns side by side ("all3")."""
    selected = {}
    for backbone in BACKBONES:
        (plain, names), (mirror, _) = emb[backbone, "plain"], emb[backbone, "mirror"]
        parts = [n.rsplit("_", 3) for n in names]
        block = np.array([int(p[1][1:]) for p in parts])
        stat = np.array([p[2] for p in parts])
        for layers in ("last", "multi"):
            for stats in (("mean",), ("mean", "std")):
                mask = np.isin(stat, stats) & ((block == block.max()) | (layers == "multi"))
                key = f"{layers:<5} {'+'.join(stats):<8}"
                selected[backbone[-5:], key, "none"] = plain[:, mask]
                selected[backbone[-5:], key, "flip"] = (plain[:, mask] + mirror[:, mask]) / 2
    for _, key, tta in [k for k in selected if k[0] == "lite0"]:
        selected["all3", key, tta] = np.hstack([selected[b[-5:], key, tta] for b in BACKBONES])
    cands = {}
    for (tag, key, tta), X in selected.items():
        for pf in ("", "+pf"):
            cands[f"{tag} {key} {tta:<4} {pf}".rstrip()] = np.hstack(
                [X, features] if pf else [X]).astype(float)
    return cands


def ridge_path(Xtr, Ytr, Xte, alphas=ALPHAS):
    """Ridge (unpenalised intercept) for every alpha: exact LOO predictions on the
    training part and predictions on ``Xte``, each ``(n_alphas, n, n_targets)``."""
    mu, ym = Xtr.mean(0), Ytr.mean(0)
    Xc, Yc = Xtr - mu, Ytr - ym
    s, U = np.linalg.eigh(Xc @ Xc.T)
    s = np.clip(s, 0, None)
    UtY, KU, U2 = U.T @ Yc, (Xte - mu) @ Xc.T @ U, U ** 2
    loo, test = [], []
    for a in alphas:
        shrink = s / (s + a)
        fitted = U @ (shrink[:, None] * UtY) + ym
        leverage = U2 @ shrink + 1 / len(Xtr)
        loo.append(Ytr - (Ytr - fitted) / (1 - leverage)[:, None])
        test.append(KU @ (UtY / (s + a)[:, None]) + ym)
    return np.stack(loo), np.stack(test)


def best_index(scores):
    """Index of the best score; ties go to the largest alpha (the strongest penalty)."""
    scores = np.asarray(scores)
    return len(scores) - 1 - int(np.argmax(scores[::-1]))


def spearman(a, b):
    return spearmanr(a, b).statistic


def r2(y, p):
    return 1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2)


def logistic():
    kwargs = {"l1_ratios": (0.0,), "use_legacy_attributes": False}
    return LogisticRegressionCV(Cs=CS, cv=StratifiedKFold(3, shuffle=True, random_state=SEED),
                                scoring="balanced_accuracy", max_iter=2000,
                                random_state=SEED, **kwargs)


def head_contest(Xtr, ytr, Xte, classes):
    """Ridge vs logistic on the same inner 3 folds of the outer training part.

    Returns the inner scores of both heads and both heads' test predictions."""
    onehot = 2.0 * (ytr[:, None] == classes) - 1
    inner = StratifiedKFold(3, shuffle=True, random_state=SEED).split(Xtr, ytr)
    ridge_scores = np.mean([[balanced_accuracy_score(ytr[va], classes[p.argmax(1)])
                             for p in ridge_path(Xtr[tr], onehot[tr], Xtr[va])[1]]
                            for tr, va in inner], axis=0)
    loo, test = ridge_path(Xtr, onehot, Xte)
    alpha = best_index([balanced_accuracy_score(ytr, classes[p.argmax(1)]) for p in loo])
    lr = logistic().fit(Xtr, ytr)
    scores = lr.scores_
    scores = next(iter(scores.values())) if isinstance(scores, dict) else scores
    lr_score = np.asarray(scores).reshape(3, -1).mean(0).max()
    return ridge_scores.max(), lr_score, classes[test[alpha].argmax(1)], lr.predict(Xte)


def nested(cands, y, folds, task):
    """Inner LOO score and outer test score of every candidate in every fold.

    For the classes: ``inner[f, c]`` and ``outer[f, c]`` balanced accuracies, plus
    the head contest on each fold's chosen candidate. For the ratings: per rating
    ``inner[f, c, t]`` (LOO R^2) and ``outer_rho``/``outer_r2[f, c, t]``."""
    names = list(cands)
    shape = (len(folds), len(names)) + ((y.shape[1],) if task == "ratings" else ())
    res = {k: np.zeros(shape) for k in ("inner", "outer", "outer_r2")}
    res["alpha"] = np.zeros(shape)
    classes = np.unique(y) if task == "classes" else None
    Y = 2.0 * (y[:, None] == classes) - 1 if task == "classes" else y
    scaled = {}
    for f, (train, test) in enumerate(folds):
        for c, name in enumerate(names):
            scaler = StandardScaler().fit(cands[name][train])
            Xtr, Xte = scaler.transform(cands[name][train]), scaler.transform(cands[name][test])
            loo, pred = ridge_path(Xtr, Y[train], Xte)
            if task == "classes":
                inner = [balanced_accuracy_score(y[train], classes[p.argmax(1)]) for p in loo]
                a = best_index(inner)
                res["inner"][f, c], res["alpha"][f, c] = inner[a], ALPHAS[a]
                res["outer"][f, c] = balanced_accuracy_score(y[test], classes[pred[a].argmax(1)])
            else:
                for t in range(y.shape[1]):
                    inner = [r2(y[train, t], p[:, t]) for p in loo]
                    a = best_index(inner)
                    res["inner"][f, c, t], res["alpha"][f, c, t] = inner[a], ALPHAS[a]
                    res["outer"][f, c, t] = spearman(y[test, t], pred[a][:, t])
                    res["outer_r2"][f, c, t] = r2(y[test, t], pred[a][:, t])
        if task == "classes":
            chosen = names[int(np.argmax(res["inner"][f]))]
            scaler = StandardScaler().fit(cands[chosen][train])
            scaled[f] = (scaler.transform(cands[chosen][train]),
                         scaler.transform(cands[chosen][test]))
    if task == "classes":
        res["heads"] = []
        for f, (train, test) in enumerate(folds):
            r_in, l_in, r_pred, l_pred = head_contest(scaled[f][0], y[train], scaled[f][1],
                                                      classes)
            res["heads"].append((r_in, l_in, balanced_accuracy_score(y[test], r_pred),
                                 balanced_accuracy_score(y[test], l_pred)))
    return res


def pick(res, names, subset, t=None):
    """Outer scores of the nested choice restricted to ``subset`` (inner score decides)."""
    idx = [i for i, n in enumerate(names) if subset(n)]
    inner = res["inner"][:, idx] if t is None else res["inner"][:, idx, t]
    best = [idx[int(np.argmax(row))] for row in inner]
    sel = (lambda k: res[k][np.arange(len(best)), best]) if t is None else (
        lambda k: res[k][np.arange(len(best)), best, t])
    return best, sel("outer"), (None if t is None else sel("outer_r2"))


def fmt(x):
    return f"{np.mean(x):.3f} ± {np.std(x):.3f}"


def baseline(targets, images, cfg):
    """Part 1: the ``skemo compare`` table (balanced accuracy per model and target)."""
    shared, table = {}, {}
    for target in CLASS_TARGETS:
        y = targets[target]
        t0 = time.perf_counter()
        result = compare_models(images, y, n_splits=cfg["folds"], backbone_image_size=cfg["size"],
                                shallnet_image_size=64, epochs=cfg["epochs"], cache=shared,
                                random_state=SEED, verbose=0)
        print(f"{target}: {np.bincount(y).tolist()} per class, "
              f"{time.perf_counter() - t0:.0f} s (shared passes: "
              + ", ".join(f"{k} {v:.0f} s" for k, v in result.shared_seconds.items()) + ")")
        for row in result.summary.itertuples(index=False):
            table.setdefault(row.model, {})[target] = (
                row.balanced_accuracy_mean, row.balanced_accuracy_std)
    print(f"\nbackbone {result.backbone} (weights={result.weights}); {cfg['folds']}-fold "
          "stratified CV, "
          "balanced accuracy mean ± std")
    print(f"{'model':<14}{'valence2':>16}{'quadrant4':>16}")
    for model, scores in table.items():
        cells = "".join(f"{scores[t][0]:>9.3f} ± {scores[t][1]:.3f}" for t in scores)
        print(f"{model:<14}{cells}")
    for note in result.notes:
        print(f"- {note}")
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=OASIS)
    parser.add_argument("--skip-compare", action="store_true",
                        help="leave out part 1 (the skemo compare baseline)")
    parser.add_argument("--compare-only", action="store_true",
                        help="run part 1 alone (the README's comparison table)")
    parser.add_argument("--cache-dir", help="keep the embedding passes here (.npz) for reruns")
    parser.add_argument("--quick", action="store_true",
                        help="24 images at 64 px, 2 folds, 1 epoch, no cache (seconds)")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    if args.quick:
        args.cache_dir = None  # never mix quick passes into a full run's cache
    root = Path(args.root)
    if not (root / "OASIS.csv").is_file():
        print(f"OASIS not found at {root}; skipping.")
        return 0
    torch.set_num_threads(1)
    threadpool_limits(1)  # BLAS and OpenMP, whatever OMP_NUM_THREADS says
    print(f"command: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')} "
          + shlex.join([Path(sys.executable).name] + sys.argv) + "; 1 thread")
    start = time.perf_counter()
    if cfg["n_images"] is None:
        keep, data = slice(None), load_oasis(root, "valence2", size=cfg["size"])
        images = data.images
    else:  # every k-th image: all targets' classes, in OASIS's one order
        data = load_oasis(root, "valence2", return_paths=True)
        keep = slice(None, len(data.filenames), len(data.filenames) // cfg["n_images"])
        images = load_images(list(data.filenames[keep]), size=cfg["size"])
    ratings = load_oasis(root, list(RATINGS), return_paths=True)
    assert list(ratings.filenames) == list(data.filenames)
    targets = {t: np.asarray(load_oasis(root, t, return_paths=True).target)[keep]
               for t in CLASS_TARGETS}
    targets["ratings"] = np.asarray(ratings.target, dtype=float)[keep]
    print(f"loaded {len(images)} images at {cfg['size']} px in "
          f"{time.perf_counter() - start:.1f} s")

    table = {}
    if not args.skip_compare:
        print("\n== Part 1: skemo compare models (baseline)")
        table = baseline(targets, images, cfg)
        print(f"part 1: {time.perf_counter() - start:.0f} s")
        if args.compare_only:
            return 0

    print(f"\n== Part 2: embedding cost, ms/image on the same {cfg['cost_images']} images, "
          f"1 thread, {cfg['size']} px, batch 32, best of {cfg['cost_repeats']} (shared cores)")
    cost = cost_table(images[:cfg["cost_images"]], cfg["cost_repeats"])
    print(f"{'backbone':<20}" + "".join(f"{lay + '/' + '+'.join(st) + ('+flip' if tta else ''):>22}"
                                     for lay, st, tta in COST_SETTINGS))
    for backbone, row in cost.items():
        print(f"{backbone:<20}" + "".join(f"{ms:>22.1f}" for ms in row))

    t0 = time.perf_counter()
    emb, seconds = passes(images, args.cache_dir)
    print(f"\nfull passes ({len(images)} images, multi/mean+std): " + ", ".join(
        f"{b[-5:]} {k} {s:.0f} s" for (b, k), s in seconds.items()))
    t1 = time.perf_counter()
    features = PaintingFeatures(random_state=SEED).fit_transform(images)
    print(f"PaintingFeatures: {features.shape[1]} columns, "
          f"{1000 * (time.perf_counter() - t1) / len(images):.1f} ms/image")
    for backbone in BACKBONES:
        direct = BackboneEmbedding(backbone, layers="multi", statistics=("mean", "std"),
                                   tta="flip", image_size=images.shape[1]
                                   ).fit().transform(images[:4])
        sliced = (emb[backbone, "plain"][0][:4] + emb[backbone, "mirror"][0][:4]) / 2
        print(f"check {backbone}: (plain + mirrored pass) / 2 vs tta='flip' on 4 images: "
              f"max |diff| {np.abs(direct - sliced).max():.1e} (values up to "
              f"{np.abs(direct).max():.1f})")
    cands = candidates(emb, features)
    names = list(cands)
    print(f"{len(names)} candidate feature sets; passes and features {time.perf_counter() - t0:.0f} s")

    results = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for target in CLASS_TARGETS:
            t1 = time.perf_counter()
            y = targets[target]
            folds = list(StratifiedKFold(cfg["folds"], shuffle=True,
                                         random_state=SEED).split(y, y))
            results[target] = nested(cands, y, folds, "classes")
            print(f"nested {target}: {time.perf_counter() - t1:.0f} s")
        t1 = time.perf_counter()
        y = targets["ratings"]
        folds = list(KFold(cfg["folds"], shuffle=True, random_state=SEED).split(y))
        results["ratings"] = nested(cands, y, folds, "ratings")
        print(f"nested ratings: {time.perf_counter() - t1:.0f} s")
    for (kind, message), n in Counter((w.category.__name__, str(w.message)[:90])
                                      for w in caught).items():
        print(f"warning x{n}: {kind}: {message}")
    report(results, names, table, cfg["folds"])
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    return 0


def report(results, names, table, n_folds):
    everything = lambda n: True  # noqa: E731
    subsets = [("all 64 candidates", everything),
               ("single backbones (48)", lambda n: not n.startswith("all3"))]
    subsets += [(f"{b[-5:]} only (16)", lambda n, b=b[-5:]: n.startswith(b)) for b in BACKBONES]
    subsets += [("all3 only (16)", lambda n: n.startswith("all3")),
                ("embedding alone (32)", lambda n: not n.endswith("+pf")),
                ("no std, no flip (16)", lambda n: "std" not in n and "flip" not in n)]
    fixed = names[0]
    print("\n== Part 3: nested selection (inner LOO on each outer training part), "
          f"{n_folds} outer folds, mean ± std")
    print(f"{'candidate pool':<24}{'valence2 BA':>16}{'quadrant4 BA':>16}"
          f"{'valence rho':>16}{'(R2)':>8}{'arousal rho':>16}{'(R2)':>8}")
    rows = {}
    for label, subset in subsets:
        cells = [pick(results[t], names, subset)[1] for t in CLASS_TARGETS]
        rated = [pick(results["ratings"], names, subset, t)[1:] for t in range(len(RATINGS))]
        rows[label] = cells + rated
        print(f"{label:<24}" + "".join(f"{fmt(c):>16}" for c in cells)
              + "".join(f"{fmt(rho):>16}{np.mean(r):>8.3f}" for rho, r in rated))
    for target in CLASS_TARGETS:
        res = results[target]
        best, ridge_outer, _ = pick(res, names, everything)
        heads = np.array(res["heads"])
        prefer = heads[:, 1] > heads[:, 0]
        kept = np.where(prefer, heads[:, 3], heads[:, 2])
        rows[target] = kept
        print(f"\n{target}: head on the chosen set, inner 3-fold BA (ridge / logistic) -> outer BA")
        for f, b in enumerate(best):
            r_in, l_in, r_out, l_out = heads[f]
            print(f"  fold {f}: {names[b]:<30} alpha {res['alpha'][f, b]:>8g}  inner LOO "
                  f"{res['inner'][f, b]:.3f} | 3-fold {r_in:.3f} / {l_in:.3f} -> keep "
                  f"{'logistic' if prefer[f] else 'ridge'}; outer ridge {r_out:.3f}, "
                  f"logistic {l_out:.3f}")
        print(f"  ridge {fmt(heads[:, 2])}, logistic {fmt(heads[:, 3])}, "
              f"head kept by inner CV {fmt(kept)}")
        print("  choices: " + ", ".join(f"{n} x{k}" for n, k in
                                        Counter(names[b] for b in best).most_common()))
    for t, rating in enumerate(RATINGS):
        res = results["ratings"]
        best, rho, r2s = pick(res, names, everything, t)
        print(f"\n{rating}: per fold chosen set (alpha, inner LOO R2) -> outer rho, R2")
        for f, b in enumerate(best):
            print(f"  fold {f}: {names[b]:<30} alpha {res['alpha'][f, b, t]:>8g}  "
                  f"inner {res['inner'][f, b, t]:.3f} -> {rho[f]:.3f}, {r2s[f]:.3f}")
        print("  choices: " + ", ".join(f"{n} x{k}" for n, k in
                                        Counter(names[b] for b in best).most_common()))

    print(f"\nEvery candidate with its own inner-LOO penalty, outer {n_folds}-fold mean "
          "(for reading only: picking a row here would select on the test folds)")
    print(f"{'candidate':<30}{'valence2':>9}{'quadr4':>9}{'val rho':>9}{'val R2':>8}"
          f"{'aro rho':>9}{'aro R2':>8}")
    r = results["ratings"]
    for c, name in enumerate(names):
        print(f"{name:<30}" + "".join(f"{results[t]['outer'][:, c].mean():>9.3f}"
                                      for t in CLASS_TARGETS)
              + "".join(f"{r['outer'][:, c, t].mean():>9.3f}{r['outer_r2'][:, c, t].mean():>8.3f}"
                        for t in range(len(RATINGS))))

    base_rho = results["ratings"]["outer"][:, 0]
    base_r2 = results["ratings"]["outer_r2"][:, 0]
    base = {t: table.get(m, {}).get(t) for t, m in (("valence2", "fusion"), ("quadrant4", "fusion"))}
    transfer = table.get("transfer", {}).get("valence2")
    pooled = rows["all 64 candidates"]

    def cell(v):
        return "n/a" if v is None else f"{v[0]:.3f} ± {v[1]:.3f}"

    def verdict(value, goal):
        gap = np.mean(value) - goal
        return f"met (+{gap:.3f})" if gap >= 0 else f"missed by {-gap:.3f}"

    print(f"\n== Summary (issue 9), {n_folds} outer folds, mean ± std; nested = every choice "
          "by inner CV")
    print("| measure | baseline (this run) | nested result | target | verdict |")
    print("|---|---|---|---|---|")
    print(f"| OASIS valence2 balanced accuracy | fusion {cell(base['valence2'])}, transfer "
          f"{cell(transfer)} | {fmt(rows['valence2'])} | ≥ 0.80 | "
          f"{verdict(rows['valence2'], 0.80)} |")
    print(f"| OASIS quadrant4 balanced accuracy | fusion {cell(base['quadrant4'])} | "
          f"{fmt(rows['quadrant4'])} | ≥ 0.64 | {verdict(rows['quadrant4'], 0.64)} |")
    for t, (rating, goal) in enumerate(zip(RATINGS, (0.72, None))):
        rho, r2s = pooled[2 + t]
        print(f"| OASIS {rating} regression, Spearman ρ (R²) | ridge on {' '.join(fixed.split())}: "
              f"{fmt(base_rho[:, t])} ({np.mean(base_r2[:, t]):.3f}) | {fmt(rho)} "
              f"({np.mean(r2s):.3f}) | {'≥ 0.72' if goal else 'report'} | "
              f"{verdict(rho, goal) if goal else 'reported'} |")


if __name__ == "__main__":
    sys.exit(main())
