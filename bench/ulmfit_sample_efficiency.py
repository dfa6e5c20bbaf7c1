"""ulmfit_sample_efficiency: IMDb test accuracy from 100, 1,000 and 5,000 labelled reviews, for three models, in one run.

    python bench/ulmfit_sample_efficiency.py [--minutes 15] [--labels 100,1000,5000] [--n-test 5000] [--out DIR]

The ULMFiT paper's claim, on the CPU we have, at a time budget. The same labelled reviews (the first n/2 files of
`train/pos` and `train/neg`, sorted names) and the same fixed test subset (the first `n_test`/2 of `test/pos` and
`test/neg`) for:
  (a) TF-IDF (words and bigrams, sublinear tf) + logistic regression, its C chosen by 5-fold cross-validation on the
      labelled reviews (scikit-learn): the classic baseline;
  (b) the AWD-LSTM classifier from scratch: textlib's classifier, random weights, the same size and vocabulary as (c),
      everything trainable, one-cycle at 3e-3 for the *whole* budget (it has no language model to train);
  (c) ULMFiT: `run_ulmfit` (12c) with `--minutes`: the language model on IMDb's own reviews (never test/), then the
      classifier; the language model is trained once per budget and shared by the label counts (its stage key does not
      depend on them). At 15 minutes and seed 42 the run starts from a copy of 12c's main job (`~/.textlib/runs/ulmfit-imdb`),
      whose language model it reuses (each label count's classifier is its own run). A labelled review whose text is a
test review's (IMDb repeats a few) is left out of all three models' training (`imdb_split`).
Every finished piece is recorded in OUT/stages.json and reused by a re-run. Prints a markdown table, writes
bench/ulmfit_sample_efficiency.json (with the budget in its records) and .png, and ends with `RESULT` lines.
"""
import argparse, json, os, shutil, sys, time
from pathlib import Path
_HERE = Path(__file__).resolve().parent   # keep bench/ off sys.path: no script here may shadow a stdlib module
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != _HERE]

MAIN_JOB = Path('~/.textlib/runs/ulmfit-imdb').expanduser()   # 12c's slow cell: `run_ulmfit` with its defaults

def tfidf(imdb, n, n_test):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegressionCV
    from textlib.tokenizers import read_text
    from textlib.ulmfit import imdb_split
    split = imdb_split(imdb, n // 2, 250, n_test // 2)   # the labelled and test reviews of the other two models
    (ft, yt), (fv, yv) = split['labels'], split['test']
    xt, xv = [read_text(f) for f in ft], [read_text(f) for f in fv]
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2 if n >= 1000 else 1, sublinear_tf=True)
    clf = LogisticRegressionCV(Cs=10, cv=5, max_iter=2000).fit(vec.fit_transform(xt), yt)
    return dict(accuracy=float((clf.predict(vec.transform(xv)) == yv).mean()), n_test=len(yv))

