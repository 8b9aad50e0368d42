"""Whether operations record a graph: `no_grad`, `enable_grad`, `set_grad_enabled`."""
import functools


class _GradMode:
    enabled = True


def is_grad_enabled():
    return _GradMode.enabled


class _GradModeContext:
    """A context manager that is also a decorator, and restores the previous mode in `finally`."""

    mode = None  # the mode set on entry; subclasses fix it

    def __enter__(self):
        self._previous = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __exit__(self, *exc):
        _GradMode.enabled = self._previous
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._init_args()):
                return function(*args, **kwargs)

        return wrapper

    def _init_args(self):
        return ()

    def clone(self):
        return self.__class__(*self._init_args())


class _NoArgumentContext(_GradModeContext):
    """Usable as `@no_grad()` and as bare `@no_grad`, as in PyTorch."""

    def __new__(cls, function=None):
        if function is None:
            return super().__new__(cls)
        return cls()(function)


class no_grad(_NoArgumentContext):
    mode = False


class enable_grad(_NoArgumentContext):
    mode = True


class set_grad_enabled(_GradModeContext):
    """Sets the mode at once (as PyTorch does), and also works as a context manager."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._previous = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __enter__(self):
        pass  # already set in __init__; __exit__ restores the mode from before

    def __call__(self, function):
        _GradMode.enabled = self._previous  # as a decorator it only applies inside the call
        return super().__call__(function)

    def _init_args(self):
        return (self.mode,)
