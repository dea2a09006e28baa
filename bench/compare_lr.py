#!/usr/bin/env python3
"""Held-out ROC AUC of scikit-learn models on the columns a leadscore model reads.

    pip install scikit-learn
    python3 bench/compare_lr.py export.csv --model tuned.score --outcome Converted --holdout 30

The leads are split as `leadscore tune --holdout 30%` and `backtest --holdout`
split them: a lead is held out when the 64-bit FNV-1a hash of its id (the
text of the id column, trimmed) modulo 10,000 is below 100 times the
percentage. The models are fitted on the rest and scored on the held-out
leads:

- LogisticRegression (L2, C=1) on the model's columns: numbers as they are
  (standardised; a missing number is the median and a missing-indicator
  column), everything else one-hot (values seen fewer than 20 times
  pooled, a missing value its own level);
- the same with C chosen by 5-fold cross-validation;
- HistGradientBoostingClassifier on the same columns, for reference.

The columns are the fields of the model's `lead { ... }` block (their
`as "Header"` when they have one), without the id.
"""

import argparse
import csv
import warnings
import re
import sys

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def fnv1a(text):
    h = FNV_OFFSET
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def held_out(lead_id, percent):
    return fnv1a(lead_id.strip()) % 10000 < round(percent * 100)


def model_columns(path, commented=False):
    """(id column, [(field type, column)]) of the model's lead block; with
    `commented`, also the declarations `init` left commented out (columns
    no rule reads)."""
    text = open(path, encoding="utf-8").read()
    block = re.search(r"lead\s*\{(.*?)\n\}", text, re.S)
    if not block:
        sys.exit(f"{path}: no lead block")
    id_column = "id"
    columns = []
    for line in block.group(1).splitlines():
        line = line.strip()
        if commented and line.startswith("# ") and ":" in line and "left out" not in line and "outcome" not in line:
            line = line[2:].split("  (")[0]
        line = line.split("#")[0].strip()
        m = re.match(r'(\w+)\s*(?::\s*((?:one of \[[^\]]*\]|[^"])*?))?\s*(?:as\s+"((?:[^"\\]|\\.)*)")?\s*(?:missing if .*)?$', line)
        if not m or not line:
            continue
        name, ty, key = m.group(1), (m.group(2) or "").strip(), m.group(3)
        ty = re.sub(r"\s*missing if.*", "", ty)
        column = key if key is not None else name
        if name == "id":
            id_column = column
            continue
        columns.append((ty, column))
    return id_column, columns


def truthy(text):
    return text.strip().lower() in ("1", "true", "yes", "y")


def main():
    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("leads")
    parser.add_argument("--model", required=True)
    parser.add_argument("--outcome", required=True)
    parser.add_argument("--holdout", type=float, default=30.0)
    parser.add_argument("--all-columns", action="store_true",
                        help="also the columns whose declarations init left commented out")
    parser.add_argument("--placeholders", default="Select",
                        help="comma-separated values read as missing")
    args = parser.parse_args()
    placeholders = {p.strip().lower() for p in args.placeholders.split(",")}
    id_column, columns = model_columns(args.model, args.all_columns)
    rows = list(csv.DictReader(open(args.leads, newline="", encoding="utf-8")))
    numeric = [c for t, c in columns if t == "number"]
    other = [c for t, c in columns if t != "number"]

    def value(row, column):
        v = (row.get(column) or "").strip()
        return None if v == "" or v.lower() in placeholders else v

    def numbers(rows):
        out = np.full((len(rows), len(numeric)), np.nan)
        for i, r in enumerate(rows):
            for j, c in enumerate(numeric):
                v = value(r, c)
                if v is not None:
                    out[i, j] = float(v)
        return out

    def texts(rows):
        return np.array([[(value(r, c) or "(missing)").lower() for c in other] for r in rows], dtype=object)

    def frame(rows):
        n = numbers(rows)
        t = texts(rows)
        return np.concatenate([n.astype(object), t], axis=1) if len(numeric) else t

    train = [r for r in rows if not held_out(r[id_column], args.holdout)]
    test = [r for r in rows if held_out(r[id_column], args.holdout)]
    y_train = np.array([truthy(r[args.outcome]) for r in train])
    y_test = np.array([truthy(r[args.outcome]) for r in test])
    num_idx = list(range(len(numeric)))
    txt_idx = list(range(len(numeric), len(numeric) + len(other)))
    linear = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), num_idx),
        ("txt", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=20), txt_idx),
    ])
    trees = ColumnTransformer([
        ("num", "passthrough", num_idx),
        ("txt", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, min_frequency=20, max_categories=250), txt_idx),
    ])
    x_train, x_test = frame(train), frame(test)
    print(f"leads {len(rows)}: {len(train)} to fit, {len(test)} held out "
          f"({y_test.sum()} converted); {len(numeric)} numeric and {len(other)} other columns")
    fits = [
        ("LogisticRegression C=1", make_pipeline(linear, LogisticRegression(C=1.0, max_iter=5000))),
        ("LogisticRegressionCV", make_pipeline(linear, LogisticRegressionCV(Cs=10, cv=5, max_iter=5000))),
        ("HistGradientBoosting", make_pipeline(trees, HistGradientBoostingClassifier(
            categorical_features=[i in txt_idx for i in range(len(numeric) + len(other))], random_state=0))),
    ]
    for name, model in fits:
        model.fit(x_train, y_train)
        auc = roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])
        print(f"{name}: held-out AUC {auc:.4f}")


if __name__ == "__main__":
    main()