def scratch(out, imdb, run, n, n_test, minutes, seed):
    "The same classifier from random weights, on the ULMFiT run's vocabulary, trained for the whole budget."
    from textlib.core import set_seed
    from textlib.text import Numericalize
    from textlib.schedule import TimeBudget
    from textlib.ulmfit import imdb_split, _clas_dls, text_classifier_learner, test_accuracy, ulmfit_lm_config
    set_seed(seed)
    split = imdb_split(imdb, n // 2, 250, n_test // 2)
    vocab = Numericalize.load(run/'models'/'imdb_lm.vocab.json')
    dls = _clas_dls(out, split, ('labels', 'valid'), vocab, 32, seed, False)
    sizes = {k: ulmfit_lm_config[k] for k in ('emb_sz', 'n_hid', 'n_layers')}
    learn = text_classifier_learner(dls, config=sizes, path=out)
    with learn.no_logging(): learn.fit_one_cycle(1000, 3e-3, cbs=TimeBudget(minutes))
    acc, _, targs = test_accuracy(learn, split)
    return dict(accuracy=acc, n_test=len(targs))

def ulmfit(run, imdb, n, n_test, minutes, seed):
    from textlib.ulmfit import run_ulmfit
    res = run_ulmfit(run, imdb, minutes=minutes, n_labels=n // 2, n_test=n_test // 2, seed=seed, quiet=True)
    return dict(accuracy=res['classifier accuracy'], n_test=res['stages']['classifier']['n_test'])

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=str(Path.home()/'.cache/textlib-bench/ulmfit'))
    ap.add_argument('--minutes', type=float, default=15)
    ap.add_argument('--labels', default='100,1000,5000')
    ap.add_argument('--n-test', type=int, default=5000)
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--quiet', action='store_true')
    a = ap.parse_args()
    from textlib.datasets import untar_data, URLs
    from textlib.ulmfit import StageLog, _stage, _key, code_key
    out, imdb = Path(a.out), untar_data(URLs.IMDB)
    log, run = StageLog(out), out/f'ulmfit-{a.minutes:g}min'
    if (a.minutes, a.seed, a.n_test) == (15, 42, 5000) and not run.exists() and (MAIN_JOB/'stages.json').exists():
        shutil.copytree(MAIN_JOB, run)   # 12c's main job: its language model is reused where its key (arguments and code) matches
    rows = {}
    for n in [int(x) for x in a.labels.split(',')]:
        for model, fn in (('tfidf', lambda: tfidf(imdb, n, a.n_test)),
                          ('ulmfit', lambda: ulmfit(run, imdb, n, a.n_test, a.minutes, a.seed)),
                          ('scratch', lambda: scratch(out, imdb, run, n, a.n_test, a.minutes, a.seed))):
            k = _key(code=code_key(), model=model, n=n, n_test=a.n_test, minutes=a.minutes, seed=a.seed)
            r = _stage(log, f'{model}_{n}_{a.minutes:g}min', k, a.quiet, fn)
            rows.setdefault(n, {})[model] = (r['accuracy'], r['seconds'])
    names = {'tfidf': 'TF-IDF + logistic regression', 'scratch': 'AWD-LSTM from scratch', 'ulmfit': 'ULMFiT'}
    print(f"\nIMDb test accuracy on {a.n_test:,} test reviews, {a.minutes:g}-minute budget\n")
    print('| labelled reviews | ' + ' | '.join(names.values()) + ' |'); print('|---|---|---|---|')
    for n, r in rows.items(): print(f'| {n:,} | ' + ' | '.join(f'{r[m][0]:.1%} ({r[m][1]/60:.1f} min)' for m in names) + ' |')
    js = _HERE/'ulmfit_sample_efficiency.json'
    results = json.loads(js.read_text()) if js.exists() else {}
    b = results.setdefault('budgets', {}).setdefault(f'{a.minutes:g}', {})   # a run with other --labels adds or replaces its rows
    if b.get('n_test', a.n_test) != a.n_test: b.clear()
    b['n_test'] = a.n_test
    for n, r in rows.items():
        b.setdefault('accuracy', {})[str(n)] = {m: v[0] for m, v in r.items()}
        b.setdefault('minutes', {})[str(n)] = {m: round(v[1] / 60, 2) for m, v in r.items()}
    js.write_text(json.dumps(results, indent=1))   # committed: 12c plots it
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for m in names: ax.plot(list(rows), [rows[n][m][0] for n in rows], 'o-', label=names[m])
    ax.set_xscale('log'); ax.set_xlabel('labelled training reviews'); ax.set_ylabel(f'test accuracy ({a.n_test:,} reviews)'); ax.legend(fontsize=8)
    fig.tight_layout(); fig.savefig(_HERE/f'ulmfit_sample_efficiency_{a.minutes:g}min.png', dpi=100)
    for n, r in rows.items():
        print(f"RESULT ulmfit_sample_efficiency_{n}_{a.minutes:g}min ulmfit={r['ulmfit'][0]:.4f} scratch={r['scratch'][0]:.4f} tfidf={r['tfidf'][0]:.4f} accuracy")

if __name__ == '__main__': main()
