# Does the fill mode matter? The Keras anchor augments with preprocessing layers, whose default
# fill_mode is "reflect"; `report` (like the paper's ImageDataGenerator) fills with "nearest".
# This applies the anchor's three layers (rotation 15 degrees, zoom 0.01, shifts 0.1) twice to the
# same training images with the same random transforms, once per fill mode, and prints how much
# of what the network sees differs.
# Usage: python fill_mode.py MNIST_DIR [images=10000]   (in the anchors' venv)
import gzip, os, sys
import numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from keras import layers

d = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
with gzip.open(os.path.join(d, "train-images-idx3-ubyte.gz")) as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28, 1)[:n].astype("float32") / 255

def augment(fill):
    h = x
    for layer in [layers.RandomRotation(15 / 360, fill_mode=fill, seed=1),
                               layers.RandomZoom(0.01, fill_mode=fill, seed=2),
                               layers.RandomTranslation(0.1, 0.1, fill_mode=fill, seed=3)]:
        h = np.asarray(layer(h, training=True))
    return h

reflect, nearest = augment("reflect"), augment("nearest")
assert np.array_equal(augment("nearest"), nearest), "the same seeds gave other transforms"
assert not np.array_equal(nearest, x), "augmentation did not run"
diff = np.abs(reflect - nearest)
changed = (diff > 0.5 / 255).reshape(n, -1)
ink = (np.maximum(reflect, nearest) > 0.5).reshape(n, -1)
print(f"{n} images: {changed.any(1).mean():.2%} have any pixel that depends on the fill mode; "
      f"{changed.mean():.4%} of all pixels do, {(changed & ink).mean():.4%} of them ink (> 0.5); "
      f"mean absolute difference {diff.mean():.2e}, largest {diff.max():.3f}")
