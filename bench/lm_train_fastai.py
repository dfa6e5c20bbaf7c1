"""Worker: train fastai's AWD-LSTM language model on a token-id stream for a fixed number of batches.

Run with the fastai venv (`bash bench/setup_fastai.sh` makes it), e.g.

    ~/.cache/textlib-bench/fastai-venv/bin/python bench/lm_train_fastai.py --data DIR --batches 200 --valid-batches 50

DIR holds `train.npy` / `valid.npy` (1-d int64 token-id streams) and `meta.json` (`{"vocab_sz": int}`).
Everything fastai would print goes to stderr; the last (only) stdout line is one JSON object with the results.

Batch layout (fastai 2.8.12 `LMDataLoader`, one item = the whole stream `s` of `n_tok` ids, shuffle=False):
    bl = ((n_tok - 1) // bs * bs) // bs == (n_tok - 1) // bs      # tokens per row; the "-1" keeps a target for the
                                                                   # last input token, the tail < bs is dropped
    row r (0 <= r < bs) is s[r*bl : r*bl + bl]
    batch k: x[r] = s[r*bl + k*bptt : r*bl + k*bptt + sl]
             y[r] = s[r*bl + k*bptt + 1 : r*bl + k*bptt + sl + 1]    # i.e. y = x shifted by one token
    sl = bptt, except for the last batch of the epoch: sl = last_len = bl - (n_batches-1)*bptt
    n_batches = ceil(bl / bptt)
  Equivalently: rows = stack([s[r*bl : r*bl + bl + 1] for r in range(bs)]) (each row carries one extra token, the
  first token of the next row, or for the last row the first dropped token), x = rows[:, k*bptt : min((k+1)*bptt, bl)],
  y = rows[:, k*bptt+1 : min((k+1)*bptt, bl)+1].  Checked against the real loader for several (n_tok, bs, bptt).
  The JSON "checksums" are int((t.long() * (arange(t.numel()).view_as(t) % 1000 + 1)).sum()) of x and y of the
  first 3 training batches, taken from the batches the learner actually trained on.

One-cycle span: the train `LMDataLoader` is built over the whole train stream (so the row layout above is that of
the full stream) and then its `n` (number of samples = rows x batches) is set to `N * bs`, so `len(train_dl) == N`.
fastai's `ParamScheduler` computes its position as `train_iter / (n_epoch * len(dl))`, so `fit_one_cycle(1, ...)`
spans exactly the N batches and the epoch ends by itself after batch N-1 (no CancelTrainException needed).  The
valid loader is limited the same way to M batches.  The end-of-epoch validation inside `fit` is cancelled; the
reported validation is a separate `learn.validate(dl=valid_dl)` afterwards (same weights, eval mode, so it equals
what `fit` would have computed).

Learner: exactly what `language_model_learner(dls, AWD_LSTM, config=..., drop_mult=..., pretrained=False)` builds,
i.e. `LMLearner(dls, model, loss_func=CrossEntropyLossFlat(), splitter=awd_lstm_lm_split, ...)`.  `LMLearner` (via
`TextLearner`) adds `ModelResetter(), RNNCallback(), RNNRegularizer(alpha=2., beta=1.)` and sets
`moms=(0.8, 0.7, 0.8)` for the one-cycle momentum schedule; a plain `Learner` with only ModelResetter+RNNRegularizer
would fail (the model returns a tuple `(logits, raw_out, dropped_out)`; `RNNCallback` unpacks it) and would use
moms=(0.95, 0.85, 0.95).  No pretrained weights are loaded (ids only, no vocab).

Details that matter when matching this elsewhere (fastai 2.8.12):
- Optimizer: fastai `Adam(mom=0.9 -> scheduled 0.8/0.7/0.8, sqr_mom=0.99, eps=1e-5)`, decoupled (AdamW-style)
  weight decay `p *= 1 - lr*wd`; one-cycle: pct_start=0.25, lr from lr/25 up to lr, cos down to lr/1e5; the momentum
  is cos-annealed 0.8 -> 0.7 -> 0.8 in step with it.  Same lr for all 4 (n_layers+1) parameter groups.
- wd_bn_bias=False only exempts `1.decoder.bias` from weight decay: fastai's `norm_bias_params` looks for an
  attribute named `bias`, and on `nn.LSTM` that is the bool `True`, so the LSTM biases DO get weight decay
  (the JSON lists the exempt parameters in "no_wd_params").
- AR/TAR: loss_grad = CE + 2 * mean(dropped_last_layer_out**2) + 1 * mean((raw_out[:,1:] - raw_out[:,:-1])**2),
  training only.  "train_losses"/"train_loss_last" are the plain CE (`learn.loss`), without these terms.
- Gradient clipping: `nn.utils.clip_grad_norm_(all params, clip)` before each step.
- Validation loss/accuracy are averages over batches weighted by the batch size (rows), not by tokens: equal to the
  token mean unless the (shorter) last batch of the valid stream is included (--valid-batches 0).
- `nn.Embedding(padding_idx=1)`: token id 1 gets no gradient through the embedding lookup (it still gets one
  through the tied decoder weight); fastai's uniform init overwrites the zeroed padding row.
"""
import argparse, contextlib, json, math, os, resource, sys, time
from pathlib import Path

