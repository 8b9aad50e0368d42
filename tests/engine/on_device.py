"""Which device the engine's tests run on (ENGINE_TEST_DEVICE, see conftest.py), and `cpu_text`,
for tests that compare what the engine prints or raises with what PyTorch says on the CPU."""
import os
import re

from engine.printing import PRINT_OPTS

DEVICE = os.environ.get("ENGINE_TEST_DEVICE", "cpu")

# how a CUDA tensor's text differs from a CPU tensor's, in PyTorch and so in the engine, beside
# the device='cuda:0' suffix of its repr
_CUDA_TO_CPU = (
    ("torch.cuda.", "torch."),  # type names in messages: torch.cuda.FloatTensor
    ("device(type='cuda', index=0)", "device(type='cpu')"),
    ("'cuda:0'", "'cpu'"),
    ('_cuda"', '_cpu"'),  # kernel names in messages: "normal_kernel_cuda" not implemented
)

# a tensor repr's suffixes, as torch/_tensor_str.py lays them out: ", x" or ",\n" and the indent
_INDENT = len("tensor(")
_SUFFIX = r"(?:, |,\n {7})(device='cuda:0'|size=\([\d, ]*\)|dtype=torch\.\w+|grad_fn=<\w+>|requires_grad=True)"
_SUFFIXES = re.compile(rf"(?:{_SUFFIX})+(?=\))")


def cpu_text(text):
    """`text` as it reads for tensors on the CPU: itself in a CPU run; on another device, the
    device's name taken out (PyTorch names the device where the CPU's text has nothing), and
    the remaining suffixes of a repr laid out again as they would be without it."""
    if DEVICE == "cpu":
        return text
    text = _SUFFIXES.sub(lambda match: _without_device(text, match), text)
    for device_text, cpu in _CUDA_TO_CPU:
        text = text.replace(device_text, cpu)
    return text


def _without_device(text, match):
    suffixes = re.findall(_SUFFIX, match.group(0))
    if "device='cuda:0'" not in suffixes:
        return match.group(0)
    start = text.rfind("tensor(", 0, match.start())
    line_start = text.rfind("\n", start, match.start())
    body = text[start if line_start < 0 else line_start + 1:match.start()]
    last_line_len = len(body) + 2  # as _add_suffixes counts it
    laid_out = []
    for suffix in suffixes:
        if suffix == "device='cuda:0'":
            continue
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            laid_out.append(",\n" + " " * _INDENT + suffix)
            last_line_len = _INDENT + len(suffix)
        else:
            laid_out.append(", " + suffix)
            last_line_len += len(suffix) + 2
    return "".join(laid_out)
