"""ulmfit_sample: ULMFiT on IMDB_SAMPLE, textlib vs fastai in one run: accuracy, wall time, prediction speed.

    python bench/ulmfit_sample.py [--reps 3] [--work DIR]

Protocol (../shared/bench/README.md): one stage-1 language model (embeddings 200, hidden 400, 2 layers), pretrained
here once with textlib on WikiText-2 (3 epochs), written in both formats: textlib's (safetensors + JSON vocabulary)
and fastai's (`wt2.pth` with fastai's key names, `wt2_itos.pkl`). Then, in fresh processes, sides alternating
(A B, B A, ...), each library runs the same recipe from it (fastai's IMDb example; `bench/ulmfit_sample_fastai.py`
is fastai's side): LM fine-tuning on the sample's 1,000 texts (10% validation, bs 32, bptt 72, drop_mult 0.3, one
epoch frozen at 1e-2, one unfrozen at 3e-3), the classifier on its 800 labelled reviews (validated on its 200;
drop_mult 0.5; gradual unfreezing with one-cycle: 2e-2 head only, then slice(lr/2.6**4, lr) with lr 1e-2, 5e-3 and
1e-3 for 2 epochs, everything unfrozen), and predictions with the trained classifier on 200 IMDb test reviews: the
median latency of `predict` on single reviews (20 of them), and the throughput of batch prediction (fastai:
`test_dl` + `get_preds`; textlib: `predict_proba`). Both tokenize with their own default rules + spaCy (the same
tokens, `bench/tokenize_speed.py`), each builds its own vocabulary, both on 2 threads.
Prints a table and `RESULT` lines.
"""
import argparse, json, os, pickle, statistics, subprocess, sys, time
from pathlib import Path
_HERE = Path(__file__).resolve().parent   # keep bench/ off sys.path: no script here may shadow a stdlib module
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != _HERE]
FASTAI_PY = Path(os.environ.get('FASTAI_VENV', Path.home()/'.cache/textlib-bench/fastai-venv'))/'bin'/'python'
SIZES = dict(emb_sz=200, n_hid=400, n_layers=2)

def to_fastai(sd:dict) -> dict:
    "textlib's AWD-LSTM language-model state dict with fastai 2's key names, in fastai's order (its loader matches by position)."
    n_layers = len({k.split('.')[2] for k in sd if k.startswith('0.rnns.')})
    out = {'0.encoder.weight': sd['0.encoder.weight'], '0.encoder_dp.emb.weight': sd['0.encoder.weight']}
    for l in range(n_layers):
        out[f'0.rnns.{l}.weight_hh_l0_raw'] = sd[f'0.rnns.{l}.module.weight_hh_l0']
        for k in ('weight_ih_l0', 'bias_ih_l0', 'bias_hh_l0'): out[f'0.rnns.{l}.module.{k}'] = sd[f'0.rnns.{l}.module.{k}']
    out['1.decoder.weight'], out['1.decoder.bias'] = sd['1.decoder.weight'], sd['1.decoder.bias']
    return out

def prepare(work:Path):
    "The shared stage-1 model in both formats, and the reviews to predict."
    import torch
    from textlib.core import set_seed
    from textlib.datasets import untar_data, URLs
    from textlib.tokenizers import get_text_files, read_text
    from textlib.lm import language_model_learner, wikitext_lm_dls, fastai_to_textlib
    from textlib.checkpoint import checkpoint_state
    models = work/'models'
    if not (models/'wt2_itos.pkl').is_file():
        set_seed(0)
        learn = language_model_learner(wikitext_lm_dls(bs=64, seed=0, progress=False), SIZES, drop_mult=0.5, path=work)
        with learn.no_logging(): learn.fit_one_cycle(3, 3e-3)
        learn.save_lm('wt2')
        sd = {k: v.contiguous() for k, v in checkpoint_state(models/'wt2.safetensors')[0].items()}
        fa = to_fastai(sd)
        assert set(fastai_to_textlib(fa)) == set(sd)   # the round trip gives textlib's keys back
        torch.save(fa, models/'wt2.pth')
        (models/'wt2_itos.pkl').write_bytes(pickle.dumps(learn.dls.vocab))
    imdb = untar_data(URLs.IMDB)
    texts = [read_text(f) for c in ('neg', 'pos') for f in get_text_files(imdb/'test'/c)[:100]]
    (work/'predict.json').write_text(json.dumps(texts))

