"""A custom Function node's ctx in its details: what forward stored, as backward will find it.

Shows the plain data of grad_magic.function_ctx: each attribute forward set (`ctx.constant`) and
each tensor it saved (`ctx.saved_tensors[0]`), labelled as the user's code reads them.
"""


def _entry(label, value):
    """A field (text) or a block (a tensor's values) for one thing kept on ctx."""
    from .details import values_block  # details calls this module: imported here, not above

    if isinstance(value, dict) and "values" in value:  # a tensor
        named = f" (= {value['name']})" if value.get("name") else ""
        return None, {"label": label + named, "values": values_block(value["values"])}
    return [label, repr(value)], None


def ctx_entries(ctx):
    """(fields, blocks) for a node's ctx data (function_ctx.read); none for a node without ctx."""
    if not ctx:
        return [], []
    entries = [_entry(f"ctx.{name}", value) for name, value in ctx["attributes"].items()]
    saved = ctx["saved_tensors"]
    if isinstance(saved, dict):
        entries.append((["ctx.saved_tensors", "not readable: " + saved["error"]], None))
    elif not saved:
        entries.append((["ctx.saved_tensors", "()"], None))
    else:
        entries += [_entry(f"ctx.saved_tensors[{k}]", value) for k, value in enumerate(saved)]
    return [field for field, _ in entries if field], [block for _, block in entries if block]
