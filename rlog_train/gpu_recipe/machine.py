"""The GPU machine the recipe targets, as documented, and what the recipe carries to it.

Why written down here: nothing can be installed on that machine except wheels carried with a
call, and nothing can be checked there except during the few minutes it is lent. So its package
list (from the workplace's description of the ``nvidia-h200`` kind, read 2026-11) is data the
CPU rehearsal and the tests check the run against, and every limit the plan of calls obeys is a
named number.
"""

from __future__ import annotations

import re

PYTHON = "3.12"
"""The machine's interpreter (3.12.3); the carried wheels are downloaded for it."""

MIB = 1024 * 1024
CALL_BYTES = 64 * MIB
"""Working tree plus carried paths, per call."""
CALL_SECONDS = 600
"""One command's limit."""
SESSION_SECONDS = 900
"""Device time for a session: starts, idle waits and every call together."""
WARM_SECONDS = 30
"""How long the machine (and the files a call left there) stays after a call returns."""
OUT_FILES = 8
OUT_FILE_BYTES = 16 * MIB
OUT_DEPTH = 2
"""What comes back from ``$OUT``: 8 files, 16 MiB each, no deeper than ``$OUT/a/b/file``."""

REHEARSED = {
    "torch": "2.13.0",
    "transformers": "5.17.0",
    "accelerate": "1.15.0",
    "peft": "0.21.2",
    "tokenizers": "0.23.2",
    "huggingface-hub": "1.33.0",
    "safetensors": "0.8.0",
}
"""What the CPU rehearsal installs: the machine's versions where documented (seen there, 2026-11:
transformers 5.17.0, accelerate 1.15.0, tokenizers 0.23.2, huggingface-hub 1.33.0, safetensors
0.8.0, torch 2.11.0+cu130). torch is this machine's CPU build instead (PyPI's 2.11 is the
multi-GB CUDA one). peft is installed there but its version is not documented: the rehearsal
uses the project's lock (0.21.2). The smoke call prints each version found there beside these."""

CARRIED = {
    "trl": "1.16.0",
    "datasets": "5.2.0",
    "dill": "0.4.1",
    "multiprocess": "0.70.19",
    "gguf": "0.19.0",
    "platformdirs": "4.14.9",
}
"""Wheels the run needs that the machine lacks (versions of the project's lock). platformdirs:
evaluation imports ``rlog_tui.config``; dill and multiprocess: datasets' own needs."""

_INSTALLED_NAMES = """
    absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs
    botorch build certifi charset-normalizer chex click cloudpickle cmake colorama contourpy
    coverage cuda-bindings cuda-core cuda-pathfinder cuda-toolkit cupy-cuda13x cycler cython
    diffrax e3nn einops equinox etils execnet filelock flatbuffers flax fonttools formulaic
    frozenlist fsspec gpytorch grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize
    hypothesis idna imageio iniconfig interface-meta jax jax-cuda13-pjrt jax-cuda13-plugin jaxlib
    jaxtyping jinja2 joblib kiwisolver lazy-loader lightning lightning-utilities linear-operator
    lineax llvmlite lxml markdown markdown-it-py markupsafe matplotlib mdurl meson ml-dtypes
    mpi4py mpmath msgpack multidict multipledispatch mypy-extensions nanobind narwhals networkx
    ninja numba numba-cuda numpy numpyro nvidia-cublas nvidia-cuda-cupti nvidia-cuda-nvrtc
    nvidia-cuda-runtime nvidia-cudnn-cu13 nvidia-cufft nvidia-cufile nvidia-curand
    nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13 nvidia-ml-py nvidia-nccl-cu13
    nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx onnx onnx-ir onnxruntime onnxscript
    opencv-python-headless optax opt-einsum opt-einsum-fx optimistix orbax-checkpoint packaging
    pandas pathspec patsy peft pillow pip pluggy portalocker prometheus-client propcache protobuf
    psutil pyarrow pybind11 py-cpuinfo pygments pyparsing pyproject-hooks pyre-extensions pytest
    pytest-benchmark pytest-cov pytest-mock pytest-timeout pytest-xdist python-dateutil
    pytorch-lightning pyyaml regex requests rich sacrebleu safetensors scikit-build-core
    scikit-image scikit-learn scipy seaborn sentencepiece sentence-transformers setuptools
    shellingham simplejson six sortedcontainers statsmodels sympy tabulate tensorboard
    tensorboard-data-server tensorstore threadpoolctl tifffile tiktoken timm tokenizers toolz
    torch torchaudio torchdiffeq torch-geometric torchmetrics torchvision tqdm transformers
    treescope triton typer typing-extensions typing-inspect urllib3 uvloop wadler-lindig
    werkzeug wheel wrapt xarray xxhash yarl zipp
"""
INSTALLED = frozenset(_INSTALLED_NAMES.split())
"""Distributions installed there (names as PyPI normalises them)."""


def normalise(name: str) -> str:
    """A distribution's name as PyPI compares it (``PyYAML`` → ``pyyaml``, ``a_b`` → ``a-b``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def available(distribution: str) -> bool:
    """Whether the run can import ``distribution`` there: installed, or carried as a wheel."""
    name = normalise(distribution)
    return name in INSTALLED or name in CARRIED
