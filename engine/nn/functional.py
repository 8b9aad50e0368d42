"""torch.nn.functional: activations, softmax, linear and losses."""
