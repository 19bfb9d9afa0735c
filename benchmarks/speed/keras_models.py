"""The Keras models of the W1-W3 workloads (MLP, CNN, LSTM and transformer text classifiers).

``KERAS_MODELS`` maps a model name (models.MODELS) to its builder; impl_keras builds exactly these.
The shared numpy initial weights are loaded where they map one to one. Imports Keras when called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fwpulse.benchmarks.speed.common import BN_EPS_MATCHED, BN_MOMENTUM_KERAS, cnn_weights, lstm_weights, mlp_weights
from fwpulse.benchmarks.speed.models import CNNParams, MLPParams, TextParams


def _dense(units: int, activation: str | None = None) -> Any:
    import keras

    return keras.layers.Dense(units, activation=activation)


def _mlp(p: MLPParams, matched: bool) -> tuple[Any, bool]:
    import keras

    inp = keras.Input((p.sizes[0],))
    h, dense = inp, []
    for i, units in enumerate(p.sizes[1:]):
        layer = _dense(units, "relu" if i < len(p.sizes) - 2 else None)
        dense.append(layer)
        h = layer(h)
    model = keras.Model(inp, h)
    for layer, (w, b) in zip(dense, mlp_weights(p)):
        layer.set_weights([w, b])
    return model, True


def _cnn(p: CNNParams, matched: bool) -> tuple[Any, bool]:
    import keras

    L, w = keras.layers, cnn_weights(p)
    inp = keras.Input((p.image, p.image, 3))
    h, convs = inp, []
    for i, c in enumerate(p.channels):
        conv = L.Conv2D(c, 3, padding="same", use_bias=False)
        convs.append(conv)
        h = conv(h)
        h = L.BatchNormalization(epsilon=BN_EPS_MATCHED, momentum=BN_MOMENTUM_KERAS)(h)  # Keras' own defaults
        h = L.ReLU()(h)
        if i >= 1:
            h = L.MaxPooling2D(2)(h)
    h = L.GlobalAveragePooling2D()(h)
    head = _dense(p.classes)
    model = keras.Model(inp, head(h))
    for conv, k in zip(convs, w["convs"]):
        conv.set_weights([k])
    head.set_weights(list(w["dense"]))
    return model, True


def _tokens(p: TextParams) -> tuple[Any, Any, Any]:
    """(input, embedding layer, embedded tokens) of a text classifier."""
    import keras

    inp = keras.Input((None,), dtype="int32")
    emb = keras.layers.Embedding(p.vocab, p.embed)
    return inp, emb, emb(inp)


def _lstm(p: TextParams, matched: bool) -> tuple[Any, bool]:
    import keras

    w = lstm_weights(p)
    inp, emb, h = _tokens(p)
    lstm = keras.layers.LSTM(p.hidden)
    h = lstm(h)
    head = _dense(p.classes)
    model = keras.Model(inp, head(h))
    emb.set_weights([w["embedding"]])
    lstm.set_weights([w["kernel"], w["recurrent"], w["bias"]])
    head.set_weights(list(w["dense"]))
    return model, True


def _transformer(p: TextParams, matched: bool) -> tuple[Any, bool]:
    import keras

    L = keras.layers
    inp, _, h = _tokens(p)
    eps = 1e-5 if matched else 1e-3
    d = p.embed
    for _ in range(p.layers):  # post-norm encoder layer, as torch.nn.TransformerEncoderLayer's default
        a = L.MultiHeadAttention(p.heads, d // p.heads)(h, h)
        h = L.LayerNormalization(epsilon=eps)(h + a)
        f = _dense(d)(_dense(p.ff, "relu")(h))
        h = L.LayerNormalization(epsilon=eps)(h + f)
    h = L.GlobalAveragePooling1D()(h)
    return keras.Model(inp, _dense(p.classes)(h)), False


# model name -> (params, matched) -> (the model with the shared weights loaded where they map 1:1, shared_init)
KERAS_MODELS: dict[str, Callable[[Any, bool], tuple[Any, bool]]] = {
    "mlp": _mlp,
    "cnn": _cnn,
    "lstm": _lstm,
    "transformer": _transformer,
}
