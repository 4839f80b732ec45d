"""Cutting a young story in two: the second look that undoes a wrong early join.

Online grouping decides on each article once. When articles arrive out of order, the first
report of one event can join a story about another event of the same kind (ECB+ pairs such
twins: two Oscar hosts announced years apart), and the twin's later reports then follow it
there, since the story now looks like both. A story that is still young keeps each member's
own state (what joining folded in), so it can be looked at again as a set of articles: cut
into the two halves least alike, and split when the model that decides merges says those
halves would not have been merged.

These are pure functions over member states; :class:`~storyline.stories.index.StoryIndex`
folds the halves, asks the pair model and keeps the ids.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol


class Member(Protocol):
    """What a cut reads of a member: its (unit-length) vectors."""

    id: str
    text: Mapping[str, float]
    title: Mapping[str, float]
    names: Mapping[str, float]


def _dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return math.fsum([v * b[k] for k, v in a.items() if k in b])


def likeness(a: Member, b: Member, weights: Sequence[float]) -> float:
    """How alike two members are: the pair model's similarity terms (text, title and names
    cosines, by their fitted weights), so the cut weighs the evidence as joining does."""
    return weights[0] * _dot(a.text, b.text) + weights[1] * _dot(a.title, b.title) \
        + weights[2] * _dot(a.names, b.names)


def likeness_matrix(members: Sequence[Member],
                    like: Callable[[Member, Member], float]) -> list[list[float]]:
    """Pairwise :func:`likeness` (symmetric; the diagonal unused)."""
    n = len(members)
    matrix = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            matrix[i][j] = matrix[j][i] = like(members[i], members[j])
    return matrix


def cut(matrix: Sequence[Sequence[float]], passes: int = 3) -> tuple[list[int], list[int]] | None:
    """A deterministic two-way partition of members (by index) from their pairwise likeness:
    seeded with the two members least alike, each other member put with the seed it is more
    like, then up to ``passes`` rounds in which a member moves to the other half when it is
    more like that half on average (average linkage, as stories are compared). The half
    holding member 0 comes first. None for fewer than two members.

    Seeding with the least alike pair finds twins because a wrong join is a member far from
    the rest; average linkage then gathers the twin's later reports around it."""
    n = len(matrix)
    if n < 2:
        return None
    a, b = min(((i, j) for i in range(n) for j in range(i + 1, n)),
               key=lambda ij: (matrix[ij[0]][ij[1]], ij))
    side = [0] * n
    side[b] = 1
    for k in range(n):
        if k not in (a, b):
            side[k] = 0 if matrix[k][a] >= matrix[k][b] else 1
    for _ in range(passes):
        moved = False
        for k in range(n):
            sums, counts = [0.0, 0.0], [0, 0]
            for j in range(n):
                if j != k:
                    sums[side[j]] += matrix[k][j]
                    counts[side[j]] += 1
            own, other = side[k], 1 - side[k]
            if counts[own] == 0 or counts[other] == 0:
                continue  # the last member of a half stays, so there are two
            if sums[other] / counts[other] > sums[own] / counts[own] + 1e-12:
                side[k] = other
                moved = True
        if not moved:
            break
    first = side[0]
    return ([k for k in range(n) if side[k] == first], [k for k in range(n) if side[k] != first])
