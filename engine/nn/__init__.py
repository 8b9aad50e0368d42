"""torch.nn: only the functional ops (engine.nn.functional)."""
from . import functional
