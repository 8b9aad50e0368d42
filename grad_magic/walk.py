"""Walking a backward graph from its output nodes, without recursion and within a budget."""


def next_nodes(node):
    """The nodes a backward node sends gradients to (PyTorch's `next_functions`, Nones dropped)."""
    for edge in getattr(node, "next_functions", ()) or ():
        if edge is not None and edge[0] is not None:
            yield edge[0]


def leaf_of(node):
    """The leaf tensor an AccumulateGrad node writes `.grad` to, or None for other nodes."""
    return getattr(node, "variable", None)


def walk(start_nodes, limit):
    """Every node reachable from `start_nodes` (themselves included), at most `limit` of them.

    Returns (nodes, complete): nodes in the order first met, and whether the walk saw them all.
    """
    seen = {}
    stack = [node for node in start_nodes if node is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        if len(seen) >= limit:
            return list(seen.values()), False
        seen[id(node)] = node
        stack.extend(reversed(list(next_nodes(node))))
    return list(seen.values()), True


def reach(start_nodes, limit):
    """The ids of the nodes and of the leaf tensors a graph reaches; and whether the walk was complete."""
    nodes, complete = walk(start_nodes, limit)
    ids = {id(node) for node in nodes}
    ids.update(id(leaf) for leaf in map(leaf_of, nodes) if leaf is not None)
    return ids, complete
