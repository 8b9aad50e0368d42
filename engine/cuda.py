"""torch.cuda: whether a GPU can be used here, and the few things about it PyTorch code asks."""
from . import backend


def is_available():
    """True when CuPy is installed and runs on a GPU here; never raises."""
    try:
        backend.array_module(backend.CUDA)
    except Exception:  # DeviceUnavailable, or anything odd a broken CUDA set-up throws
        return False
    return True


def device_count():
    return backend.device_count() if is_available() else 0


def current_device():
    backend.canonical(backend.CUDA)  # the clear error where there is no GPU
    return 0


def get_device_name(device=None):
    backend.canonical(backend.CUDA if device is None else backend.device(device))
    return backend.gpu_name()


def synchronize(device=None):
    """Wait for the GPU's queued work to finish (for timing: CuPy's kernels run asynchronously)."""
    backend.synchronize(backend.canonical(backend.CUDA if device is None else device))
