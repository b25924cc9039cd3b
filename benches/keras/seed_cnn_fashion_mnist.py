"""The seed's CNN and recipe, trained by Keras (tensorflow-cpu), for comparison
with `npm run train -- --data <full Fashion-MNIST>`.

    python3 -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu
    /tmp/tfenv/bin/python benches/keras/seed_cnn_fashion_mnist.py \
        --data ../shared/data/fashion-mnist --out benches/keras/result.json

Same model (Conv16-Conv32-MaxPool-Conv64/2-Conv64/2-MaxPool-Flatten-Dense128-
Dense10 softmax), Adam(0.001), sparse categorical cross-entropy, 10 epochs,
batch 64, validation_split=0.2, shuffle, seed 2021, pixels / 255.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np


def load_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--out", default="")
    args = ap.parse_args()

    import tensorflow as tf
    from tensorflow.keras import Sequential, layers

    tf.random.set_seed(2021)
    np.random.seed(2021)
    f = lambda n: os.path.join(args.data, n)
    train_x = load_idx(f("train-images-idx3-ubyte.gz"))[..., None] / 255.0
    train_y = load_idx(f("train-labels-idx1-ubyte.gz"))
    test_x = load_idx(f("t10k-images-idx3-ubyte.gz"))[..., None] / 255.0
    test_y = load_idx(f("t10k-labels-idx1-ubyte.gz"))

    model = Sequential()
    model.add(layers.Conv2D(16, (3, 3), padding="same", activation="relu", input_shape=train_x.shape[1:]))
    model.add(layers.Conv2D(32, (3, 3), padding="same", activation="relu"))
    model.add(layers.MaxPool2D(pool_size=(2, 2), padding="valid"))
    model.add(layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same", activation="relu"))
    model.add(layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same", activation="relu"))
    model.add(layers.MaxPool2D(pool_size=(2, 2), padding="valid"))
    model.add(layers.Flatten())
    model.add(layers.Dense(128, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    model.summary()
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    t0 = time.time()
    hist = model.fit(train_x, train_y, epochs=args.epochs, batch_size=64, validation_split=0.2, shuffle=True, verbose=2)
    seconds = time.time() - t0
    test_loss, test_acc = model.evaluate(test_x, test_y, verbose=0)
    print("Test Loss: {:.5f}, Test Accuracy: {:.3f}%".format(test_loss, test_acc * 100))
    result = {
        "tensorflow": tf.__version__,
        "epochs": args.epochs,
        "test_loss": float(test_loss),
        "test_accuracy": float(test_acc),
        "train_seconds": seconds,
        "history": {k: [float(v) for v in vs] for k, vs in hist.history.items()},
    }
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
