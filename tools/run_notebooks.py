"""Re-run notebooks top to bottom in a Jupyter kernel and save their outputs; `#| slow` cells keep their saved outputs unless --slow."""
import argparse, os, re, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

ap = argparse.ArgumentParser()
ap.add_argument('nbs', nargs='+'); ap.add_argument('--slow', action='store_true'); ap.add_argument('--timeout', type=int, default=3600)
a = ap.parse_args()
TAG = 'skip-execution'
skip_re = re.compile(r'^#\|\s*(eval:\s*false|slow)\s*$' if not a.slow else r'^#\|\s*eval:\s*false\s*$', re.M)
for p in a.nbs:
    p = Path(p).resolve()
    nb = nbformat.read(p, as_version=4)
    tagged = []
    for c in nb.cells:
        if c.cell_type == 'code' and skip_re.search(c.source):
            c.metadata.setdefault('tags', []).append(TAG); tagged.append(c)
    t0 = time.time()
    client = NotebookClient(nb, timeout=a.timeout, kernel_name='python3', resources={'metadata': {'path': str(p.parent)}})
    try: client.execute()
    finally:
        for c in tagged:
            c.metadata['tags'].remove(TAG)
            if not c.metadata['tags']: del c.metadata['tags']
    nbformat.write(nb, p)
    print(f'{p.name}: ran in {time.time()-t0:.0f}s', flush=True)
