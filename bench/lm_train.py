"""lm_train: AWD-LSTM language-model training speed and quality, textlib vs fastai, in one run.

    python bench/lm_train.py [--configs small,big] [--reps 3] [--small-batches 40] [--big-batches 8]

Protocol (../shared/bench/README.md): WikiText-2 *valid* as training text, *test* as validation text, bs 64,
bptt 72, the small (emb 200 / hidden 400 / 2 layers) and paper (emb 400 / hidden 1152 / 3 layers) configs.
Both libraries train on the same token-id streams (tokenized once here with textlib's default rules + spaCy,
articles in file order, one continuous stream each) and read the same batches: fastai's `LMDataLoader` cuts a
stream of n tokens into rows of (n-1)//bs tokens, and the stream is truncated to bs*rows+1 tokens so that
textlib's loader gives the same rows; the first 3 batches' checksums are compared. Same model config (fastai's
`awd_lstm_lm_config` dropouts x drop_mult), one-cycle over exactly N batches (moms 0.8/0.7/0.8, wd 0.01),
AR/TAR (2, 1), gradient clipping 0.1, Adam (0.9, 0.99, eps 1e-5), same seeds. Runs alternate textlib / fastai,
each in a fresh process (fastai in its own venv, `bench/setup_fastai.sh`). Tokens/s counts training batches
2..N (data loading included), not validation. Validation loss is on the first M validation batches.

Prints a table and `RESULT lm_train_<config> textlib=<tok/s> fastai=<tok/s> ratio=<x> tokens/s` lines.
`--worker textlib` is the textlib side (called by this script).

    python bench/lm_train.py --corpus imdb --adaptive [--reps 3] [--small-batches 40]

The adaptive-softmax rows (issue 22): the main job's language model (emb 200, hidden 400, 2 layers) on IMDb text (the
first 20,000 reviews of a seeded shuffle of train/unsup to train, the next 200 to validate, a 30,000-word vocabulary),
three sides per seed: fastai with its full softmax for N batches; textlib with the full softmax for N batches; textlib
with the adaptive softmax (cut-offs 2,000 and 10,000, head tied) for the *same wall time* as fastai's N batches
(`--seconds`, one-cycle driven by the clock). Tokens/s of each, and the validation perplexity each reaches in that time.
Prints `RESULT lm_train_adaptive textlib=<tok/s> fastai=<tok/s> ratio=<x> tokens/s` and the perplexities.
"""
import argparse, json, math, os, resource, statistics, subprocess, sys, time
from pathlib import Path

_HERE = Path(__file__).resolve().parent   # keep bench/ off sys.path: no script here may shadow a stdlib module
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != _HERE]
FASTAI_PY = Path(os.environ.get('FASTAI_VENV', Path.home()/'.cache/textlib-bench/fastai-venv'))/'bin'/'python'
CONFIGS = {'small': dict(emb=200, hid=400, layers=2), 'big': dict(emb=400, hid=1152, layers=3)}

def checksum(t):
    import torch
    t = t.long().cpu()
    return int((t * (torch.arange(t.numel()).view_as(t) % 1000 + 1)).sum())

# ---------------------------------------------------------------- data
def prepare(out:Path, bs:int):
    "Tokenize WikiText-2 valid/test with textlib, numericalize, write the two truncated id streams."
    import numpy as np
    from textlib.datasets import untar_data, URLs
    from textlib.text import read_wikitext, Numericalize
    from textlib.tokenizers import tokenize_texts
    if (out/'meta.json').exists(): return json.loads((out/'meta.json').read_text())
    path = untar_data(URLs.WIKITEXT_TINY)
    arts = [read_wikitext(path/f'{s}.txt') for s in ('valid', 'test')]
    corpus = tokenize_texts(arts[0] + arts[1])
    n = len(arts[0])
    num = Numericalize.from_counts(corpus.count(range(n)))
    ids = corpus.numericalize(num)
    out.mkdir(parents=True, exist_ok=True)
    meta = {'vocab_sz': len(num)}
    for name, idx in (('train', range(n)), ('valid', range(n, len(corpus)))):
        s = np.concatenate([ids[i] for i in idx]).astype(np.int64)
        rows = (len(s) - 1) // bs
        s = s[:rows * bs + 1]
        np.save(out/f'{name}.npy', s)
        meta[f'{name}_tokens'] = len(s)
    num.save(out/'vocab.json')
    (out/'meta.json').write_text(json.dumps(meta))
    return meta

