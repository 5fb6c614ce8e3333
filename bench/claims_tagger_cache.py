# D103 experiment (measured, not kept): tensor cache + the tagger's out-of-fold logits -> a cache for claims_joint.py --heldout with NEWSETL_TW=103.
# usage: python bench/claims_tagger_cache.py CACHE TAGGER_OUT NEW_CACHE
import sys, numpy as np
from pathlib import Path
src, tag, dst = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
dst.mkdir(parents=True, exist_ok=True)
for f in ("train.json", "train.spacy"):
    if not (dst / f).exists():
        (dst / f).symlink_to(src / f)
base = np.load(src / "train_tensor.npz")
aug = {}
for k in range(5):
    aug.update(dict(np.load(tag / f"oof_{k}.npz")))
out = {name: np.hstack([base[name], aug[name]]).astype(np.float32) for name in base.files}
np.savez(dst / "train_tensor.npz", **out)
print(len(out), next(iter(out.values())).shape)
