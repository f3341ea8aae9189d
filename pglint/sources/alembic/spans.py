"""Character spans of the CST nodes pglint reports at, computed in one pass over the module."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pglint.sources.alembic.syntax import walk

if TYPE_CHECKING:
    import libcst as cst


class Spans:
    """(start, end) character offsets of calls, strings, loops and ``with`` blocks (and of
    the ``extra`` nodes given by id), and the lines that hold them."""

    __slots__ = ("_spans", "text")

    def __init__(self, text: str, module: cst.Module, extra: set[int]) -> None:
        self.text = text
        self._spans = _spans(text, module, extra)

    def __call__(self, node: Any) -> tuple[int, int]:
        """The span of ``node``, or of the first node under it that has one."""
        found = self._spans.get(id(node))
        if found is not None:
            return found
        for child in walk(node):
            if id(child) in self._spans:
                return self._spans[id(child)]
        return (0, 1)

    def line(self, node: Any) -> tuple[int, int]:
        """The line holding ``node``'s start, from its first non-blank character."""
        text = self.text
        start, _ = self(node)
        begin = skip_blank(text, text.rfind("\n", 0, start) + 1)
        end = text.find("\n", start)
        return begin, (end if end >= 0 else len(text))

    def first_line(self, node: Any) -> tuple[int, int]:
        """``node``'s span cut at the end of its first line (a loop: just its header)."""
        text = self.text
        start, end = self(node)
        start = skip_blank(text, start)
        line_end = text.find("\n", start)
        end = min(end, line_end if line_end >= 0 else len(text))
        return start, max(end, start + 1)


def skip_blank(text: str, offset: int) -> int:
    while offset < len(text) and text[offset] in " \t":
        offset += 1
    return offset


def line_starts(text: str) -> list[int]:
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


def _spans(text: str, module: cst.Module, extra: set[int]) -> dict[int, tuple[int, int]]:
    import libcst as cst

    wanted = frozenset(
        {
            cst.Call,
            cst.SimpleString,
            cst.ConcatenatedString,
            cst.FormattedString,
            cst.For,
            cst.While,
            cst.With,
        }
    )
    try:
        state = _offset_state()(module.default_indent, module.default_newline, wanted, extra)
        module._codegen(state)
        if state.offset in (len(text), len(text) + 1):
            return state.spans
    except Exception:  # fall back to libcst's own provider below
        pass
    return _provider_spans(text, module, wanted, extra)


@lru_cache(maxsize=1)
def _offset_state() -> type:
    """A libcst codegen state that only counts characters and records spans of chosen nodes.

    Generating the module's code visits every node in source order and, libcst being
    lossless, produces the file's text; counting characters instead of keeping them gives
    each chosen node's character span at a fraction of PositionProvider's cost.
    """
    from libcst._nodes.internal import CodegenState

    class OffsetState(CodegenState):
        def __init__(self, indent: str, newline: str, wanted: frozenset, extra: set[int]):
            super().__init__(default_indent=indent, default_newline=newline)
            self.offset = 0
            self.spans: dict[int, tuple[int, int]] = {}
            self._stack: list[int] = []
            self._wanted = wanted
            self._extra = extra

        def add_token(self, value: str) -> None:
            self.offset += len(value)

        def add_indent_tokens(self) -> None:
            for token in self.indent_tokens:
                self.offset += len(token)

        def pop_trailing_newline(self) -> None:
            pass

        def before_codegen(self, node: Any) -> None:
            if type(node) in self._wanted or id(node) in self._extra:
                self._stack.append(self.offset)

        def after_codegen(self, node: Any) -> None:
            if type(node) in self._wanted or id(node) in self._extra:
                self.spans[id(node)] = (self._stack.pop(), self.offset)

    return OffsetState


def _provider_spans(
    text: str, module: cst.Module, wanted: frozenset, extra: set[int]
) -> dict[int, tuple[int, int]]:
    from libcst.metadata import MetadataWrapper, WhitespaceInclusivePositionProvider

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(WhitespaceInclusivePositionProvider)
    starts = line_starts(text)

    def offset(pos: Any) -> int:
        return min(len(text), starts[min(pos.line, len(starts)) - 1] + pos.column)

    return {
        id(node): (offset(where.start), offset(where.end))
        for node, where in positions.items()
        if type(node) in wanted or id(node) in extra
    }
