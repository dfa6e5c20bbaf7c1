"""ulmfit_ablations: what each part of ULMFiT is worth, switched off one at a time, on IMDb.

    python bench/ulmfit_ablations.py --all [--out DIR] [--n_labels 1000] [--n_test 2000] [--lm_from ~/.textlib/runs/ulmfit-imdb]
    python bench/ulmfit_ablations.py --no_gradual --sched one_cycle      # one variant of your choice

In the spirit of the lesson's scripts (fastai's `imdb_scripts`): the recipe of `bench/ulmfit_sample_efficiency.py`
(same OUT folder: its stage-1 and stage-2 models are reused, so run it first, or let this script make them; or,
with `--lm_from DIR`, those of the `textlib ulmfit` run in DIR), with
one part changed at a time:
  pretraining off     stage 2 starts from random weights (same budget), then the usual classifier;
  LM fine-tuning off  the classifier starts from the stage-1 (WikiText-2) encoder, moved to IMDb's vocabulary;
  gradual off         every layer group trains from the first step (same epochs, rates, schedule);
  discriminative off  every layer group at the same rate (div 1);
  one-cycle           fastai's schedule instead of slanted triangular learning rates;
and the number of labelled reviews (`--n_labels`). Every finished variant is recorded in OUT/stages.json and reused.
Writes bench/ulmfit_ablations.csv and .png, prints a markdown table.
"""
import json, os, shutil, sys
from pathlib import Path
_HERE = Path(__file__).resolve().parent   # keep bench/ off sys.path: no script here may shadow a stdlib module
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != _HERE]
from fastcore.script import call_parse, store_true
import importlib.util
_spec = importlib.util.spec_from_file_location('ulmfit_sample_efficiency', _HERE/'ulmfit_sample_efficiency.py')
_eff = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(_eff)   # its `no_validation` and `lm_from_run`

def classify(out, imdb, encoder, n_labels, n_test, seed, gradual=True, div=2.6**4, sched='stlr', match_vocab=False):
    "Test accuracy of the classifier from `encoder` with the chosen variant of the recipe."
    from textlib.core import set_seed
    from textlib.text import Numericalize, TextDataLoaders
    from textlib.ulmfit import text_classifier_learner
    set_seed(seed)
    vocab = Numericalize.load(out/'models'/'imdb_enc.vocab.json')   # the IMDb vocabulary, for every variant
    bs, epochs = (16, (4, 4, 4, 8)) if n_labels <= 200 else (32, (1, 1, 1, 3)) if n_labels <= 2000 else (64, (1, 1, 1, 2))
    dls = TextDataLoaders.from_folder(imdb, valid='test', n_per_folder=n_labels // 2, n_valid_per_folder=n_test // 2, bs=bs, seed=seed,
                                      vocab=vocab, progress=False)
    learn = text_classifier_learner(dls, pretrained=encoder, match_vocab=match_vocab, path=out, cbs=_eff.no_validation())
    with learn.no_logging():
        if gradual: learn.fit_gradual(2e-2, epochs, div=div, sched=sched)
        else:
            learn.unfreeze()
            fit = learn.fit_stlr if sched == 'stlr' else learn.fit_one_cycle
            fit(sum(epochs), slice(2e-2 / 20 / div, 2e-2 / 20))   # the last stage's rates, for every epoch
    probs, targs = learn.get_preds()
    return dict(accuracy=float((probs.argmax(1) == targs).float().mean()), n_test=len(targs))

