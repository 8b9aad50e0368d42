"""The optional parts of a view (what went wrong, what-if, Compare) as static HTML and text.

The widget draws them live (widget.js); front ends without widgets get them here, around the
three sections of html.py and text.py: what went wrong and the what-if values first (in the
text, right after the title), Compare last. Every name, label and value goes through `escape`.
"""
from html import escape

_BOX = "border:1px solid {};border-left-width:4px;padding:4px 8px;margin:4px 0;background:{}"
_CELL = "padding:1px 6px;border:1px solid #ddd;text-align:left"


def _e(value):
    return escape(str(value), quote=True)


def html(view, body):
    """The static HTML of `view`: `body` (html.render's) with the optional parts around it."""
    return _failure_html(view.failure) + _interact_html(view.interact) + body + _compare_html(view.compare)


def text(view, body):
    """The text of `view`: `body` (text.render's, its title first) with the optional parts in it."""
    title, _, rest = body.partition("\n")
    lines = _failure_lines(view.failure) + _interact_lines(view.interact)
    return "\n".join([title, *lines, *([rest] if rest else []), *_compare_lines(view.compare)])


# --- what went wrong ----------------------------------------------------------------------------
def _failure_html(failure):
    if not failure:
        return ""
    return (f'<div style="{_BOX.format("#c62828", "#fff5f5")}"><strong>What went wrong: '
            f'{_e(failure["title"])}</strong><p style="margin:4px 0">{_e(failure["text"])}</p>'
            f'<div style="color:#777">{_e(failure["error"])}</div></div>')


def _failure_lines(failure):
    if not failure:
        return []
    return [f"What went wrong: {failure['title']}", f"  {failure['text']}", f"  ({failure['error']})"]


# --- what-if --------------------------------------------------------------------------------------
def _values(interact):
    return ", ".join(f"{c['label']} = {c['text']}" for c in interact["controls"])


def _interact_html(interact):
    if not interact:
        return ""
    return (f'<div style="{_BOX.format("#90caf9", "#f5f9ff")}">What if: {_e(_values(interact))} '
            '<span style="color:#777">(the sliders need a live widget: JupyterLab or Notebook)</span></div>')


def _interact_lines(interact):
    return [f"What if: {_values(interact)}  (sliders need a live widget)"] if interact else []


# --- compare --------------------------------------------------------------------------------------
def _compare_html(compare):
    if not compare:
        return ""
    parts = [f'<h4 style="margin:8px 0 4px">Compare</h4><p>{_e(compare["summary"])}</p>']
    if compare["differences"]:
        header = "".join(f'<th style="{_CELL}">{_e(h)}</th>'
                         for h in ("name", "what differs", "ours", compare["against"], "max abs diff"))
        rows = "".join("<tr>" + "".join(f'<td style="{_CELL}">{_e(d[k])}</td>'
                                        for k in ("name", "what", "ours", "theirs", "diff_text")) + "</tr>"
                       for d in compare["differences"])
        parts.append(f'<table style="border-collapse:collapse;font-size:12px"><tr>{header}</tr>{rows}</table>')
    return "".join(parts)


def _compare_lines(compare):
    if not compare:
        return []
    lines = ["Compare", f"  {compare['summary']}"]
    lines += [f"  {d['name']}: {d['what']} differs (ours {d['ours']}, {compare['against']} {d['theirs']}; "
              f"max abs diff {d['diff_text']})" for d in compare["differences"]]
    return lines
