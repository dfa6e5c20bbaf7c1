"""Run by `06_distributed.ipynb` under torchrun: `torchrun --nproc_per_node N _distributed_check.py OUT BS [MODE]`.

MODE 'checks' (default): DDP checks on HUMAN_NUMBERS (LM loader) and on a classifier loader; results in OUT/result_{N}.json, rank 0's
weights in OUT/lm_{N}.safetensors. MODE 'full' or 'kill...': a run with checkpoints (killed in epoch 1 once with 'kill'), its final
weights in OUT/final_{MODE}_{N}.safetensors."""
import json, os, signal, sys, time, numpy as np, torch, torch.nn as nn, torch.distributed as dist
from pathlib import Path
from textlib.core import set_seed
from textlib.datasets import untar_data, URLs
from textlib.data import Dataset, DataLoaders, SortishSampler
from textlib.basics import Learner, Callback   # the Learner with fit_one_cycle and the other methods of the lessons
from textlib.checkpoint import save_checkpoint
from textlib.optimizer import Adam
from textlib.schedule import CheckpointCallback
from textlib.text import LMDataLoader
from textlib.awdlstm import get_language_model, ModelResetter, cross_entropy_flat, accuracy_flat
from textlib.distributed import distributed_group, DistributedTrainer, rank0_first, in_distributed, distributed_cbs

out, bs, mode = Path(sys.argv[1]), int(sys.argv[2]), (sys.argv[3] if len(sys.argv) > 3 else 'checks')
torch.set_num_threads(1)

class ParamsAgree(Callback):
    "After every optimizer step, the largest difference of any parameter between this rank and rank 0."
    def before_fit(self): self.max_diff, self.steps = 0., 0
    def after_step(self):
        flat = torch.cat([p.detach().flatten() for p in self.model.parameters()])
        ref = flat.clone(); dist.broadcast(ref, 0)
        self.max_diff = max(self.max_diff, (flat - ref).abs().max().item()); self.steps += 1

class SeenItems(Callback):
    "The training items of each epoch, as this rank read them."
    def before_fit(self): self.epochs = []
    def before_train(self): self.epochs.append([])
    def after_batch(self):
        if self.training: self.epochs[-1] += self.xb[0].tolist()

def human_numbers_docs():
    path = untar_data(URLs.HUMAN_NUMBERS)
    lines = {s: [l.split() + ['.'] for l in (path/f'{s}.txt').read_text().splitlines() if l.strip()] for s in ('train', 'valid')}
    vocab = ['xxunk', 'xxpad'] + sorted({w for l in lines['train'] for w in l})
    o2i = {w: i for i, w in enumerate(vocab)}
    return vocab, {s: [np.array([o2i.get(w, 0) for w in l], dtype=np.int64) for l in ls] for s, ls in lines.items()}

class KillAt(Callback):
    "SIGKILL rank 0 in the middle of training epoch `epoch`, once (a marker file remembers): a crash, no clean-up runs."
    def __init__(self, epoch, batch, marker): self.at, self.marker = (epoch, batch), Path(marker)
    def after_batch(self):
        if self.training and (self.epoch, self.iter) == self.at and dist.get_rank() == 0 and not self.marker.exists():
            self.marker.touch(); os.kill(os.getpid(), signal.SIGKILL)

def lm_learner(docs, vocab, cbs=()):
    set_seed(0)
    dls = DataLoaders(LMDataLoader(docs['train'], bs=bs, bptt=16, shuffle=True, var_bptt=True), LMDataLoader(docs['valid'], bs=bs, bptt=16), path=out)
    model = get_language_model(len(vocab), dict(emb_sz=32, n_hid=64, n_layers=2, output_p=0, hidden_p=0, input_p=0, embed_p=0, weight_p=0))
    learn = Learner(dls, model, loss_func=cross_entropy_flat, opt_func=Adam, metrics=accuracy_flat, cbs=[ModelResetter(), *cbs])
    learn.silent = True
    return learn

with distributed_group():
    rank, world = dist.get_rank(), dist.get_world_size()
    vocab, docs = human_numbers_docs()
    if mode != 'checks':   # resume: a run with checkpoints, killed in epoch 1 when asked ('kill'), finished by the same command
        learn = lm_learner(docs, vocab, [CheckpointCallback(f'ckpt_{mode}_{world}')] + ([KillAt(1, 50, out/f'killed_{world}')] if mode.startswith('kill') else []))
        learn.fit_one_cycle(3, 3e-3, cbs=DistributedTrainer())
        if rank == 0: save_checkpoint(out/f'final_{mode}_{world}.safetensors', learn.model)
        sys.exit(0)
    res = {}
    # 0. rank0_first: rank 0's block has finished (it wrote its file) before any other rank's starts
    with rank0_first():
        if rank == 0: time.sleep(0.5); (out/f'first_{world}').write_text('rank 0')
        res['saw_rank0'] = (out/f'first_{world}').is_file()
    # what a job asks to run the same code alone or distributed: a group of one process is not distributed
    res['in_distributed'], res['cbs'] = in_distributed(), [type(c).__name__ for c in distributed_cbs()]
    # 1. an AWD-LSTM language model without dropout: the LM loader's own streams per rank
    learn = lm_learner(docs, vocab, [ParamsAgree()])
    learn.fit_one_cycle(2, 3e-3, cbs=DistributedTrainer())
    res['lm'] = dict(values=learn.recorder.values, max_diff=learn.params_agree.max_diff, steps=learn.params_agree.steps, n_batches=len(learn.dls.train))
    if rank == 0: save_checkpoint(out/f'lm_{world}.safetensors', learn.model)
    # 2. classifier loaders (shuffled, and sortish): every item read once per epoch across the ranks
    n = 1000
    g = torch.Generator().manual_seed(0)
    ds_t, ds_v = Dataset(torch.arange(n), torch.randint(0, 2, (n,), generator=g)), Dataset(torch.arange(300), torch.randint(0, 2, (300,), generator=g))
    lengths = torch.randint(1, 100, (n,), generator=g).numpy()
    for name, kw in [('shuffled', {}), ('sortish', dict(train_sampler=SortishSampler(lengths, bs, drop_last=False)))]:
        dls = DataLoaders.from_dsets(ds_t, ds_v, bs=bs, drop_last=False, **kw)
        learn = Learner(dls, nn.Sequential(nn.Embedding(n, 4), nn.Flatten(), nn.Linear(4, 2)), cbs=[SeenItems()])
        learn.silent = True
        learn.fit(2, 1e-2, cbs=DistributedTrainer())
        res[name] = dict(items=learn.seen_items.epochs, valid=learn.recorder.values[-1][1:], local_valid=learn.validate())
    gathered = [None] * world
    dist.all_gather_object(gathered, res)
    if rank == 0: (out/f'result_{world}.json').write_text(json.dumps(gathered))
