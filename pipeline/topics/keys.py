"""Stable topic keys (``N-01``, ``N-02`` …) across re-runs.

BERTopic numbers topics by size on every fit, so topic 3 of one run need not
be topic 3 of the next (BERTopic issues #1409, #1471, #2257). Reports cite
narratives by key, so keys are kept in a registry, ``models/topics/keys.json``
(tracked in git), and each new fit is matched to it:

* similarity of a new topic *i* and a registered key *k* is
  ``w * cos(centroid_i, centroid_k) + (1 - w) * jaccard(terms_i, terms_k)``,
  where a centroid is the normalised mean of the topic's passage embeddings
  and ``terms`` its top c-TF-IDF terms (``w = topics.keys.centroid_weight``);
* the one-to-one assignment maximising total similarity is found with the
  Hungarian method (:func:`scipy.optimize.linear_sum_assignment`), and pairs
  below ``topics.keys.threshold`` are dropped;
* unmatched new topics get fresh keys (the counter only grows), keys left
  unmatched are retired; a retired key is never reused.

Every event is appended to the registry's history with the run id (a hash of
the inputs and params), so re-running the same inputs adds nothing and gives
the same keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

KEY_PREFIX = "N-"
OUTLIER_KEY = "outlier"


@dataclass
class TopicSignature:
    """What identifies a topic across runs.

    Attributes:
        topic_id: BERTopic's id in this run.
        centroid: ``(d,)`` float, unit norm.
        terms: top c-TF-IDF terms, best first.
        size: passages in the topic.
        label: readable label.
    """

    topic_id: int
    centroid: np.ndarray
    terms: list[str]
    size: int
    label: str = ""


@dataclass
class KeyRegistry:
    """The persistent key registry.

    Attributes:
        next_number: the number of the next fresh key.
        keys: key → ``{"status", "centroid", "terms", "label", "created_run", "last_run"}``.
        history: events ``{"run_id", "key", "event", "topic_id", "similarity"}``,
            ``event`` in ``created``, ``matched``, ``retired``.
        last_events: the events of the last :func:`assign_keys` call.
    """

    next_number: int = 1
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    #: The events of the last :func:`assign_keys` call, kept here even when
    #: ``history`` already held that run id (not saved).
    last_events: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> KeyRegistry:
        """Read ``path``; an absent file is an empty registry.

        Raises:
            ValueError: the file is not a registry (names the file).
        """
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(int(data["next_number"]), dict(data["keys"]), list(data["history"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a topic key registry ({exc})") from exc

    def save(self, path: Path) -> None:
        """Write the registry as sorted, indented JSON (stable diffs)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"next_number": self.next_number, "keys": self.keys, "history": self.history}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(path)

    def active(self) -> list[str]:
        """Active keys, in key order."""
        return sorted(k for k, v in self.keys.items() if v["status"] == "active")


def jaccard(a: list[str], b: list[str]) -> float:
    """Jaccard similarity of two term lists (as sets); 0 for two empty lists."""
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def similarity_matrix(new: list[TopicSignature], registry: KeyRegistry, keys: list[str], *,
                      centroid_weight: float) -> np.ndarray:
    """``(len(new), len(keys))`` similarities in [-1, 1] (see module doc)."""
    if not new or not keys:
        return np.zeros((len(new), len(keys)))
    a = np.stack([t.centroid for t in new])
    b = np.stack([np.asarray(registry.keys[k]["centroid"], dtype=np.float64) for k in keys])
    cos = a @ b.T
    jac = np.array([[jaccard(t.terms, registry.keys[k]["terms"]) for k in keys] for t in new])
    return centroid_weight * cos + (1 - centroid_weight) * jac


def assign_keys(new: list[TopicSignature], registry: KeyRegistry, run_id: str, *,
                threshold: float, centroid_weight: float) -> dict[int, str]:
    """Give each new topic a key, updating ``registry`` in place.

    Args:
        new: this run's topics (outliers excluded), ordered by size, largest
            first (fresh keys are numbered in this order).
        registry: previous keys; updated with this run's centroids, terms,
            labels and events.
        run_id: id of this run; if the registry already holds events of this
            run, no event is added twice.
        threshold: minimum similarity for a match.
        centroid_weight: ``w`` in the similarity.

    Returns:
        ``topic_id → key``.
    """
    keys = registry.active()
    sim = similarity_matrix(new, registry, keys, centroid_weight=centroid_weight)
    matched: dict[int, tuple[str, float]] = {}
    if sim.size:
        rows, cols = linear_sum_assignment(-sim)
        for r, c in zip(rows, cols):
            if sim[r, c] >= threshold:
                matched[r] = (keys[c], float(sim[r, c]))
    seen_run = any(e["run_id"] == run_id for e in registry.history)
    events = []
    out: dict[int, str] = {}
    for i, topic in enumerate(new):
        if i in matched:
            key, score = matched[i]
            events.append({"run_id": run_id, "key": key, "event": "matched", "topic_id": topic.topic_id,
                           "similarity": round(score, 4)})
        else:
            key = f"{KEY_PREFIX}{registry.next_number:02d}"
            registry.next_number += 1
            registry.keys[key] = {"status": "active", "created_run": run_id}
            events.append({"run_id": run_id, "key": key, "event": "created", "topic_id": topic.topic_id,
                           "similarity": None})
        registry.keys[key].update({
            "centroid": [round(float(x), 6) for x in topic.centroid],
            "terms": list(topic.terms), "label": topic.label, "size": topic.size, "last_run": run_id})
        out[topic.topic_id] = key
    used = set(out.values())
    for key in keys:
        if key not in used:
            registry.keys[key]["status"] = "retired"
            registry.keys[key]["retired_run"] = run_id
            events.append({"run_id": run_id, "key": key, "event": "retired", "topic_id": None, "similarity": None})
    if not seen_run:
        registry.history.extend(events)
    registry.last_events = events
    return out
