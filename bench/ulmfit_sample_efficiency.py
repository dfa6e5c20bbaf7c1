"""ulmfit_sample_efficiency: IMDb test accuracy from 100, 1,000 and 5,000 labelled reviews, for three models, in one run.

    python bench/ulmfit_sample_efficiency.py [--out DIR] [--labels 100,1000,5000] [--n-test 5000] [--n-lm 1000]
    python bench/ulmfit_sample_efficiency.py --lm-from ~/.textlib/runs/ulmfit-imdb   # stages 1-2 of a `textlib ulmfit` run

The ULMFiT paper's claim, on the CPU we have. The same labelled reviews (the first n/2 files of `train/pos` and
`train/neg`, sorted names) and the same fixed test subset (the first `n_test`/2 of `test/pos` and `test/neg`) for:
  (a) TF-IDF (words and bigrams, sublinear tf) + logistic regression, its C chosen by 5-fold cross-validation on the
      labelled reviews (scikit-learn): the classic baseline;
  (b) the AWD-LSTM classifier from scratch: textlib's classifier, random weights, the same size and vocabulary as (c),
      trained with one-cycle (lr 3e-3, everything unfrozen) for as many epochs as (c);
  (c) ULMFiT: `ulmfit_pretrain` (WikiText-2), `ulmfit_finetune_lm` (IMDb's train/{pos,neg,unsup} texts, never test/),
      then `ulmfit_classifier` (gradual unfreezing, STLR, discriminative rates). With `--lm-from DIR`, stages 1 and 2
      are those of the `textlib ulmfit` run in DIR (12c's slow cell leaves its default run in ~/.textlib/runs/ulmfit-imdb):
      the same recipe, not computed twice.
Epochs grow as the labelled set shrinks, so that each classifier takes a few hundred steps: (4,4,4,8) epochs for 100
labels (batch 16), (1,1,1,3) for 1,000 (batch 32), (1,1,1,2) for 5,000 (batch 64). Every finished piece is recorded in
OUT/stages.json and reused by a re-run (a run killed in the middle resumes).
Training skips the per-epoch validation (it would score the 5,000 test reviews after every epoch): each model is
scored once, at the end. Prints a markdown table, writes bench/ulmfit_sample_efficiency.json and .png, and ends with `RESULT` lines.
"""
import argparse, json, os, shutil, sys, time
from pathlib import Path
_HERE = Path(__file__).resolve().parent   # keep bench/ off sys.path: no script here may shadow a stdlib module
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != _HERE]

def plan(n):
    "Batch size and gradual-unfreezing epochs for `n` labelled reviews."
    return (16, (4, 4, 4, 8)) if n <= 200 else (32, (1, 1, 1, 3)) if n <= 2000 else (64, (1, 1, 1, 2))

def no_validation():
    "A callback that skips the per-epoch validation: only the final `get_preds` on the test subset counts (and it is what takes time)."
    from textlib.learner import Callback, CancelValidateException
    class NoValidation(Callback):
        fitting = False
        def before_fit(self): self.fitting = True
        def after_fit(self): self.fitting = False
        def before_validate(self):
            if self.fitting: raise CancelValidateException()   # `get_preds` afterwards still runs
    return NoValidation()

def lm_from_run(run, out) -> dict:
    "The stages of the `textlib ulmfit` run in folder `run`, its stage-1 and stage-2 models copied into `out/models`."
    from textlib.ulmfit import StageLog
    src = Path(run).expanduser(); stages = StageLog(src).read()
    if 'finetune_lm' not in stages: raise SystemExit(f"{src}/stages.json has no finished stage 2 (finetune_lm)")
    (Path(out)/'models').mkdir(parents=True, exist_ok=True)
    for name in (stages['pretrain']['name'], stages['finetune_lm']['name']):
        for ext in ('.safetensors', '.vocab.json'): shutil.copy2(src/'models'/(name + ext), Path(out)/'models'/(name + ext))
    return stages

def read_reviews(imdb, split, n_per_class):
    "Texts and labels of the first `n_per_class` files of `split/neg` and `split/pos`, the order `from_folder` uses."
    from textlib.text import get_text_files, read_text
    texts, labels = [], []
    for c in ('neg', 'pos'):
        fs = get_text_files(imdb/split/c)[:n_per_class]
        texts += [read_text(f) for f in fs]; labels += [c] * len(fs)
    return texts, labels

