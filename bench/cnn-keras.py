# Keras 3 itself (the reference implementation of the Keras API), trained on what bench/cnn-accuracy.mjs hands it:
# the Keras "simple MNIST convnet" (the layers of examples/mnist-cnn.exg), from exprgrad's initial weights, on
# exprgrad's batches in exprgrad's order. Run by bench/cnn-accuracy.mjs (--only keras); not meant to be run by hand.
#
# In:  argv[1], a folder written by cnn-accuracy.mjs: meta.json ({epochs, batch, lr, nTrain, nVal, total, seed,
#      shapes}), K1.f32 … b3.f32 (float32, little-endian, Keras's own layouts: filters [kh, kw, cin, cout], dense
#      [in, out]), orders.i32 (epochs × nTrain indices), train-images.u8 / train-labels.u8 (the first `total`),
#      test-images.u8 / test-labels.u8.
# Out: one JSON line on stdout: {description, epochs: [{seconds, loss, val_accuracy}], first_losses, test_accuracy}.
# Backend: $KERAS_BACKEND (torch where unset; any of Keras 3's backends that is installed). Dropout draws from Keras's
# own generator, seeded by keras.utils.set_random_seed(seed). Pixels are x/255 computed in float64 and rounded to
# float32, as the other two libraries compute them.
import json
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "torch")
import numpy as np  # noqa: E402
import keras  # noqa: E402

folder = sys.argv[1]
meta = json.load(open(os.path.join(folder, "meta.json")))
keras.utils.set_random_seed(meta["seed"])


def raw(name, dtype):
    return np.fromfile(os.path.join(folder, name), dtype=dtype)


def images(name, count):
    return (raw(name, np.uint8)[: count * 784].astype(np.float64) / 255).astype(np.float32).reshape(count, 28, 28, 1)


total, n_train, n_val, epochs = meta["total"], meta["nTrain"], meta["nVal"], meta["epochs"]
X = images("train-images.u8", total)
Y = keras.utils.to_categorical(raw("train-labels.u8", np.uint8)[:total], 10).astype(np.float32)
test_labels = raw("test-labels.u8", np.uint8)
Xt = images("test-images.u8", len(test_labels))
orders = raw("orders.i32", np.int32).reshape(epochs, n_train)

model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
shapes = meta["shapes"]
model.set_weights([raw(f"{k}.f32", np.float32).reshape(shapes[k]) for k in ["K1", "b1", "K2", "b2", "W3", "b3"]])
model.compile(
    loss="categorical_crossentropy",
    optimizer=keras.optimizers.Adam(learning_rate=meta["lr"], beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    metrics=["accuracy"],
)


class FirstLoss(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.losses = []
        self.first = True

    def on_epoch_begin(self, epoch, logs=None):
        self.first = True

    def on_train_batch_end(self, batch, logs=None):
        if self.first:
            self.losses.append(float(logs["loss"]))
        self.first = False


first = FirstLoss()
log = []
Xv, Yv = X[n_train:], Y[n_train:]
for e in range(epochs):
    t0 = time.perf_counter()
    order = orders[e]
    h = model.fit(X[order], Y[order], batch_size=meta["batch"], epochs=1, shuffle=False, validation_data=(Xv, Yv), verbose=0, callbacks=[first])
    rec = {"seconds": time.perf_counter() - t0, "loss": float(h.history["loss"][0]), "val_accuracy": float(h.history["val_accuracy"][0])}
    log.append(rec)
    print(f"  Keras seed {meta['seed']} epoch {e + 1}: {rec['seconds']:.1f} s, loss {rec['loss']:.4f}, validation {100 * rec['val_accuracy']:.2f}%", file=sys.stderr, flush=True)

probs = model.predict(Xt, batch_size=500, verbose=0)
acc = float(np.mean(np.argmax(probs, axis=1) == test_labels))
backend = keras.backend.backend()
version = ""
if backend == "torch":
    import torch

    version = f" {torch.__version__}, {torch.get_num_threads()} threads"
print(json.dumps({"description": f"Keras {keras.__version__} ({backend}{version})", "epochs": log, "first_losses": first.losses, "test_accuracy": acc}))
