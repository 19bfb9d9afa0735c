"""Framework setup shared by the native and the Keras impls (threads, devices, TF32, peak memory).

Thread counts, device checks, TF32 policy and peak device memory for torch, TensorFlow and JAX
(backend names as in KERAS_BACKEND).

Each function imports its framework when called, so importing this module stays cheap.
"""

from __future__ import annotations

from typing import Any

from fwpulse.benchmarks.speed.common import NotAvailable


def setup_torch(ctx: dict[str, Any], no_device: str) -> Any:
    """torch with the worker's thread count; NotAvailable(``no_device``) when CUDA is wanted but absent."""
    import torch

    if ctx["threads"]:
        torch.set_num_threads(ctx["threads"])
        torch.set_num_interop_threads(1)
    if ctx["device"] == "cuda" and not torch.cuda.is_available():
        raise NotAvailable(no_device.format(version=torch.__version__))
    return torch


def setup_tensorflow(ctx: dict[str, Any], no_device: str) -> Any:
    """TensorFlow with the worker's thread count and, on CUDA, memory growth (NotAvailable without a GPU)."""
    import tensorflow as tf

    if ctx["threads"]:
        tf.config.threading.set_intra_op_parallelism_threads(ctx["threads"])
        tf.config.threading.set_inter_op_parallelism_threads(1)
    if ctx["device"] == "cuda":
        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            raise NotAvailable(no_device.format(version=tf.__version__))
        for g in gpus:
            tf.config.experimental.set_memory_growth(g, True)
    return tf


def jax_devices(platform: str, no_device: str) -> list[Any]:
    """JAX's devices of ``platform`` ("cpu" / "gpu"); NotAvailable(``no_device``) when there are none."""
    import jax

    try:
        devices = jax.devices(platform)
    except RuntimeError:
        devices = []
    if not devices:
        raise NotAvailable(no_device.format(version=jax.__version__, platform=platform))
    return devices


def set_tf32(backend: str, precision: str, matched: bool) -> Any:
    """TF32 on for "tf32", off for the matched tier's fp32/bf16, else the backend's default; returns the setting."""
    want = True if precision == "tf32" else (False if matched else None)
    if backend == "tensorflow":
        import tensorflow as tf

        if want is not None:
            tf.config.experimental.enable_tensor_float_32_execution(want)
        return tf.config.experimental.tensor_float_32_execution_enabled()
    if backend == "jax":
        import jax

        if want is not None:
            jax.config.update("jax_default_matmul_precision", "tensorfloat32" if want else "highest")
        return jax.config.jax_default_matmul_precision or "default"
    import torch

    if want is not None:
        torch.set_float32_matmul_precision("high" if want else "highest")
        torch.backends.cudnn.allow_tf32 = want
    return {
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
        "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32,
    }


def reset_peak_memory(backend: str, ctx: dict[str, Any]) -> None:
    """Restart the device-memory peak (torch, TensorFlow; JAX's cannot be reset)."""
    if ctx["device"] == "cuda" and backend == "torch":
        import torch

        torch.cuda.reset_peak_memory_stats()
    elif ctx["device"] == "cuda" and backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.reset_memory_stats("GPU:0")


def peak_memory(backend: str, ctx: dict[str, Any]) -> tuple[int | None, str | None]:
    """(bytes, how it was read) of the device-memory peak; (None, None) on the CPU or where unknown."""
    if ctx["device"] != "cuda":
        return None, None
    if backend == "torch":
        import torch

        return int(torch.cuda.max_memory_allocated()), "torch.cuda.max_memory_allocated"
    if backend == "tensorflow":
        import tensorflow as tf

        return int(tf.config.experimental.get_memory_info("GPU:0")["peak"]), "tf get_memory_info peak"
    import jax

    stats = jax.devices("gpu")[0].memory_stats() or {}
    if "peak_bytes_in_use" in stats:
        return int(stats["peak_bytes_in_use"]), "jax peak_bytes_in_use (whole process)"
    return None, None