def tfidf(imdb, n, n_test):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegressionCV
    xt, yt = read_reviews(imdb, 'train', n // 2)
    xv, yv = read_reviews(imdb, 'test', n_test // 2)
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2 if n >= 1000 else 1, sublinear_tf=True)
    clf = LogisticRegressionCV(Cs=10, cv=5, max_iter=2000).fit(vec.fit_transform(xt), yt)
    return dict(accuracy=float((clf.predict(vec.transform(xv)) == yv).mean()), n_test=len(yv))

def scratch(out, imdb, enc, n, n_test, seed, quiet):
    import torch
    from textlib.core import set_seed
    from textlib.text import Numericalize, TextDataLoaders
    from textlib.ulmfit import text_classifier_learner
    from textlib.lm import read_pretrained, awd_lstm_sizes
    set_seed(seed)
    bs, epochs = plan(n)
    sd, vocab = read_pretrained(enc, out/'models')
    sizes = {k: v for k, v in awd_lstm_sizes(sd).items() if k != 'vocab_sz'}
    dls = TextDataLoaders.from_folder(imdb, valid='test', n_per_folder=n // 2, n_valid_per_folder=n_test // 2, bs=bs, seed=seed,
                                      vocab=Numericalize(vocab), progress=False)
    learn = text_classifier_learner(dls, config=sizes, path=out)
    with learn.no_logging(): learn.fit_one_cycle(sum(epochs), 3e-3, cbs=no_validation())
    probs, targs = learn.get_preds()
    return dict(accuracy=float((probs.argmax(1) == targs).float().mean()), n_test=len(targs))

def ulmfit(out, imdb, enc, n, n_test, seed, quiet):
    from textlib.ulmfit import ulmfit_classifier
    bs, epochs = plan(n)
    learn = ulmfit_classifier(out, imdb, enc, n // 2, n_test // 2, epochs=epochs, bs=bs, seed=seed, quiet=quiet,
                               cbs=no_validation())
    probs, targs = learn.get_preds()
    return dict(accuracy=float((probs.argmax(1) == targs).float().mean()), n_test=len(targs))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=str(Path.home()/'.cache/textlib-bench/ulmfit'))
    ap.add_argument('--labels', default='100,1000,5000')
    ap.add_argument('--n-test', type=int, default=5000)
    ap.add_argument('--n-lm', type=int, default=1000, help='reviews per folder of train/{pos,neg,unsup} for stage 2')
    ap.add_argument('--pretrain-epochs', type=int, default=3)
    ap.add_argument('--lm-epochs', type=int, default=2)
    ap.add_argument('--lm-from', default=None, help='reuse stages 1 and 2 of the `textlib ulmfit` run in this folder')
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--quiet', action='store_true')
    a = ap.parse_args()
    from textlib.core import untar_data, URLs
    from textlib.ulmfit import StageLog, ulmfit_pretrain, ulmfit_finetune_lm, _stage, _key
    out, imdb = Path(a.out), untar_data(URLs.IMDB)
    log = StageLog(out)
    if a.lm_from:   # the stage-2 encoder of a `textlib ulmfit` run, copied into OUT/models
        lm_stages = lm_from_run(a.lm_from, out)
        enc, k2 = lm_stages['finetune_lm']['name'], lm_stages['finetune_lm']['key']
    else:
        k1 = _key(stage='pretrain', epochs=a.pretrain_epochs, seed=a.seed)
        _stage(log, 'pretrain', k1, a.quiet, lambda: dict(zip(('name', 'valid'), ulmfit_pretrain(out, epochs=a.pretrain_epochs, seed=a.seed, quiet=a.quiet))))
        k2 = _key(prev=k1, n_lm=a.n_lm, epochs=a.lm_epochs, seed=a.seed)
        enc = _stage(log, 'finetune_lm', k2, a.quiet, lambda: dict(zip(('name', 'valid'), ulmfit_finetune_lm(
            out, imdb, 'pretrained', a.n_lm, a.lm_epochs, max_vocab=30000, seed=a.seed, quiet=a.quiet))))['name']
        lm_stages = log.read()
    rows = {}
    for n in [int(x) for x in a.labels.split(',')]:
        for model, fn in (('tfidf', lambda: tfidf(imdb, n, a.n_test)),
                          ('scratch', lambda: scratch(out, imdb, enc, n, a.n_test, a.seed, a.quiet)),
                          ('ulmfit', lambda: ulmfit(out, imdb, enc, n, a.n_test, a.seed, a.quiet))):
            r = _stage(log, f'{model}_{n}', _key(prev=k2, model=model, n=n, n_test=a.n_test, seed=a.seed), a.quiet, fn)
            rows.setdefault(n, {})[model] = (r['accuracy'], r['seconds'])
    names = {'tfidf': 'TF-IDF + logistic regression', 'scratch': 'AWD-LSTM from scratch', 'ulmfit': 'ULMFiT'}
    print(f"\nIMDb test accuracy on {a.n_test:,} test reviews (stage 1 {lm_stages['pretrain']['seconds']/60:.1f} min, "
          f"stage 2 {lm_stages['finetune_lm']['seconds']/60:.1f} min, shared by every ULMFiT row)\n")
    print('| labelled reviews | ' + ' | '.join(names.values()) + ' |'); print('|---|---|---|---|')
    for n, r in rows.items(): print(f'| {n:,} | ' + ' | '.join(f'{r[m][0]:.1%} ({r[m][1]/60:.1f} min)' for m in names) + ' |')
    results = dict(n_test=a.n_test, stage_minutes={k: round(lm_stages[k]['seconds'] / 60, 2) for k in ('pretrain', 'finetune_lm')},
                   accuracy={str(n): {m: v[0] for m, v in r.items()} for n, r in rows.items()},
                   minutes={str(n): {m: round(v[1] / 60, 2) for m, v in r.items()} for n, r in rows.items()})
    (_HERE/'ulmfit_sample_efficiency.json').write_text(json.dumps(results, indent=1))   # committed: 12c plots it
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for m in names: ax.plot(list(rows), [rows[n][m][0] for n in rows], 'o-', label=names[m])
    ax.set_xscale('log'); ax.set_xlabel('labelled training reviews'); ax.set_ylabel(f'test accuracy ({a.n_test:,} reviews)'); ax.legend(fontsize=8)
    fig.tight_layout(); fig.savefig(_HERE/'ulmfit_sample_efficiency.png', dpi=100)
    for n, r in rows.items():
        print(f"RESULT ulmfit_sample_efficiency_{n} ulmfit={r['ulmfit'][0]:.4f} scratch={r['scratch'][0]:.4f} tfidf={r['tfidf'][0]:.4f} accuracy")

if __name__ == '__main__': main()
