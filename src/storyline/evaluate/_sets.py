"""Reading evaluation sets, shared by the evaluations, and writing a set back out for ingest
without its gold fields. Each evaluation's ``load_*_set`` names the fields its records carry.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from ..errors import InputError, Origin

#: Gold and dataset-only fields that must not reach the database under evaluation.
_GOLD_FIELDS = ("story", "story_name", "topic", "noise", "published_raw")


def read_records(path: str | Path, limit: int | None, fields: dict[str, type],
                 default_id: str, string_lists: tuple[str, ...] = ()) -> list[dict]:
    """JSON Lines records (``.gz`` too) that must carry ``fields`` of the given types, the
    ``string_lists`` among them holding only non-empty strings; a bad line raises
    :class:`InputError` naming the file, the line and the field."""
    records = []
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(Origin(str(path), line=number), f"invalid JSON: {exc.msg}") from exc
            for name, kind in fields.items():
                if not isinstance(rec.get(name), kind):
                    raise InputError(Origin(str(path), line=number),
                                     f"missing or not a {'list' if kind is list else 'string'}",
                                     field=name)
            for name in string_lists:
                if not all(isinstance(item, str) and item.strip() for item in rec[name]):
                    raise InputError(Origin(str(path), line=number),
                                     "holds something that is not a non-empty string", field=name)
            rec.setdefault("id", f"{default_id}-{number}")
            records.append(rec)
            if limit and len(records) >= limit:
                break
    return records


def write_without_gold(records: list[dict], path: Path) -> None:
    """The records as JSON Lines at ``path``, every gold field removed, ready for ingest."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps({k: v for k, v in r.items() if k not in _GOLD_FIELDS},
                                 ensure_ascii=False) + "\n" for r in records)