# A bench script named like a stdlib module (bench/tokenize.py once did) would shadow it when run from bench/: drop
# the script's own directory from sys.path before importing anything else.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != _HERE]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', required=True, help='dir with train.npy, valid.npy, meta.json')
    p.add_argument('--emb', type=int, default=400)
    p.add_argument('--hid', type=int, default=1152)
    p.add_argument('--layers', type=int, default=3)
    p.add_argument('--bs', type=int, default=64)
    p.add_argument('--bptt', type=int, default=72)
    p.add_argument('--batches', type=int, required=True, help='train on exactly the first N batches of one epoch')
    p.add_argument('--valid-batches', type=int, default=0, help='validate on the first M batches (0 = all)')
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--wd', type=float, default=0.01)
    p.add_argument('--drop-mult', type=float, default=1.0)
    p.add_argument('--clip', type=float, default=0.1, help='gradient-norm clip (0 = none)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=2)
    return p.parse_args(argv)


def checksum(t):
    import torch
    t = t.long().cpu()
    return int((t * (torch.arange(t.numel()).view_as(t) % 1000 + 1)).sum())


def run(args):
    import numpy as np
    import torch
    import fastai
    from fastai.text.all import (AWD_LSTM, awd_lstm_lm_config, awd_lstm_lm_split, get_language_model, LMDataLoader,
                                 DataLoaders, LMLearner, CrossEntropyLossFlat, accuracy, Perplexity, GradientClip,
                                 Callback, CancelValidException, ProgressCallback, Recorder)
    torch.set_num_threads(args.threads)

    data = Path(args.data)
    vocab_sz = int(json.loads((data/'meta.json').read_text())['vocab_sz'])
    streams = {k: torch.from_numpy(np.ascontiguousarray(np.load(data/f'{k}.npy')).astype(np.int64))
               for k in ('train', 'valid')}

    def make_dl(stream, max_batches):
        dl = LMDataLoader([stream], lens=[len(stream)], bs=args.bs, seq_len=args.bptt, shuffle=False)
        full = dl.n_batches
        if max_batches:
            if max_batches > full: raise SystemExit(f'asked for {max_batches} batches, stream only has {full}')
            dl.n = max_batches * dl.bs   # len(dl) == max_batches; layout (dl.bl) unchanged
        return dl, full

    train_dl, train_full = make_dl(streams['train'], args.batches)
    valid_dl, valid_full = make_dl(streams['valid'], args.valid_batches)
    assert len(train_dl) == args.batches
    dls = DataLoaders(train_dl, valid_dl)

    config = dict(awd_lstm_lm_config, emb_sz=args.emb, n_hid=args.hid, n_layers=args.layers)
    torch.manual_seed(args.seed)
    model = get_language_model(AWD_LSTM, vocab_sz, config=config, drop_mult=args.drop_mult)
    cbs = [GradientClip(args.clip)] if args.clip > 0 else []
    learn = LMLearner(dls, model, loss_func=CrossEntropyLossFlat(), splitter=awd_lstm_lm_split,
                      metrics=[accuracy, Perplexity()], cbs=cbs)
    learn.remove_cb(ProgressCallback)

    class BatchTimer(Callback):
        "Per-batch wall time: batch 0 from its before_batch, batch k>0 from the end of batch k-1 (so data loading counts)."
        order = 200   # after Recorder, ParamScheduler, GradientClip, RNN callbacks
        def before_fit(self):
            self.times, self.losses, self.b_lrs, self.b_moms, self.ntok = [], [], [], [], []
            self.ck, self.t_last = {'x': [], 'y': []}, None
        def before_batch(self):
            if not self.training: return
            if self.iter == 0: self.t_last = time.perf_counter()
            if self.iter < 3:
                self.ck['x'].append(self.xb[0].detach().clone()); self.ck['y'].append(self.yb[0].detach().clone())
        def after_batch(self):
            if not self.training: return
            t = time.perf_counter()
            self.times.append(t - self.t_last); self.t_last = t
            self.ntok.append(self.xb[0].numel())
            self.losses.append(float(self.learn.loss.detach()))
            h = self.opt.hypers[-1]; self.b_lrs.append(float(h["lr"])); self.b_moms.append(float(h["mom"]))

    class SkipFitValidation(Callback):
        "Cancel the end-of-epoch validation inside fit; we validate once, explicitly, afterwards."
        order = Recorder.order + 1
        def before_validate(self): raise CancelValidException()

    timer = BatchTimer()
    with learn.no_logging():
        t0 = time.perf_counter()
        learn.fit_one_cycle(1, args.lr, wd=args.wd, cbs=[timer, SkipFitValidation()])
        train_time = time.perf_counter() - t0
        t0 = time.perf_counter()
        val_loss, val_acc, val_ppl = learn.validate(dl=valid_dl)
        val_time = time.perf_counter() - t0

    n = len(timer.times)
    assert n == args.batches, (n, args.batches)
    warm_t = sum(timer.times[2:])
    k_last = max(1, math.ceil(0.1 * n))
    names = {id(p): nm for nm, p in learn.model.named_parameters()}
    no_wd = [names[id(p)] for p in learn.model.parameters() if not learn.opt.state[p].get('do_wd', True)]
    return {
        'checksums': {'x': [checksum(t) for t in timer.ck['x']], 'y': [checksum(t) for t in timer.ck['y']]},
        'batch_times': timer.times,
        'tokens_per_s': (sum(timer.ntok[2:]) / warm_t) if n > 2 and warm_t > 0 else None,
        'train_loss_last': sum(timer.losses[-k_last:]) / k_last,
        'val_loss': float(val_loss), 'val_acc': float(val_acc), 'val_ppl': float(val_ppl),
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'torch_version': str(torch.__version__), 'fastai_version': str(fastai.__version__),
        # extras
        'train_losses': timer.losses,               # per-batch CE (learn.loss: without the AR/TAR terms)
        'lrs': timer.b_lrs, 'moms': timer.b_moms,       # hypers used by each batch's optimizer step (last param group)
        'n_train_batches': n, 'train_time_s': train_time, 'val_time_s': val_time,
        'val_batches': len(valid_dl), 'tokens_per_batch': args.bs * args.bptt,
        'layout': {'train_n_tok': len(streams['train']), 'train_bl': train_dl.bl, 'train_full_batches': train_full,
                   'valid_n_tok': len(streams['valid']), 'valid_bl': valid_dl.bl, 'valid_full_batches': valid_full,
                   'valid_last_len': valid_dl.last_len},
        'no_wd_params': no_wd, 'vocab_sz': vocab_sz, 'threads': torch.get_num_threads(), 'args': vars(args),
    }


def main():
    args = parse_args()
    # Keep stdout for the JSON line only: point fd 1 (and sys.stdout) at stderr while fastai runs.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr): res = run(args)
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1); os.close(saved)
    print(json.dumps(res), flush=True)


if __name__ == '__main__':
    main()
