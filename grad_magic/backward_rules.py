"""What each backward node does with the gradient it receives, in one line, by PyTorch's node name.

`grad` is the gradient arriving at the node (of its output); `self`, `other`, `result` are its
saved input, second input and output, as PyTorch names them. The step-through view shows the
rule of the node being run; nodes not listed get a generic line.
"""

RULES = {
    # --- arithmetic
    "AddBackward0": "grad to both inputs (each summed back to its input's shape)",
    "SubBackward0": "grad to self, -grad to other",
    "RsubBackward0": "-grad to self, grad to other",
    "RsubBackward1": "-grad to self",
    "MulBackward0": "grad * other to self, grad * self to other",
    "DivBackward0": "grad / other to self, -grad * self / other**2 to other",
    "NegBackward0": "-grad",
    "ReciprocalBackward0": "-grad * result**2",
    "PowBackward0": "grad * exponent * self**(exponent-1)",
    "PowBackward1": "grad * exponent * self**(exponent-1) to self, grad * result * log(self) to exponent",
    "PowBackward2": "grad * result * log(self) to exponent",
    # --- reductions
    "SumBackward0": "grad copied to every element",
    "SumBackward1": "grad copied along the summed dims",
    "MeanBackward0": "grad / numel, spread to every element",
    "MeanBackward1": "grad / (size of the reduced dims), spread along them",
    "ProdBackward0": "grad * result / self, for each element",
    # --- pointwise
    "ExpBackward0": "grad * result  (d/dx e^x = e^x)",
    "LogBackward0": "grad / self",
    "SqrtBackward0": "grad / (2 * result)",
    "RsqrtBackward0": "-grad * result**3 / 2",
    "SinBackward0": "grad * cos(self)",
    "CosBackward0": "-grad * sin(self)",
    "TanhBackward0": "grad * (1 - result**2)",
    "SigmoidBackward0": "grad * result * (1 - result)",
    "ReluBackward0": "grad where result > 0, else 0",
    "AbsBackward0": "grad * sign(self)",
    "ClampBackward1": "grad where min <= self <= max, else 0",
    # --- matrices
    "MmBackward0": "grad @ mat2.T to self, self.T @ grad to mat2",
    "MvBackward0": "outer(grad, vec) to self, self.T @ grad to vec",
    "BmmBackward0": "grad @ mat2.mT to self, self.mT @ grad to mat2 (per batch)",
    "DotBackward0": "grad * tensor to self, grad * self to tensor",
    "AddmmBackward0": "grad to input (summed back), grad @ mat2.T to mat1, mat1.T @ grad to mat2",
    # --- shapes
    "TBackward0": "grad.T",
    "TransposeBackward0": "grad with the two dims swapped back",
    "PermuteBackward0": "grad permuted back",
    "ViewBackward0": "grad reshaped to the input's shape",
    "ReshapeAliasBackward0": "grad reshaped to the input's shape",
    "UnsafeViewBackward0": "grad reshaped to the input's shape",
    "ExpandBackward0": "grad summed over the expanded dims",
    "SqueezeBackward0": "grad unsqueezed back",
    "UnsqueezeBackward0": "grad squeezed back",
    "CloneBackward0": "grad unchanged",
    "ToCopyBackward0": "grad converted back to the input's dtype and device",
    "SelectBackward0": "grad placed at the selected index, zeros elsewhere",
    "SliceBackward0": "grad placed in the slice, zeros elsewhere",
    "IndexBackward0": "grad added at the indexed positions, zeros elsewhere",
    "CatBackward0": "grad split back into the pieces",
    "StackBackward0": "grad unbound back into the pieces",
    # --- leaves
    "AccumulateGrad": "leaf.grad += grad  (the first time: leaf.grad = grad)",
}

GENERIC = "grad times the local derivative, sent to each input (a vector-Jacobian product)"
CUSTOM = "the custom Function's backward(ctx, grad): its return values go to the inputs"


def rule_of(name):
    """The one-line rule of a node, by its name (`torch::autograd::AccumulateGrad` works too)."""
    short = name.rpartition("::")[2]
    if short in RULES:
        return RULES[short]
    if short.endswith("Backward"):  # a custom Function: PyTorch names its node <Class>Backward
        return CUSTOM
    return GENERIC