def prepare_imdb(out:Path, bs:int, n_train:int=20000, n_valid:int=200):
    "IMDb's train/unsup reviews (shuffled with seed 0): the first `n_train` to train on, the next `n_valid` to validate; a 30,000-word vocabulary."
    import numpy as np
    from textlib.datasets import untar_data, URLs
    from textlib.text import Numericalize
    from textlib.tokenizers import get_text_files, tokenize_files
    if (out/'meta.json').exists(): return json.loads((out/'meta.json').read_text())
    files = get_text_files(untar_data(URLs.IMDB)/'train'/'unsup')
    order = np.random.default_rng(0).permutation(len(files))[:n_train + n_valid]
    corpus = tokenize_files([files[i] for i in order])
    num = Numericalize.from_counts(corpus.count(range(n_train)), 3, 30000)
    ids = corpus.numericalize(num)
    out.mkdir(parents=True, exist_ok=True)
    meta = {'vocab_sz': len(num), 'corpus': 'imdb'}
    for name, idx in (('train', range(n_train)), ('valid', range(n_train, n_train + n_valid))):
        st = np.concatenate([ids[i] for i in idx]).astype(np.int64)
        st = st[:(len(st) - 1) // bs * bs + 1]
        np.save(out/f'{name}.npy', st); meta[f'{name}_tokens'] = len(st)
    num.save(out/'vocab.json'); (out/'meta.json').write_text(json.dumps(meta))
    return meta

# ---------------------------------------------------------------- textlib worker
class _Limited:
    "The first `n` batches of a loader, with `len` n (so one-cycle spans exactly them)."
    def __init__(self, dl, n): self.dl, self.n = dl, n
    def __len__(self): return self.n
    def __iter__(self):
        for i, b in enumerate(self.dl):
            if i == self.n: return
            yield b

def textlib_worker(args):
    import numpy as np, torch
    from textlib.text import LMDataLoader, TextDataLoaders, Numericalize
    from textlib.learner import Callback, CancelValidateException
    from textlib.lm import language_model_learner
    from textlib.awdlstm import awd_lstm_lm_config
    torch.set_num_threads(args.threads)
    data = Path(args.data)
    num = Numericalize.load(data/'vocab.json')
    streams = {k: np.load(data/f'{k}.npy') for k in ('train', 'valid')}
    def mk(k, n):
        dl = LMDataLoader([streams[k]], bs=args.bs, bptt=args.bptt, shuffle=False)
        if n > len(dl): raise SystemExit(f'asked for {n} {k} batches, the stream has {len(dl)}')
        return _Limited(dl, n or len(dl))
    dls = TextDataLoaders(mk('train', args.batches), mk('valid', args.valid_batches), num=num, vocab=num.vocab, is_lm=True)
    config = dict(awd_lstm_lm_config, emb_sz=args.emb, n_hid=args.hid, n_layers=args.layers,
                  cutoffs=[2000, 10000] if args.decoder == 'adaptive' else None)
    torch.manual_seed(args.seed)
    learn = language_model_learner(dls, config, drop_mult=args.drop_mult, clip=args.clip or None, device='cpu')

    class BatchTimer(Callback):
        order = 200
        def before_fit(self): self.times, self.losses, self.ntok, self.ck, self.t_last = [], [], [], {'x': [], 'y': []}, None
        def before_batch(self):
            if not self.training: return
            if self.iter == 0: self.t_last = time.perf_counter()
            if self.iter < 3: self.ck['x'].append(checksum(self.xb[0])); self.ck['y'].append(checksum(self.yb[0]))
        def after_batch(self):
            if not self.training: return
            t = time.perf_counter(); self.times.append(t - self.t_last); self.t_last = t
            self.ntok.append(self.xb[0].numel()); self.losses.append(float(self.learn.loss))
    class SkipValidation(Callback):
        order = 60   # after the Recorder has set up its validation metrics
        def before_validate(self): raise CancelValidateException()

    timer = BatchTimer()
    if args.profile:
        from torch.profiler import profile, ProfilerActivity
        with learn.no_logging(), profile(activities=[ProfilerActivity.CPU]) as prof:
            learn.fit_one_cycle(1, args.lr, wd=args.wd, cbs=[timer, SkipValidation()])
        print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=25), file=sys.stderr)
        return {'batch_times': timer.times}
    with learn.no_logging():
        t0 = time.perf_counter()
        if args.seconds:   # the same wall time as another run: one-cycle over the clock
            from textlib.schedule import TimeBudget
            learn.fit_one_cycle(1, args.lr, wd=args.wd, cbs=[timer, SkipValidation(), TimeBudget(args.seconds / 60)])
        else: learn.fit_one_cycle(1, args.lr, wd=args.wd, cbs=[timer, SkipValidation()])
        train_time = time.perf_counter() - t0
        t0 = time.perf_counter()
        vals = learn.validate()
        val_loss, val_acc, val_ppl = (vals[0], float('nan'), vals[1]) if len(vals) == 2 else vals   # adaptive: no accuracy
        val_time = time.perf_counter() - t0
    n, warm = len(timer.times), sum(timer.times[2:])
    k_last = max(1, math.ceil(0.1 * n))
    return {'checksums': timer.ck, 'batch_times': timer.times, 'tokens_per_s': sum(timer.ntok[2:]) / warm,
            'train_loss_last': sum(timer.losses[-k_last:]) / k_last, 'val_loss': float(val_loss), 'val_acc': float(val_acc),
            'val_ppl': float(val_ppl), 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            'torch_version': torch.__version__, 'train_time_s': train_time, 'val_time_s': val_time, 'n_batches': n}

