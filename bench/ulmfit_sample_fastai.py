"""Worker: fastai's side of `bench/ulmfit_sample.py` (run with the fastai venv made by `bench/setup_fastai.sh`).

    ~/.cache/textlib-bench/fastai-venv/bin/python bench/ulmfit_sample_fastai.py --work DIR --seed 0

ULMFiT stages 2 and 3 on IMDB_SAMPLE with fastai 2.8, from the shared stage-1 language model that
`ulmfit_sample.py` wrote to DIR/models/wt2.pth + wt2_itos.pkl (fastai's format), the recipe of fastai's IMDb
example: LM fine-tuning (one frozen epoch, one unfrozen), then the classifier with gradual unfreezing (one-cycle,
discriminative `slice(lr/2.6**4, lr)`). Then predictions: single-review `predict` latency and batch throughput
(`test_dl` + `get_preds`) on the reviews of DIR/predict.json. Prints one JSON line.
"""
import argparse, json, statistics, sys, time, warnings
warnings.filterwarnings('ignore')
from pathlib import Path

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--work', type=Path, required=True); p.add_argument('--csv', type=Path, required=True)
    p.add_argument('--seed', type=int, default=0); p.add_argument('--bs', type=int, default=32); p.add_argument('--threads', type=int, default=2)
    p.add_argument('--emb', type=int, default=200); p.add_argument('--hid', type=int, default=400); p.add_argument('--layers', type=int, default=2)
    a = p.parse_args()
    import torch
    from fastai.text.all import (TextDataLoaders, language_model_learner, text_classifier_learner, AWD_LSTM, awd_lstm_lm_config,
                                 awd_lstm_clas_config, accuracy, Perplexity, set_seed)
    torch.set_num_threads(a.threads)
    sizes = dict(emb_sz=a.emb, n_hid=a.hid, n_layers=a.layers)
    t0 = time.perf_counter()
    set_seed(a.seed)
    dls_lm = TextDataLoaders.from_csv(a.csv.parent, a.csv.name, text_col='text', is_lm=True, valid_pct=0.1, seed=a.seed, bs=a.bs, seq_len=72)
    lm = language_model_learner(dls_lm, AWD_LSTM, config={**awd_lstm_lm_config, **sizes}, drop_mult=0.3, pretrained=True,
                                pretrained_fnames=['wt2', 'wt2_itos'], metrics=[accuracy, Perplexity()], path=a.work)
    with lm.no_logging(), lm.no_bar():
        lm.freeze(); lm.fit_one_cycle(1, 1e-2)
        lm.unfreeze(); lm.fit_one_cycle(1, 3e-3)
    lm_loss = float(lm.validate()[0])
    lm.save_encoder(f'ft_fastai_{a.seed}')
    t1 = time.perf_counter()
    set_seed(a.seed)
    dls = TextDataLoaders.from_csv(a.csv.parent, a.csv.name, text_col='text', label_col='label', valid_col='is_valid',
                                   text_vocab=dls_lm.vocab, bs=a.bs, seed=a.seed)
    learn = text_classifier_learner(dls, AWD_LSTM, config={**awd_lstm_clas_config, **sizes}, drop_mult=0.5, pretrained=False,
                                    metrics=accuracy, path=a.work)
    learn.load_encoder(f'ft_fastai_{a.seed}')
    with learn.no_logging(), learn.no_bar():
        for k, (ep, lr) in enumerate([(1, 2e-2), (1, 1e-2), (1, 5e-3), (2, 1e-3)]):
            if k == 3: learn.unfreeze()
            else: learn.freeze_to(-(k + 1))
            learn.fit_one_cycle(ep, lr if k == 0 else slice(lr / 2.6**4, lr))
        acc = float(learn.validate()[1])
    t2 = time.perf_counter()
    texts = json.loads((a.work/'predict.json').read_text())
    with learn.no_bar():
        learn.predict(texts[0])                                   # warm-up
        lat = []
        for t in texts[:20]:
            s = time.perf_counter(); learn.predict(t); lat.append(time.perf_counter() - s)
        s = time.perf_counter(); probs = learn.get_preds(dl=learn.dls.test_dl(texts))[0]; batch = time.perf_counter() - s
    print(json.dumps(dict(accuracy=acc, lm_valid_loss=lm_loss, lm_secs=t1 - t0, clas_secs=t2 - t1, total_secs=t2 - t0,
                          latency_ms=1000 * statistics.median(lat), batch_docs_s=len(texts) / batch, n_predict=len(texts),
                          vocab=len(dls_lm.vocab))))

if __name__ == '__main__': main()
