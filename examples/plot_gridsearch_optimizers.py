"""
Choosing the optimizer with a grid search
=========================================

skemo's networks are scikit-learn estimators, so their skorch training
parameters (``optimizer``, ``optimizer__lr``, ``optimizer__momentum``...) can
be tuned with :class:`~sklearn.model_selection.GridSearchCV` like any other
hyper-parameter. A list of dicts lets each optimizer have its own parameters:
momentum only makes sense for SGD.
"""

# %%
# Features once, outside the search
# ---------------------------------
# :class:`~skemo.features.PaintingFeatures` learns nothing from the images in
# ``fit`` (its references are fixed), so computing the feature table once and
# searching over the classifier gives the same scores as putting it in the
# pipeline, without recomputing it for every candidate and fold.
import pandas as pd
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from skemo.datasets import make_paintings
from skemo.features import PaintingFeatures
from skemo.models import CVFC

X, y = make_paintings(n_samples=160, image_size=64, local_cue=0.0, random_state=0,
                      return_X_y=True)
table = PaintingFeatures(image_size=64, random_state=0).fit_transform(X)

# %%
# The grid
# --------
# ``train_split=None`` makes each candidate train on the whole training part of
# the fold: the search's own folds do the validation, so skorch's internal
# validation split would only waste data.
pipe = Pipeline([("clf", CVFC(train_split=None, max_epochs=60, random_state=0))])
grid = [
    {"clf__optimizer": [torch.optim.Adam], "clf__optimizer__lr": [1e-3, 1e-2]},
    {
        "clf__optimizer": [torch.optim.SGD],
        "clf__optimizer__lr": [1e-2],
        "clf__optimizer__momentum": [0.0, 0.9],
    },
]
search = GridSearchCV(pipe, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0),
                      scoring="balanced_accuracy")
search.fit(table, y)

# %%
# Results
# -------
# With only 60 epochs, the small learning rates have not converged: Adam at
# 1e-2 and SGD with momentum do best.
results = pd.DataFrame(search.cv_results_)
results["optimizer"] = [p["clf__optimizer"].__name__ for p in results["params"]]
columns = ["optimizer", "param_clf__optimizer__lr", "param_clf__optimizer__momentum",
           "mean_test_score", "std_test_score", "rank_test_score"]
print(results[columns].to_string(index=False))
print("best:", {k: getattr(v, "__name__", v) for k, v in search.best_params_.items()})

# %%
import matplotlib.pyplot as plt

labels = [
    f"{row.optimizer} lr={row.param_clf__optimizer__lr}"
    + ("" if pd.isna(row.param_clf__optimizer__momentum)
       else f" m={row.param_clf__optimizer__momentum}")
    for row in results.itertuples()
]
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(labels, results["mean_test_score"], xerr=results["std_test_score"])
ax.set_xlabel("balanced accuracy (3-fold CV)")
fig.tight_layout()
plt.show()
