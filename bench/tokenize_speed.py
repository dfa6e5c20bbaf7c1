"""Tokenization speed and agreement: textlib vs fastai on the first 5,000 IMDb train reviews, in one run.

    python bench/tokenize_speed.py [--n 5000] [--reps 3]

Each measurement is a fresh child process (textlib from this environment, fastai from the venv made by
`bench/setup_fastai.sh`), so both start with cold caches; the sides take turns (A B, then B A).
Both do the same job: read the files, apply the default rules, spaCy-tokenize, write the tokens and counts to disk.
"""
import sys, os
# this file is named like the standard library's `tokenize`: keep its folder off the import path
sys.path = [p for p in sys.path if os.path.abspath(p or '.') != os.path.dirname(os.path.abspath(__file__))]
import argparse, json, subprocess, tempfile, time, statistics, collections, pickle
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault('TEXTLIB_DATA', str(ROOT.parent/'shared'/'data'))

TEXTLIB_CHILD = r'''
import json, sys, time, pickle
from pathlib import Path
from textlib.tokenizers import tokenize_files
files, nw, out, dump = [Path(f) for f in json.load(open(sys.argv[1]))], int(sys.argv[2]), sys.argv[3], sys.argv[4]
t0 = time.perf_counter()
corpus = tokenize_files(files, n_workers=nw, cache_dir=out, progress=False)
dt = time.perf_counter() - t0
if dump != '-': pickle.dump(list(corpus), open(dump, 'wb'))
print(json.dumps(dict(secs=dt, docs=len(corpus), tokens=int(corpus.lengths.sum()))))
'''

FASTAI_CHILD = r'''
import json, sys, time, pickle, warnings
warnings.filterwarnings('ignore')
from pathlib import Path
from fastai.text.all import tokenize_files
files, nw, out, dump = [Path(f) for f in json.load(open(sys.argv[1]))], int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
root = Path(files[0]).parent.parent
t0 = time.perf_counter()
lengths = tokenize_files(files, root, out, n_workers=nw)
dt = time.perf_counter() - t0
toks = [(out/f.relative_to(root)).read_text().split(' ') for f in files]
if dump != '-': pickle.dump(toks, open(dump, 'wb'))
print(json.dumps(dict(secs=dt, docs=len(files), tokens=sum(map(len, toks)))))
'''

PHASES = r'''
import json, sys, time, glob
from pathlib import Path
from textlib.tokenizers import Tokenizer, read_text
import textlib.text as T
files = [Path(f) for f in json.load(open(sys.argv[1]))]
t0 = time.perf_counter(); texts = [read_text(f) for f in files]; t1 = time.perf_counter()
tk = Tokenizer()
pre = texts
for r in tk.rules: pre = [r(t) for t in pre]
plain = T.SpacyTokenizer().spacy  # a fresh spaCy, run first: neither side finds a warm cache
t2 = time.perf_counter(); spacy_toks = [[t.text for t in plain(p)] for p in pre]; t3 = time.perf_counter()
toks = [tk.tok(t) for t in pre]; t4 = time.perf_counter()
print(json.dumps(dict(read=t1-t0, rules=t2-t1, tok_memo=t4-t3, spacy_plain=t3-t2, memo_entries=len(tk.tok.memo),
                      same=sum(a == b for a, b in zip(toks, spacy_toks)))))
'''

def imdb_files(n):
    from textlib.datasets import untar_data, URLs
    path = untar_data(URLs.IMDB)/'train'
    files = sorted((p for c in ('pos', 'neg') for p in (path/c).glob('*.txt')), key=lambda p: (p.name, p.parent.name))
    return files[:n]

def run(python, code, files, nw, dump='-'):
    with tempfile.TemporaryDirectory() as out, tempfile.NamedTemporaryFile('w', suffix='.json') as lst:
        json.dump([str(f) for f in files], lst); lst.flush()
        r = subprocess.run([python, '-c', code, lst.name, str(nw), out, dump], capture_output=True, text=True, check=False)
    if r.returncode: raise RuntimeError(f"child failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])

def diff_kind(a, b):
    "A short description of the first difference between two token lists."
    i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
    return f"at token {i}: textlib {a[i-2:i+3]} vs fastai {b[i-2:i+3]}"

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=5000)
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--fastai-python', default=str(Path.home()/'.cache/textlib-bench/fastai-venv/bin/python'))
    a = ap.parse_args()
    if not Path(a.fastai_python).exists(): sys.exit(f"no fastai venv at {a.fastai_python}: run bench/setup_fastai.sh")
    files = imdb_files(a.n)
    sides = {'textlib': (sys.executable, TEXTLIB_CHILD), 'fastai': (a.fastai_python, FASTAI_CHILD)}
    res = collections.defaultdict(list)
    for rep in range(a.reps):
        for nw in (2, 1):
            for side in (('textlib', 'fastai') if rep % 2 == 0 else ('fastai', 'textlib')):
                r = run(*sides[side], files, nw)
                res[side, nw].append(r)
                print(f"rep {rep} {side:8s} n_workers={nw}: {r['docs']/r['secs']:7.1f} docs/s  {r['tokens']/r['secs']:9.0f} tokens/s", flush=True)
    print(f"\n| n_workers | textlib docs/s | fastai docs/s | ratio | textlib tokens/s | fastai tokens/s |\n|---|---|---|---|---|---|")
    ratios = {}
    for nw in (2, 1):
        d = {s: statistics.median(r['docs']/r['secs'] for r in res[s, nw]) for s in sides}
        t = {s: statistics.median(r['tokens']/r['secs'] for r in res[s, nw]) for s in sides}
        ratios[nw] = d
        print(f"| {nw} | {d['textlib']:.1f} | {d['fastai']:.1f} | {d['textlib']/d['fastai']:.2f}x | {t['textlib']:.0f} | {t['fastai']:.0f} |")

    with tempfile.TemporaryDirectory() as tmp:
        run(*sides['textlib'], files, 2, f'{tmp}/t.pkl'); run(*sides['fastai'], files, 2, f'{tmp}/f.pkl')
        mine, theirs = pickle.load(open(f'{tmp}/t.pkl', 'rb')), pickle.load(open(f'{tmp}/f.pkl', 'rb'))
    same = sum(x == y for x, y in zip(mine, theirs))
    print(f"\nagreement: {same}/{len(files)} documents token-for-token identical ({100*same/len(files):.3f}%)")
    for i in [i for i, (x, y) in enumerate(zip(mine, theirs)) if x != y][:20]: print(f"  {files[i].name}: {diff_kind(mine[i], theirs[i])}")

    ph = run(sys.executable, PHASES, files, 0)
    print(f"\nwhere textlib's time goes (one process, {len(files)} docs): read {ph['read']:.2f}s, rules {ph['rules']:.2f}s, "
          f"memoized spaCy {ph['tok_memo']:.2f}s ({ph['memo_entries']:,} distinct chunks) vs plain spaCy {ph['spacy_plain']:.2f}s; "
          f"memo == plain spaCy on {ph['same']}/{len(files)} docs")
    d = ratios[2]
    print(f"RESULT tokenize textlib={d['textlib']:.1f} fastai={d['fastai']:.1f} ratio={d['textlib']/d['fastai']:.2f} docs/s")

if __name__ == '__main__': main()
