#!/usr/bin/env bash
# Build the anchor's own environment: fastai 2.8.12 (fastai.text) on the CPU torch 2.13.0 wheel, outside the repo.
# textlib runs from the project's environment; neither imports the other (see ../shared/bench/README.md).
# Plain `pip install fastai` would pull torchvision and with it a multi-GB CUDA torch; fastai.text does not
# import torchvision, so fastai is installed without dependencies and its pure-Python dependencies are listed here.
set -euo pipefail
VENV=${FASTAI_VENV:-$HOME/.cache/textlib-bench/fastai-venv}
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import fastai.text.all" 2>/dev/null; then echo "$VENV"; exit 0; fi
mkdir -p "$(dirname "$VENV")"
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q torch==2.13.0
"$VENV/bin/pip" install -q --no-deps fastai==2.8.12
"$VENV/bin/pip" install -q 'fastdownload>=0.0.8,<2' 'fastcore>=2.2.22' 'fasttransform>=0.0.3' 'fastprogress>=0.2.4' \
  'plum-dispatch<2.10' spacy==3.8.18 matplotlib pandas requests pyyaml 'pillow>=9.0.0' scikit-learn scipy packaging cloudpickle
"$VENV/bin/python" -c "import fastai, torch, spacy; from fastai.text.all import AWD_LSTM; print('fastai', fastai.__version__, 'torch', torch.__version__, 'spacy', spacy.__version__)" >&2
echo "$VENV"