# ---------------------------------------------------------------- orchestration
def run_one(lib, args, cfg, n_batches, seed, extra=()):
    common = ['--data', str(args.data), '--emb', str(cfg['emb']), '--hid', str(cfg['hid']), '--layers', str(cfg['layers']),
              '--bs', str(args.bs), '--bptt', str(args.bptt), '--batches', str(n_batches), '--valid-batches', str(args.valid_batches),
              '--lr', str(args.lr), '--wd', '0.01', '--drop-mult', str(args.drop_mult), '--clip', '0.1', '--seed', str(seed),
              '--threads', str(args.threads)]
    cmd = ([sys.executable, __file__, '--worker', 'textlib'] if lib == 'textlib' else [str(FASTAI_PY), str(_HERE/'lm_train_fastai.py')]) + common + list(extra)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0: raise RuntimeError(f'{lib} worker failed:\n{r.stderr[-3000:]}')
    return json.loads(r.stdout.strip().splitlines()[-1])

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--worker'); p.add_argument('--profile', action='store_true')
    p.add_argument('--data', type=Path, default=Path.home()/'.cache/textlib-bench/lm_data')
    p.add_argument('--configs', default='small,big'); p.add_argument('--reps', type=int, default=3)
    p.add_argument('--small-batches', type=int, default=40); p.add_argument('--big-batches', type=int, default=8)
    p.add_argument('--emb', type=int); p.add_argument('--hid', type=int); p.add_argument('--layers', type=int)
    p.add_argument('--bs', type=int, default=64); p.add_argument('--bptt', type=int, default=72)
    p.add_argument('--batches', type=int); p.add_argument('--valid-batches', type=int, default=10)
    p.add_argument('--lr', type=float, default=2e-3); p.add_argument('--wd', type=float, default=0.01)
    p.add_argument('--drop-mult', type=float, default=1.0); p.add_argument('--clip', type=float, default=0.1)
    p.add_argument('--seed', type=int, default=0); p.add_argument('--threads', type=int, default=2)
    p.add_argument('--corpus', choices=['wikitext2', 'imdb'], default='wikitext2'); p.add_argument('--adaptive', action='store_true')
    p.add_argument('--decoder', choices=['full', 'adaptive'], default='full'); p.add_argument('--seconds', type=float, default=None)
    args = p.parse_args()
    if args.worker:
        res = textlib_worker(args)
        print(json.dumps(res), flush=True); return
    if not FASTAI_PY.exists(): raise SystemExit(f'no fastai venv at {FASTAI_PY}: run bash bench/setup_fastai.sh')
    if args.corpus == 'imdb' and args.data == p.get_default('data'): args.data = args.data.parent/'lm_data_imdb'
    meta = (prepare_imdb if args.corpus == 'imdb' else prepare)(args.data, args.bs)
    if args.adaptive: return adaptive_rows(args, meta)
    print(f"data: WikiText-2 valid {meta['train_tokens']:,} tokens (train), test {meta['valid_tokens']:,} (valid), vocab {meta['vocab_sz']:,}")
    rows, results = [], {}
    for name in args.configs.split(','):
        cfg, n = CONFIGS[name], args.small_batches if name == 'small' else args.big_batches
        for rep in range(args.reps):
            for lib in ('textlib', 'fastai') if rep % 2 == 0 else ('fastai', 'textlib'):
                r = run_one(lib, args, cfg, n, seed=rep)
                results.setdefault((name, lib), []).append(r)
                rows.append((name, rep, lib, r['tokens_per_s'], r['val_loss'], r['val_acc'], r['peak_rss_mb']))
                print(f'{name:5s} seed {rep} {lib:7s} {r["tokens_per_s"]:8.0f} tok/s  val loss {r["val_loss"]:.4f}  acc {r["val_acc"]:.4f}  '
                      f'peak RSS {r["peak_rss_mb"]:.0f} MB', flush=True)
        t, f = results[(name, 'textlib')], results[(name, 'fastai')]
        if t[0]['checksums'] != f[0]['checksums']: raise SystemExit(f'{name}: the two libraries did not read the same batches')
        tt, ft = statistics.median(r['tokens_per_s'] for r in t), statistics.median(r['tokens_per_s'] for r in f)
        def spread(rs): vs = [r['val_loss'] for r in rs]; return statistics.mean(vs), (max(vs) - min(vs))
        (tl, ts), (fl, fs) = spread(t), spread(f)
        print(f'\n{name} ({cfg}, {n} batches x {args.bs*args.bptt} tokens, {args.reps} seeds): same batches (checksums equal)')
        print(f'  tokens/s median: textlib {tt:.0f}  fastai {ft:.0f}  ratio {tt/ft:.2f}x')
        print(f'  val loss mean (range over seeds): textlib {tl:.4f} ({ts:.4f})  fastai {fl:.4f} ({fs:.4f})')
        print(f'  peak RSS median: textlib {statistics.median(r["peak_rss_mb"] for r in t):.0f} MB  fastai {statistics.median(r["peak_rss_mb"] for r in f):.0f} MB\n')
        print(f'RESULT lm_train_{name} textlib={tt:.1f} fastai={ft:.1f} ratio={tt/ft:.2f} tokens/s', flush=True)

