"""Build the tiny fastai AWD-LSTM language-model fixture that textlib's port is checked against.

Regenerate (from the repo root):

    bash bench/setup_fastai.sh          # makes ~/.cache/textlib-bench/fastai-venv (fastai 2.8.12, CPU torch)
    ~/.cache/textlib-bench/fastai-venv/bin/python bench/make_fastai_fixture.py

Writes (a few tens of KB in all, both loadable with `torch.load(f, weights_only=True)`):

- `nbs/assets/fastai_awd_lstm_tiny.pth`: `model.state_dict()` of
  `get_language_model(AWD_LSTM, 48, config=awd_lstm_lm_config | dict(emb_sz=16, n_hid=24, n_layers=2))`
  built under `torch.manual_seed(0)`, with every LSTM bias and the decoder bias refilled with N(0, 0.1) noise
  (fastai would otherwise leave the decoder bias at zero).
- `nbs/assets/fastai_awd_lstm_tiny_io.pt`: `{'x', 'out1', 'out2', 'config', ...}`: the input ids `x` (2x7),
  and the logits of two consecutive eval-mode calls on `x` after one `model.reset()` (the hidden state carries
  over from call 1 to call 2), plus the config as plain python values.
"""
import copy, os, sys
from pathlib import Path

# A bench script named like a stdlib module (bench/tokenize.py once did) would shadow it when run from bench/: drop
# the script's own directory from sys.path before importing anything else.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != _HERE]

import torch
import fastai
from fastai.text.all import AWD_LSTM, awd_lstm_lm_config, get_language_model

VOCAB = 48
ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT/'nbs'/'assets'
MODEL_F = ASSETS/'fastai_awd_lstm_tiny.pth'
IO_F = ASSETS/'fastai_awd_lstm_tiny_io.pt'


def make_config():
    cfg = copy.deepcopy(awd_lstm_lm_config)
    cfg.update(emb_sz=16, n_hid=24, n_layers=2)
    assert cfg['tie_weights'] is True and cfg['out_bias'] is True
    return cfg


def build(cfg, seed=0):
    torch.manual_seed(seed)
    return get_language_model(AWD_LSTM, VOCAB, config=cfg)


def run_twice(model, x):
    model.eval()
    model.reset()   # zero hidden state; WeightDropout copies the *_raw weights back into the LSTM modules
    with torch.no_grad():
        out1 = model(x)[0].clone()
        out2 = model(x)[0].clone()   # no reset: hidden state from call 1 carries over
    return out1, out2


def main():
    cfg = make_config()
    model = build(cfg)

    # Make the biases non-trivial so the test checks them (decoder bias is zero-initialised by fastai,
    # LSTM biases are small uniforms).  Everything else keeps fastai's init.
    g = torch.Generator().manual_seed(2)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if 'bias' in name: p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    # WeightDropout keeps the real hidden-to-hidden weight in `weight_hh_l0_raw`; the copy inside the LSTM
    # (`module.weight_hh_l0`) is a plain tensor attribute refreshed from the raw one by reset() and on every forward.
    model.eval()
    model.reset()

    x = torch.randint(0, VOCAB, (2, 7), generator=torch.Generator().manual_seed(1))
    out1, out2 = run_twice(model, x)
    assert not torch.allclose(out1, out2), 'hidden state should change the second call'

    sd = model.state_dict()
    print(f'fastai {fastai.__version__}  torch {torch.__version__}')
    print('state_dict keys:')
    for k, v in sd.items(): print(f'  {k:32s} {tuple(v.shape)} {v.dtype}')
    keys = list(sd)
    print('keys sharing storage:')
    groups = {}
    for k in keys: groups.setdefault(sd[k].untyped_storage().data_ptr(), []).append(k)
    shared = [ks for ks in groups.values() if len(ks) > 1]
    for ks in shared: print('  ' + ' == '.join(ks))
    if not shared: print('  (none)')
    for a in ('0.encoder.weight', '0.encoder_dp.emb.weight', '1.decoder.weight'):
        assert sd[a].data_ptr() == sd['0.encoder.weight'].data_ptr(), a

    pycfg = {k: (v if isinstance(v, (bool, int, float, str)) else float(v)) for k, v in cfg.items()}
    pycfg['vocab_sz'] = VOCAB
    ASSETS.mkdir(parents=True, exist_ok=True)
    torch.save(sd, MODEL_F)
    torch.save({'x': x, 'out1': out1, 'out2': out2, 'config': pycfg,
                'fastai_version': str(fastai.__version__), 'torch_version': str(torch.__version__)}, IO_F)

    # Check: both files load with weights_only=True, and a freshly built (differently seeded) model given the
    # saved state dict reproduces the recorded logits.
    sd2 = torch.load(MODEL_F, weights_only=True)
    io = torch.load(IO_F, weights_only=True)
    assert list(sd2) == keys
    fresh = build(make_config(), seed=123)
    fresh.load_state_dict(sd2)
    r1, r2 = run_twice(fresh, io['x'])
    assert torch.equal(r1, io['out1']) and torch.equal(r2, io['out2']), 'reload does not reproduce logits'
    print('config:', io['config'])
    print(f"x {tuple(io['x'].shape)}  out1 {tuple(io['out1'].shape)}  out2 {tuple(io['out2'].shape)}")
    print(f'wrote {MODEL_F.relative_to(ROOT)} ({MODEL_F.stat().st_size} B), '
          f'{IO_F.relative_to(ROOT)} ({IO_F.stat().st_size} B); reload with weights_only=True reproduces out1/out2')


if __name__ == '__main__':
    main()