def textlib_worker(a):
    import torch
    from textlib.core import set_seed
    from textlib.text import TextDataLoaders
    from textlib.lm import language_model_learner
    from textlib.ulmfit import text_classifier_learner
    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    set_seed(a.seed)
    dls_lm = TextDataLoaders.from_csv(a.csv, is_lm=True, valid_col=None, bs=a.bs, bptt=72, seed=a.seed, path=a.work, progress=False,
                                      cache_dir=a.work/f'tok_{a.seed}')
    lm = language_model_learner(dls_lm, drop_mult=0.3, pretrained='wt2', path=a.work)
    with lm.no_logging():
        lm.freeze(); lm.fit_one_cycle(1, 1e-2)
        lm.unfreeze(); lm.fit_one_cycle(1, 3e-3)
    lm_loss = float(lm.validate()[0])
    lm.save_encoder(f'ft_textlib_{a.seed}')
    t1 = time.perf_counter()
    set_seed(a.seed)
    dls = TextDataLoaders.from_csv(a.csv, bs=a.bs, seed=a.seed, vocab=dls_lm.num, path=a.work, progress=False, cache_dir=a.work/f'tok_{a.seed}')
    learn = text_classifier_learner(dls, drop_mult=0.5, pretrained=f'ft_textlib_{a.seed}', path=a.work)
    with learn.no_logging(): learn.fit_gradual(2e-2, (1, 1, 1, 2), (1, 1/2, 1/4, 1/20), sched='one_cycle')
    acc = float(learn.validate()[1])
    t2 = time.perf_counter()
    texts = json.loads((a.work/'predict.json').read_text())
    learn.predict(texts[0])                                       # warm-up
    lat = []
    for t in texts[:20]:
        s = time.perf_counter(); learn.predict(t); lat.append(time.perf_counter() - s)
    s = time.perf_counter(); learn.predict_proba(texts); batch = time.perf_counter() - s
    return dict(accuracy=acc, lm_valid_loss=lm_loss, lm_secs=t1 - t0, clas_secs=t2 - t1, total_secs=t2 - t0,
                latency_ms=1000 * statistics.median(lat), batch_docs_s=len(texts) / batch, n_predict=len(texts), vocab=len(dls_lm.vocab))

def run(lib, a, seed):
    args = ['--work', str(a.work), '--csv', str(a.csv), '--seed', str(seed), '--bs', str(a.bs), '--threads', str(a.threads)]
    cmd = [sys.executable, __file__, '--worker'] + args if lib == 'textlib' else [str(FASTAI_PY), str(_HERE/'ulmfit_sample_fastai.py')] + args
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode: raise RuntimeError(f'{lib} worker failed:\n{r.stderr[-3000:]}')
    return json.loads(r.stdout.strip().splitlines()[-1])

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--worker', action='store_true'); p.add_argument('--reps', type=int, default=3)
    p.add_argument('--work', type=Path, default=Path.home()/'.cache/textlib-bench/ulmfit_sample')
    p.add_argument('--csv', type=Path); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--bs', type=int, default=32); p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    if a.worker: print(json.dumps(textlib_worker(a))); return
    if not FASTAI_PY.exists(): raise SystemExit(f'no fastai venv at {FASTAI_PY}: run bash bench/setup_fastai.sh')
    from textlib.datasets import untar_data, URLs
    a.csv = untar_data(URLs.IMDB_SAMPLE)/'texts.csv'
    a.work.mkdir(parents=True, exist_ok=True)
    prepare(a.work)
    res = {'textlib': [], 'fastai': []}
    for rep in range(a.reps):
        for lib in ('textlib', 'fastai') if rep % 2 == 0 else ('fastai', 'textlib'):
            r = run(lib, a, rep); res[lib].append(r)
            print(f"seed {rep} {lib:7s} accuracy {r['accuracy']:.3f}  LM {r['lm_secs']:.0f}s + classifier {r['clas_secs']:.0f}s = {r['total_secs']:.0f}s  "
                  f"predict {r['latency_ms']:.1f} ms/review, {r['batch_docs_s']:.0f} docs/s in batch", flush=True)
    med = lambda lib, k: statistics.median(r[k] for r in res[lib])
    rng = lambda lib, k: (min(r[k] for r in res[lib]), max(r[k] for r in res[lib]))
    print(f'\n| | textlib | fastai | ratio |\n|---|---|---|---|')
    for k, name, better in (('accuracy', 'validation accuracy (median, range)', None), ('total_secs', 'wall time, stages 2+3 (s)', 'lower'),
                            ('latency_ms', 'predict latency, one review (ms)', 'lower'), ('batch_docs_s', 'batch prediction (docs/s)', 'higher')):
        t, f = med('textlib', k), med('fastai', k)
        ratio = (f / t if better == 'lower' else t / f) if better else t - f
        (tl, th), (fl, fh) = rng('textlib', k), rng('fastai', k)
        print(f'| {name} | {t:.3f} ({tl:.3f}–{th:.3f}) | {f:.3f} ({fl:.3f}–{fh:.3f}) | ' + (f'{ratio:.2f}x' if better else f'{ratio:+.3f}') + ' |')
    print(f"\nRESULT ulmfit_sample_accuracy textlib={med('textlib', 'accuracy'):.4f} fastai={med('fastai', 'accuracy'):.4f} diff={med('textlib', 'accuracy') - med('fastai', 'accuracy'):+.4f} accuracy")
    print(f"RESULT ulmfit_sample_time textlib={med('textlib', 'total_secs'):.1f} fastai={med('fastai', 'total_secs'):.1f} ratio={med('fastai', 'total_secs') / med('textlib', 'total_secs'):.2f} speedup")
    print(f"RESULT predict_latency textlib={med('textlib', 'latency_ms'):.1f} fastai={med('fastai', 'latency_ms'):.1f} ratio={med('fastai', 'latency_ms') / med('textlib', 'latency_ms'):.2f} speedup")
    print(f"RESULT predict_batch textlib={med('textlib', 'batch_docs_s'):.1f} fastai={med('fastai', 'batch_docs_s'):.1f} ratio={med('textlib', 'batch_docs_s') / med('fastai', 'batch_docs_s'):.2f} docs/s")

if __name__ == '__main__': main()
