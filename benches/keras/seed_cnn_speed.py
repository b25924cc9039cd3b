"""Native anchor: the seed's CIFAR CNN timed in Keras (tensorflow-cpu, oneDNN),
on random data, warm-up excluded. benches/native.mjs runs this alternately with
cnn-ts and prints the ratios; it can also be run alone:

    python3 -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu
    /tmp/tfenv/bin/python benches/keras/seed_cnn_speed.py --threads 2 --steps 50

Prints one JSON line: training images/s of model.fit over `steps` batches of 64
(Adam, sparse categorical cross-entropy, after `warmup` batches in a separate
fit call), and the median milliseconds of predict_on_batch on 64 images.
"""
import argparse
import json
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--predict-rounds", type=int, default=30)
    args = ap.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf
    import keras
    from keras import layers

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    keras.utils.set_random_seed(1)

    batch = 64
    model = keras.Sequential([
        keras.Input((32, 32, 3)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPool2D(2),
        layers.Conv2D(64, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(64, 3, strides=2, padding="same", activation="relu"),
        layers.MaxPool2D(2),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    rng = np.random.default_rng(1)
    n = batch * args.steps
    x = rng.random((n, 32, 32, 3), dtype=np.float32)
    y = (np.arange(n) % 10).astype(np.int32)

    model.fit(x[:batch * args.warmup], y[:batch * args.warmup], epochs=1, batch_size=batch, verbose=0)
    t0 = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=batch, verbose=0, shuffle=False)
    train_s = time.perf_counter() - t0

    xb = x[:batch]
    for _ in range(3):
        model.predict_on_batch(xb)
    times = []
    for _ in range(args.predict_rounds):
        t0 = time.perf_counter()
        model.predict_on_batch(xb)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    json.dump({
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "threads": args.threads,
        "trainImagesPerSecond": n / train_s,
        "predictMs": times[len(times) // 2],
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()
