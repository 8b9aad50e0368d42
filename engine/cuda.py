"""torch.cuda: whether a GPU can be used here."""
from . import backend


def is_available():
    """True when CuPy is installed and sees a GPU; never raises."""
    try:
        backend.array_module(backend.CUDA)
    except backend.DeviceUnavailable:
        return False
    return True


def device_count():
    return 1 if is_available() else 0
