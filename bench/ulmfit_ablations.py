"""ulmfit_ablations: what each lever of `textlib ulmfit --minutes M` is worth, one at a time, on the fixed 5,000 test reviews.

    python bench/ulmfit_ablations.py --all [--seeds 42] [--minutes 15]          # every variant
    python bench/ulmfit_ablations.py --variants recipe --seeds 42,1,2            # the recipe, three seeds
    python bench/ulmfit_ablations.py --variants no_glove [--out DIR] [--json FILE] [--n-labels 500 --n-valid 250 --n-test 2500]

This is the experiment log of 12c (issue 22).
Each variant is `run_ulmfit` (12c) with one argument changed from the default recipe, in its own folder
OUT/<variant>-s<seed>, on the same reviews: 500 labelled reviews per class (the first files of train/neg and train/pos),
250 per class to validate (their last files), the first 2,500 of test/neg and test/pos to test (the fixed 5,000 of
`bench/ulmfit_sample_efficiency.py`); the language model reads train/{pos,neg,unsup} without the validation reviews
and without any review whose text is a test review's. A variant that changes only the classifier (`gradual`, `clas_drop1`) reuses
the language model of `recipe` with the same seed (copied, then reused by its stage key), and `recipe` with seed 42 starts
from a copy of 12c's main job (~/.textlib/runs/ulmfit-imdb: the same arguments), reusing what its stage keys allow. Finished runs are reused
(their stage keys include textlib's code), so a killed run resumes. Times are wall times of this machine: a time
budget trains more on a faster or quieter machine, so compare rows run on the same machine, alone.
Writes the JSON (one record per run) and prints a markdown table and `RESULT` lines.
"""
import argparse, json, os, shutil, statistics, sys, time
from pathlib import Path
_HERE = Path(__file__).resolve().parent   # keep bench/ off sys.path: no script here may shadow a stdlib module
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != _HERE]

def variants():
    from textlib.lm import awd_lstm_lm_config_cpu
    return {'recipe': {}, 'no_glove': dict(glove=False), 'full_softmax': dict(config=dict(awd_lstm_lm_config_cpu)),
            'wikitext2': dict(pretrained='wikitext-2'), 'gradual': dict(recipe='gradual', clas_lr=1e-2),
            'clas_drop1': dict(clas_drop=1.0)}

LABELS = {'recipe': 'the recipe (IMDb LM, adaptive softmax, GloVe, all trainable)', 'no_glove': 'without GloVe',
          'full_softmax': 'full softmax instead of adaptive', 'wikitext2': 'with a WikiText-2 stage 1 first',
          'gradual': 'gradual unfreezing (STLR, discriminative rates)',
          'clas_drop1': "the classifier's dropouts doubled (drop_mult 1.0)"}

CLASSIFIER_ONLY = ('gradual', 'clas_drop1')   # variants that change only the classifier: they reuse `recipe`'s language model
MAIN_JOB = Path('~/.textlib/runs/ulmfit-imdb').expanduser()   # 12c's slow cell: `run_ulmfit` with its defaults (seed 42, 15 minutes)

def run(name, kw, seed, minutes, out, sizes=None):
    from textlib.ulmfit import run_ulmfit
    folder = Path(out).expanduser()/f'{name}-s{seed}'
    base = Path(out).expanduser()/f'recipe-s{seed}'
    sizes = sizes or {}
    main = not sizes and seed == 42 and minutes == 15   # 12c's main job has these arguments
    if name == 'recipe' and main and not folder.exists() and (MAIN_JOB/'stages.json').exists():
        shutil.copytree(MAIN_JOB, folder)   # the same run as 12c's main job: its stages are reused where their keys (arguments and code) match
    src = base if (base/'stages.json').exists() else MAIN_JOB if main else None
    if name in CLASSIFIER_ONLY and not (folder/'stages.json').exists() and src is not None and (src/'stages.json').exists():
        (folder/'models').mkdir(parents=True, exist_ok=True)   # the same language model: its files and its stage record
        for f in (src/'models').glob('imdb_lm*'): shutil.copy2(f, folder/'models'/f.name)
        st = json.loads((src/'stages.json').read_text()); (folder/'stages.json').write_text(json.dumps({'language_model': st['language_model']}))
    t0 = time.time()
    res = run_ulmfit(folder, minutes=minutes, seed=seed, quiet=True, **sizes, **kw)
    st = res['stages']
    lm = st['language_model']
    return dict(variant=name, seed=seed, minutes=minutes, accuracy=res['classifier accuracy'], n_test=st['classifier']['n_test'],
                valid_accuracy=st['classifier']['valid'][-1], lm_perplexity=lm['valid'][-1], lm_tokens=lm['tokens'], lm_tok_s=lm['tok_s'],
                lm_reviews=lm['reviews'], stage_minutes=res['minutes'], wall_minutes=(time.time() - t0) / 60)

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--variants', default='recipe'); p.add_argument('--all', action='store_true', help='every variant')
    p.add_argument('--n-labels', type=int, default=None); p.add_argument('--n-valid', type=int, default=None); p.add_argument('--n-test', type=int, default=None)
    p.add_argument('--seeds', default='42'); p.add_argument('--minutes', type=float, default=15)
    p.add_argument('--out', default='~/.textlib/runs/ulmfit-budget'); p.add_argument('--json', default=str(_HERE/'ulmfit_ablations.json'))
    a = p.parse_args()
    vs, js = variants(), Path(a.json)
    sizes = {k: v for k, v in (('n_labels', a.n_labels), ('n_valid', a.n_valid), ('n_test', a.n_test)) if v is not None}
    names = list(vs) if a.all else a.variants.split(',')
    unknown = [n for n in names if n not in vs]
    if unknown: raise SystemExit(f"unknown variants {unknown}: {', '.join(vs)}")
    recs = json.loads(js.read_text()) if js.exists() else []
    for name in names:
        for seed in map(int, a.seeds.split(',')):
            r = run(name, vs[name], seed, a.minutes, a.out, sizes)
            recs = [x for x in recs if (x['variant'], x['seed'], x['minutes']) != (name, seed, a.minutes)] + [r]
            js.write_text(json.dumps(recs, indent=1))
            print(f"{name:13s} seed {seed:3d}: test {r['accuracy']:.2%}  valid {r['valid_accuracy']:.2%}  LM ppl {r['lm_perplexity']:.0f}  "
                  f"{r['lm_tokens']/1e6:.1f} M tokens at {r['lm_tok_s']:,.0f}/s  ({r['wall_minutes']:.1f} min)", flush=True)
    print('\n| variant | seeds | test accuracy (5,000) | validation (500) | LM perplexity | LM tokens | LM tokens/s |\n|---|---|---|---|---|---|---|')
    for name in vs:
        rs = [x for x in recs if x['variant'] == name and x['minutes'] == a.minutes]
        if not rs: continue
        med = lambda k: statistics.median(x[k] for x in rs)
        print(f"| {LABELS[name]} | {len(rs)} | {med('accuracy'):.1%} | {med('valid_accuracy'):.1%} | {med('lm_perplexity'):.0f} | "
              f"{med('lm_tokens')/1e6:.1f} M | {med('lm_tok_s'):,.0f} |")
    for name in vs:
        rs = [x for x in recs if x['variant'] == name and x['minutes'] == a.minutes]
        if rs: print(f"RESULT ulmfit_ablations_{name}_{a.minutes:g}min accuracy={statistics.median(x['accuracy'] for x in rs):.4f} seeds={len(rs)}")

if __name__ == '__main__': main()
