"""Prose answers: a language model writes from the cited records only, and only checked sentences are shown.

The writer sees the records the extractive answer cites (date as written, title, summary), numbered as the
citations are, and is asked to end every sentence with its [n]. Its draft is cut into sentences as it
streams; each is checked against the records it cites (qa/verify.py) before it is shown. What fails is
removed and listed with its reason; when nothing holds, or the writer fails, the extractive answer stands.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from .answer import Answer, Citation
from .llm import Endpoint, WriterError, chat, model_of
from .sentences import sentences
from .verify import Encoder, Verdict, Verifier

log = logging.getLogger(__name__)

# The writer sees at most this many records (the first citations), each summary cut to about this many
# characters at a sentence's end: enough for an answer, and within a small model's context.
MAX_RECORDS = 10
MAX_SUMMARY = 1500
INSTRUCTIONS = ("Answer the question below using only the numbered records above. Write one to four "
                "short sentences of plain prose. End every sentence with the number of the record it comes "
                "from in square brackets, like [1]. Use only dates, names and numbers that the record gives, "
                "and do not add causes, reasons or anything else the records do not say. If the records do "
                "not answer the question, say so.")


def record_block(c: Citation) -> str:
    """One record as the writer sees it: '[n] date — title', then its summary."""
    r = c.hit.record
    summary = r.summary
    if len(summary) > MAX_SUMMARY:
        kept, size = [], 0
        for s in sentences(summary):
            if kept and size + len(s) > MAX_SUMMARY:
                break
            kept.append(s)
            size += len(s) + 1
        summary = " ".join(kept)[:MAX_SUMMARY]
    return f"{c.label()}\n{summary}".strip()


def prompt(question: str, citations: list[Citation]) -> list[dict[str, str]]:
    """The chat messages for a draft: one user turn (some chat formats drop a system turn) holding the cited
    records first, then the instructions, then the question."""
    records = "\n\n".join(record_block(c) for c in citations[:MAX_RECORDS])
    return [{"role": "user", "content": f"Records:\n\n{records}\n\n{INSTRUCTIONS}\n\nQuestion: {question}"}]


# -- the draft, cut into sentences as it streams ------------------------------------------------------

_LEADING_MARKS = re.compile(r"^((?:\s*\[\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*\])+)\s*")
_ANSWER = re.compile(r"^\s*(?:\*\*)?answer(?:\*\*)?\s*:\s*", re.IGNORECASE)


def draft_sentences(text: str) -> list[str]:
    """The sentences of a draft, in order, each line on its own ('Answer:' and list bullets left out). Marks
    written after a sentence's full stop ('... 1948. [1]') go with it."""
    out: list[str] = []
    for line in text.splitlines():
        line = _ANSWER.sub("", line.strip().lstrip("-*• ").strip())
        if not line:
            continue
        first = len(out)  # marks leading a line are the line's own ('[1] April 12, 1948 — ...')
        for s in sentences(line):
            m = _LEADING_MARKS.match(s)
            if m and len(out) > first and not re.search(r"\[\d", out[-1]):
                out[-1] = f"{out[-1]} {m.group(1).strip()}"
                s = s[m.end():]
            if s.strip():
                out.append(s.strip())
    return out


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def echoes_of(messages: list[dict[str, str]]) -> frozenset[str]:
    """The prompt's own lines and sentences: a draft sentence that only repeats one of them says nothing."""
    lines = [x for m in messages for x in m["content"].splitlines() if x.strip()]
    return frozenset(_key(p) for x in lines for p in [x, *sentences(x)]) | {"records", "question", "answer"}


class Drafting:
    """A draft being written: pieces in, sentences out as soon as they are known to be whole."""

    def __init__(self) -> None:
        self.text = ""
        self.given = 0

    def add(self, piece: str) -> list[str]:
        """The sentences this piece completes (a sentence is whole once the next one has begun)."""
        self.text += piece
        found = draft_sentences(self.text)
        last_line_open = not self.text.endswith("\n")
        ready = len(found) - 1 if last_line_open else len(found)
        if found and last_line_open and not _has_words_after_marks(found[-1]):
            ready -= 1  # the sentence before may still take the marks being written
        new = found[self.given:max(ready, self.given)]
        self.given += len(new)
        return new

    def close(self) -> list[str]:
        """The sentences left when the draft ends."""
        found = draft_sentences(self.text)
        new = found[self.given:]
        self.given = len(found)
        return new


def _has_words_after_marks(s: str) -> bool:
    """Whether a sentence being written has begun past any marks (a letter after them, even '[1' unfinished)."""
    return bool(re.search(r"[^\W\d_]", re.sub(r"^\s*\[[\d\s,;–-]*$", "", _LEADING_MARKS.sub("", s))))


# -- the prose answer ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """What the web chat shows as a draft is checked: a sentence's verdict, or the finished answer."""

    verdict: Verdict | None = None
    answer: Answer | None = None


ECHO = "it repeats the prompt"
CUT = "it was cut off at the writer's length limit"
_ENDED = re.compile(r"[.!?…][\"'”’)\]]*(?:\s*\[[^\]]{0,20}\])*\s*$")


