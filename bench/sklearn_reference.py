#!/usr/bin/python3
"""scikit-learn reference fits for `npm run bench`: reads numeric train/test CSV files written by the
benchmark (id, label, features...), fits the requested models, prints one JSON object.

Timings cover the fit (with scaling or binning) only, as the benchmark times jointlab's side: wall
seconds and CPU seconds of this process (the benchmark sets OMP_NUM_THREADS=1 and its kin, so CPU time
is one thread's, like jointlab's)."""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer, StandardScaler


def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    return data[:, 2:], data[:, 1].astype(int)


def models(name):
    if name == "lr":
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    if name == "scorecard":
        # The README's "quantile-binned logistic regression (10 bins, one-hot)".
        return make_pipeline(KBinsDiscretizer(n_bins=10, encode="onehot", strategy="quantile"), LogisticRegression(C=1.0, max_iter=1000))
    if name == "mlp":
        return make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(32, 16), early_stopping=True, random_state=0, max_iter=200))
    if name == "gbdt":
        # scikit-learn's defaults: 100 rounds at 0.1, 31 leaves, early stopping on 10% past 10,000 rows.
        return HistGradientBoostingClassifier(random_state=0)
    raise SystemExit(f"unknown model {name}")


# Fits quicker than this are timed a second time, where one-off costs (first calls, caches) are gone.
AGAIN_BELOW = 2.0


def timed_fit(model, x, y):
    started = time.perf_counter()
    cpu_started = time.process_time()
    model.fit(x, y)
    return time.perf_counter() - started, time.process_time() - cpu_started


def main():
    train_path, test_path, names = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    x_train, y_train = load(train_path)
    x_test, y_test = load(test_path)
    out = {}
    for name in names:
        model = models(name)
        seconds, cpu_seconds = timed_fit(model, x_train, y_train)
        auc = roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])
        out[name] = {"auc": auc, "seconds": seconds, "cpuSeconds": cpu_seconds}
        if seconds < AGAIN_BELOW:
            # A second fit of a fresh model, as the benchmark times jointlab's second fit.
            again, cpu_again = timed_fit(models(name), x_train, y_train)
            out[name]["again"] = {"seconds": again, "cpuSeconds": cpu_again}
    try:
        from threadpoolctl import threadpool_info
        out["_blas"] = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} threads={i.get('num_threads')}" for i in threadpool_info()]
    except Exception:  # threadpoolctl is optional
        pass
    import sklearn
    out["_version"] = sklearn.__version__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