def adaptive_rows(args, meta):
    "fastai full softmax (N batches), textlib full softmax (N batches), textlib adaptive (fastai's wall time), per seed."
    cfg, n = CONFIGS['small'], args.small_batches
    print(f"data: {meta.get('corpus', 'wikitext2')}, {meta['train_tokens']:,} training tokens, {meta['valid_tokens']:,} validation, vocab {meta['vocab_sz']:,}")
    res = {}
    for rep in range(args.reps):
        f = run_one('fastai', args, cfg, n, rep)
        t = run_one('textlib', args, cfg, n, rep)
        budget = f['train_time_s']
        big = min(meta['train_tokens'] // (args.bs * args.bptt) - 1, 100 * n)
        a = run_one('textlib', args, cfg, big, rep, extra=['--decoder', 'adaptive', '--seconds', f'{budget:.3f}'])
        for k, r in (('fastai full', f), ('textlib full', t), ('textlib adaptive', a)):
            res.setdefault(k, []).append(r)
            print(f"seed {rep} {k:17s} {r['tokens_per_s']:7.0f} tok/s  {r.get('n_batches', r.get('n_train_batches'))} batches in "
                  f"{r['train_time_s']:.1f} s  val perplexity {math.exp(r['val_loss']):.1f}", flush=True)
    med = lambda k, f: statistics.median(f(r) for r in res[k])
    print('\n| side | tokens/s (median) | batches | train time (s) | validation perplexity |\n|---|---|---|---|---|')
    for k in res:
        print(f"| {k} | {med(k, lambda r: r['tokens_per_s']):,.0f} | {med(k, lambda r: r.get('n_batches', r.get('n_train_batches'))):.0f} | "
              f"{med(k, lambda r: r['train_time_s']):.1f} | {med(k, lambda r: math.exp(r['val_loss'])):.1f} |")
    ta, tf, ff = (med(k, lambda r: r['tokens_per_s']) for k in ('textlib adaptive', 'textlib full', 'fastai full'))
    print(f"RESULT lm_train_adaptive textlib={ta:.1f} fastai={ff:.1f} ratio={ta/ff:.2f} tokens/s")
    print(f"RESULT lm_train_full_imdb textlib={tf:.1f} fastai={ff:.1f} ratio={tf/ff:.2f} tokens/s")
    print(f"RESULT lm_train_adaptive_ppl textlib={med('textlib adaptive', lambda r: math.exp(r['val_loss'])):.1f} "
          f"fastai={med('fastai full', lambda r: math.exp(r['val_loss'])):.1f} perplexity_at_equal_time")

if __name__ == '__main__': main()