def removed_note(verdicts: list[Verdict]) -> str:
    """'2 sentences were removed because the records do not support them.' (and how many only repeated the
    prompt), or '' when nothing was removed."""
    echoes = sum(v.reason == ECHO for v in verdicts)
    cut = any(v.reason == CUT for v in verdicts)
    n = sum(not v.supported for v in verdicts) - echoes - cut
    note = ("" if not n else f"{n} sentence was removed because the records do not support it." if n == 1 else
            f"{n} sentences were removed because the records do not support them.")
    if echoes:
        were = "was" if echoes == 1 else "were"
        note += f" {echoes} that only repeated the question or the instructions {were} left out."
    if cut:
        note += " The last one, cut off at the writer's length limit, was left out."
    return note.strip()


def finish(answer: Answer, verdicts: list[Verdict], writer: dict, error: str | None = None) -> Answer:
    """The answer to show: the kept sentences as prose, or the extractive answer when none holds."""
    kept = [v.sentence for v in verdicts if v.supported]
    removed = [v.to_json() for v in verdicts if not v.supported]
    info = {**writer, "sentences": len(verdicts), "kept": len(kept)}
    if error:
        info["error"] = error
        text = f"{answer.text}\n\n(The writer was not used: {error}. This is the extractive answer.)"
    elif not kept:
        what = (f"none of its {len(verdicts)} sentences is supported by the records it cites" if verdicts
                else "it wrote no sentence")
        text = f"{answer.text}\n\n(The writer's draft is not shown: {what}. This is the extractive answer.)"
    else:
        note = removed_note(verdicts)
        text = " ".join(kept) + (f"\n\n{note}" if note else "")
    return replace(answer, text=text, writer=info, removed=removed)


def steps(answer: Answer, endpoint: Endpoint, encode: Encoder, aliases: list[list[str]] | None = None, *,
          listing: bool = False) -> Iterator[Step]:
    """Write a prose answer from the answer's citations, yielding each sentence's verdict as soon as it is
    checked, then the finished answer. The extractive answer stands when nothing is cited, for a list of
    records, and when the writer fails (the error is in the answer's `writer`)."""
    writer: dict = {"endpoint": endpoint.url, "model": endpoint.model}
    if not writes(answer, listing):
        why = "nothing is cited" if not answer.found else "a list of records is given in date order"
        yield Step(answer=replace(answer, writer={**writer, "skipped": why}, removed=[]))
        return
    citations = answer.citations[:MAX_RECORDS]
    records = [c.hit.record for c in citations]
    started = time.monotonic()
    verdicts: list[Verdict] = []
    error = None
    try:
        writer["model"] = model_of(endpoint)
        messages = prompt(answer.question, citations)
        echoes = echoes_of(messages)
        drafting = Drafting()
        verifier = Verifier(records, encode, aliases)

        def judged(drafted: list[str]) -> list[Verdict]:
            fresh = [s for s in drafted if _key(s) not in echoes]
            checked = iter(verifier.check(fresh))
            return [next(checked) if _key(s) not in echoes else Verdict(s, (), ECHO) for s in drafted]

        reply = chat(endpoint, messages, model=writer["model"])
        for piece in reply:
            for v in judged(drafting.add(piece)):
                verdicts.append(v)
                yield Step(verdict=v)
        rest = drafting.close()
        cut = rest[-1:] if reply.finish == "length" and not _ENDED.search(drafting.text) else []
        for v in judged(rest[:len(rest) - len(cut)]) + [Verdict(s, (), CUT) for s in cut]:
            verdicts.append(v)
            yield Step(verdict=v)
    except WriterError as e:
        error = str(e)
        log.warning("%s", e)
    writer["seconds"] = round(time.monotonic() - started, 2)
    yield Step(answer=finish(answer, verdicts, writer, error))


def final(run: Iterable[Step]) -> Answer:
    """The answer a run of steps() ends with: the prose, or the extractive answer saying why."""
    last = None
    for step in run:
        last = step.answer or last
    assert last is not None
    return last


def writes(answer: Answer, listing: bool) -> bool:
    """Whether the writer is asked at all: not when nothing is cited, nor for records listed in date order."""
    return answer.found and bool(answer.citations) and not listing


def tally(answers: list[Answer]) -> dict:
    """What the writer did over some answers: how many it wrote in prose, how many fell back to the extractive
    answer and why, and its sentences drafted, kept and removed."""
    out = {"answers": len(answers), "asked": 0, "prose": 0, "all_removed": 0, "failed": 0, "sentences": 0,
           "kept": 0, "removed": 0, "seconds_p50": None, "seconds_max": None}
    seconds = []
    for a in answers:
        w = a.writer or {}
        if not w or "skipped" in w:
            continue
        out["asked"] += 1
        seconds.append(w.get("seconds", 0.0))
        out["sentences"] += w.get("sentences", 0)
        out["kept"] += w.get("kept", 0)
        out["removed"] += len(a.removed)
        if w.get("error"):
            out["failed"] += 1
        elif w.get("kept"):
            out["prose"] += 1
        else:
            out["all_removed"] += 1
    if seconds:
        seconds.sort()
        out["seconds_p50"], out["seconds_max"] = seconds[len(seconds) // 2], seconds[-1]
    return out


def tally_table(rows: dict[str, dict]) -> str:
    """A markdown table of tally() results, one row per question set."""
    cols = ["answers", "asked", "prose", "all_removed", "failed", "sentences", "kept", "removed",
            "seconds_p50", "seconds_max"]
    lines = ["| set | " + " | ".join(c.replace("_", " ") for c in cols) + " |",
             "|" + "---|" * (len(cols) + 1)]
    lines += ["| " + " | ".join([name] + ["—" if t[c] is None else str(t[c]) for c in cols]) + " |"
              for name, t in rows.items()]
    return "\n".join(lines)