@call_parse
def main(out:str=str(Path.home()/'.cache/textlib-bench/ulmfit'), # the folder of `ulmfit_sample_efficiency.py` (stages 1 and 2 reused)
         n_labels:int=1000, # labelled training reviews
         n_test:int=2000, # test reviews (the first of test/neg and test/pos)
         no_pretraining:store_true=False, # stage 2 from random weights
         no_lm_finetuning:store_true=False, # the classifier from the stage-1 encoder
         no_gradual:store_true=False, # every layer group trains from the start
         no_discriminative:store_true=False, # one learning rate for every group
         sched:str='stlr', # 'stlr' or 'one_cycle'
         all:store_true=False, # the full recipe and each ablation in turn (ignores the switches above)
         skip:str='', # with --all: variants to leave out, comma-separated (e.g. 'no pretraining')
         lm_from:str=None, # reuse stages 1 and 2 of the `textlib ulmfit` run in this folder (e.g. ~/.textlib/runs/ulmfit-imdb)
         n_lm:int=1000, seed:int=42, quiet:store_true=False):
    "Run ULMFiT ablations on IMDb and tabulate their test accuracy."
    from textlib.core import untar_data, URLs
    from textlib.ulmfit import StageLog, ulmfit_pretrain, ulmfit_finetune_lm, _stage, _key
    out, imdb = Path(out).expanduser(), untar_data(URLs.IMDB)
    log = StageLog(out)
    if lm_from:   # stages 1 and 2 of a `textlib ulmfit` run, copied into OUT/models
        st = _eff.lm_from_run(lm_from, out)
        pre, enc, k2 = st['pretrain']['name'], st['finetune_lm']['name'], st['finetune_lm']['key']
    else:
        k1 = _key(stage='pretrain', epochs=3, seed=seed)
        pre = _stage(log, 'pretrain', k1, quiet, lambda: dict(zip(('name', 'valid'), ulmfit_pretrain(out, epochs=3, seed=seed, quiet=quiet))))['name']
        k2 = _key(prev=k1, n_lm=n_lm, epochs=2, seed=seed)
        enc = _stage(log, 'finetune_lm', k2, quiet, lambda: dict(zip(('name', 'valid'), ulmfit_finetune_lm(
            out, imdb, pre, n_lm, 2, max_vocab=30000, seed=seed, quiet=quiet))))['name']
    variants = {'ULMFiT (all parts)': {}, 'no pretraining': dict(no_pretraining=True), 'no LM fine-tuning': dict(no_lm_finetuning=True),
                'no gradual unfreezing': dict(no_gradual=True), 'no discriminative rates': dict(no_discriminative=True),
                'one-cycle instead of STLR': dict(sched='one_cycle')} if all else \
               {'chosen variant': dict(no_pretraining=no_pretraining, no_lm_finetuning=no_lm_finetuning, no_gradual=no_gradual,
                                       no_discriminative=no_discriminative, sched=sched)}
    variants = {k: v for k, v in variants.items() if k not in [x.strip() for x in skip.split(',')]}
    rows = {}
    for name, v in variants.items():
        e = enc
        if v.get('no_pretraining'):
            e = _stage(log, 'finetune_lm_scratch', _key(prev=k2, scratch=True), quiet, lambda: dict(zip(('name', 'valid'), ulmfit_finetune_lm(
                out, imdb, None, n_lm, 2, max_vocab=30000, seed=seed, quiet=quiet))))['name']
        if v.get('no_lm_finetuning'): e = pre
        args = dict(gradual=not v.get('no_gradual'), div=1. if v.get('no_discriminative') else 2.6**4, sched=v.get('sched', 'stlr'),
                    match_vocab=bool(v.get('no_lm_finetuning')))
        key = _key(prev=k2, encoder=e, n_labels=n_labels, n_test=n_test, **args)
        r = _stage(log, f'ablation_{key}', key, quiet, lambda: classify(out, imdb, e, n_labels, n_test, seed, **args))
        rows[name] = (r['accuracy'], r['seconds'])
    import csv
    with open(_HERE/'ulmfit_ablations.csv', 'w', newline='') as f:   # committed: 12c shows it
        w = csv.writer(f); w.writerow(['variant', 'n_labels', 'n_test', 'accuracy', 'minutes'])
        for name, (acc, secs) in rows.items(): w.writerow([name, n_labels, n_test, f'{acc:.4f}', f'{secs/60:.1f}'])
    print(f'\n{n_labels:,} labelled reviews, test accuracy on {n_test:,} test reviews\n\n| variant | accuracy | classifier time |\n|---|---|---|')
    for name, (acc, secs) in rows.items(): print(f'| {name} | {acc:.1%} | {secs/60:.1f} min |')
    if len(rows) > 1:
        import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(5.5, 2.8))
        names = list(rows)[::-1]
        ax.barh(names, [rows[n][0] for n in names]); ax.set_xlim(0.5, 1); ax.set_xlabel(f'test accuracy ({n_test:,} reviews, {n_labels:,} labels)')
        fig.tight_layout(); fig.savefig(_HERE/'ulmfit_ablations.png', dpi=100)
