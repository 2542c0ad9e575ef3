"""The Milvus store: an index served by a Milvus server, named milvus://HOST:PORT/NAME (the cluster extra).

NAME is an alias. Each build is a new collection NAME__b<time> holding, row for row: the record (its
records.jsonl line), its id and title (for look-ups), its collection (for browsing), its keyword tokens
pre-joined as text for Milvus's BM25 function (qa.text.tokens, so the same words count as in the folder
store), its first and last day as days since 1970 (negative before; null when undated, which no range
matches), and its vector (inner product). The vocabulary with each word's document frequency, the collection's
aliases, regions and initials (qa/names.py) go in a side collection NAME__m<time>, the manifest (model, counts,
hashes, calibration) in the build's properties. The alias is moved to a build only once it is complete,
flushed, loaded and counted; a build that fails or is killed before then leaves the alias, and the answers, on
the old one, and the next build removes what it left.

Questions ask for the date-filtered dense and BM25 top lists; the project's own fusion (qa/retrieve.py),
names, not-found and exports then run unchanged. Ties are broken by row.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import logging
import os
import re
import shutil
import socket
import threading
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import IndexProblem, ServiceError
from ..records import Record
from .base import KeywordHits, Records, Store, Vocabulary, Writer, by_name

log = logging.getLogger(__name__)

SCHEME = "milvus://"
BATCH = 1000          # rows an insert sends
PAGE = 16_384         # rows a query or search returns at most (Milvus's own limit)
MAX_TEXT = 65_535     # bytes a VARCHAR field holds
CHUNK = 48_000        # bytes of compressed vocabulary per side-collection row (base64 stays under MAX_TEXT)
EXACT_LIMIT = 250_000  # up to this many records the dense index is exact (FLAT), as in the folder store
K1, B = 1.5, 0.75     # BM25 parameters: those of the folder store's bm25s
TIMEOUT = 10.0        # seconds to connect
# pymilvus pings every 10 s even between calls; a gRPC server's default policy (milvus-lite's) answers that
# with "too_many_pings" and drops the connection. Ping only during calls, no more than gRPC servers allow.
KEEPALIVE = {"grpc.keepalive_time_ms": 300_000, "grpc.keepalive_permit_without_calls": False}
PROPERTY = "archive_qa."
EPOCH = np.datetime64("1970-01-01", "D")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
_URL = re.compile(r"milvus://(?P<host>\[[0-9A-Fa-f:.]+\]|[^:/\s]+):(?P<port>\d{1,5})/(?P<name>[^/\s]*)/?")


@dataclass(frozen=True)
class Address:
    """Where a Milvus index lives: the server and the alias that names the collection serving."""

    host: str
    port: int
    name: str

    @property
    def url(self) -> str:
        return f"{SCHEME}{self.host}:{self.port}/{self.name}"

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


def parse(url: str) -> Address:
    """The address in milvus://HOST:PORT/NAME; IndexProblem saying how to write one otherwise."""
    m = _URL.fullmatch(url.strip())
    if not m or not _NAME.fullmatch(m["name"]) or not 0 < int(m["port"]) < 65536:
        raise IndexProblem(f"{url!r} is not a Milvus index: write it as milvus://HOST:PORT/NAME, such as "
                           "milvus://127.0.0.1:19530/archive (NAME: letters, digits and underscores, not "
                           "starting with a digit)")
    return Address(m["host"].strip("[]"), int(m["port"]), m["name"])


def _pymilvus():
    try:
        import pymilvus
    except ImportError:
        raise ServiceError("a milvus:// index needs pymilvus: install the cluster extra with: "
                           "pip install 'archive-qa[cluster]'") from None
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)  # it logs every failed call with a traceback
    return pymilvus


def start_command(addr: Address) -> str:
    return (f"milvus-lite server --data-dir DIR --host {addr.host} --port {addr.port} (one machine; "
            "Milvus Standalone or Distributed for more: see the README)")


@contextlib.contextmanager
def _service(addr: Address, doing: str):
    """Milvus's own errors, raised inside, as one ServiceError saying what failed and what to do."""
    pymilvus = _pymilvus()
    try:
        yield
    except pymilvus.MilvusException as e:
        message = (str(getattr(e, "message", "") or e).strip() or type(e).__name__).splitlines()[0][:300]
        if getattr(e, "code", None) == 2 or "connect" in message.lower() or "unavailable" in message.lower():
            raise ServiceError(f"cannot reach the Milvus server at {addr.server} ({message}). Start one "
                               f"with: {start_command(addr)}; then try again") from None
        raise ServiceError(f"the Milvus server at {addr.server} failed while {doing}: {message}") from None


_CLIENTS: dict[str, object] = {}
_CLIENTS_LOCK = threading.Lock()


def client(addr: Address):
    """One connection per server for the whole process (a MilvusClient is safe to share between threads)."""
    pymilvus = _pymilvus()
    with _CLIENTS_LOCK:
        c = _CLIENTS.get(addr.server)
        if c is None:
            try:
                socket.create_connection((addr.host, addr.port), timeout=TIMEOUT).close()
            except OSError as e:
                raise ServiceError(f"cannot reach the Milvus server at {addr.server} ({e.strerror or e}). "
                                   f"Start one with: {start_command(addr)}; then try again") from None
            with _service(addr, "connecting"):
                c = pymilvus.MilvusClient(uri=f"http://{addr.host}:{addr.port}", timeout=TIMEOUT,
                                          grpc_options=KEEPALIVE)
            _CLIENTS[addr.server] = c
        return c


def forget(addr: Address) -> None:
    """Drop the shared connection to a server (one that stopped): the next call connects again."""
    with _CLIENTS_LOCK:
        c = _CLIENTS.pop(addr.server, None)
    with contextlib.suppress(Exception):
        c.close()  # type: ignore[union-attr]


def _target(c, addr: Address) -> str | None:
    """The collection the alias names, or None when there is no such alias."""
    if addr.name not in c.list_aliases().get("aliases", []):
        return None
    return c.describe_alias(addr.name)["collection_name"]


def _properties(c, name: str) -> dict[str, str]:
    return {k[len(PROPERTY):]: v for k, v in (c.describe_collection(name).get("properties") or {}).items()
            if k.startswith(PROPERTY)}


def exists(url: str) -> bool:
    addr = parse(url)
    with _service(addr, "looking for the collection"):
        return _target(client(addr), addr) is not None


def read_manifest(url: str):
    """The manifest of the collection the alias names; IndexProblem when there is none or it is unreadable."""
    from ..store import FORMAT_VERSION, Manifest, OldFormat

    addr = parse(url)
    with _service(addr, "reading the manifest"):
        c = client(addr)
        name = _target(c, addr)
        if name is None:
            raise IndexProblem(f"no index {addr.name!r} on the Milvus server at {addr.server}: build one "
                               f"with: archive-qa build --index {addr.url}")
        props = _properties(c, name)
    try:
        raw = json.loads(props["manifest"])
    except (KeyError, ValueError) as e:
        raise IndexProblem(f"the index {addr.url} is damaged: collection {name} has no readable manifest "
                           f"({e}); rebuild it with: archive-qa build --index {addr.url}") from None
    if raw.get("format_version") != FORMAT_VERSION:
        raise OldFormat(f"the index {addr.url} has format version {raw.get('format_version')}, this "
                        f"archive-qa reads version {FORMAT_VERSION}; rebuild it with: archive-qa build "
                        f"--index {addr.url}", raw.get("sources"), raw.get("model"))
    return name, Manifest.from_json(raw), props


def _days(d: date) -> int:
    return int((np.datetime64(d, "D") - EPOCH).astype(np.int64))


def _literal(text: str) -> str:
    """A string as a Milvus filter literal."""
    return json.dumps(text, ensure_ascii=False)


class MilvusRecords(Records):
    """The records of a collection, fetched by row when cited."""

    def __init__(self, store: "MilvusStore") -> None:
        self.store = store

    def __len__(self) -> int:
        return self.store.manifest.count

    def _row(self, i: int) -> Record:
        return self.fetch([i])[0]

    def __iter__(self):
        for start in range(0, len(self), PAGE):
            yield from self.fetch(list(range(start, min(len(self), start + PAGE))))

    def fetch(self, rows: list[int]) -> list[Record]:
        if not rows:
            return []
        s = self.store
        got: dict[int, Record] = {}
        for a in range(0, len(rows), PAGE):
            part = sorted(set(rows[a:a + PAGE]))
            with _service(s.addr, "reading records"):
                found = client(s.addr).query(s.collection, filter=f"row in {part}",
                                             output_fields=["row", "record"], limit=len(part))
            for h in found:
                got[int(h["row"])] = Record.from_json(json.loads(h["record"]))
        missing = [r for r in rows if r not in got]
        if missing:
            raise IndexProblem(f"the index {s.addr.url} is damaged: collection {s.collection} lacks row "
                               f"{missing[0]}; rebuild it with: archive-qa build --index {s.addr.url}")
        return [got[r] for r in rows]

    def _rows(self, flt: str) -> list[int]:
        s = self.store
        with _service(s.addr, "looking up a record"):
            found = client(s.addr).query(s.collection, filter=flt, output_fields=["row"], limit=PAGE)
        return sorted(int(h["row"]) for h in found)

    def rows_with_id(self, record_id: str) -> list[int]:
        key = record_id.strip().lower()
        if len(key) != 16 or any(ch not in "0123456789abcdef" for ch in key):
            return []
        return self._rows(f"id == {_literal(key)}")

    def rows_with_title(self, title: str) -> list[int]:
        want = title.strip().casefold()
        return self._rows(f"title_key == {_literal(want)}") if want else []

    def collections(self) -> tuple[np.ndarray, list[str]]:
        """From the collection field, read a page of rows at a time (4 bytes a record kept)."""
        codes = np.full(len(self), -1, dtype=np.int32)
        seen: dict[str, int] = {}
        for h in self.store.scan(["collection"], "reading the records' collections"):
            if h["collection"] is not None:
                codes[int(h["row"])] = seen.setdefault(h["collection"], len(seen))
        return by_name(codes, list(seen))


class MilvusStore(Store):
    """The collection an alias names, loaded, with its manifest, vocabulary and aliases read once."""

    def __init__(self, url: str) -> None:
        from ..names import BUILTIN_ALIASES, BUILTIN_REGIONS, NameMatcher, read_aliases, read_regions

        self.addr = parse(url)
        self.collection, self.manifest, props = read_manifest(url)
        if props.get("state") != "complete":
            raise IndexProblem(f"the index {url} is damaged: collection {self.collection} was never "
                               f"completed; rebuild it with: archive-qa build --index {url}")
        meta = props.get("meta", "")
        with _service(self.addr, "loading the collection"):
            c = client(self.addr)
            c.load_collection(self.collection)
            c.load_collection(meta)
            found = c.query(meta, filter='key like "vocab/%"', output_fields=["key", "data"], limit=PAGE)
        blob = "".join(h["data"] for h in sorted(found, key=lambda h: h["key"]))
        try:
            side = json.loads(zlib.decompress(base64.b64decode(blob)))
            words, df = side["words"], np.asarray(side["df"], dtype=np.int64)
        except (ValueError, KeyError, zlib.error) as e:
            raise IndexProblem(f"the index {url} is damaged: its vocabulary in {meta} cannot be read ({e}); "
                               f"rebuild it with: archive-qa build --index {url}") from None
        self.keywords = Vocabulary({w: i for i, w in enumerate(words) if w}, df, self.manifest.count)
        aliases = read_aliases([BUILTIN_ALIASES]) + side.get("aliases", [])
        self.names = NameMatcher(self.keywords.vocabulary, aliases, side.get("initials") or {},
                                 read_regions([BUILTIN_REGIONS]), share=self.keywords.share,
                                 own_regions=side.get("regions", {}))
        self.records = MilvusRecords(self)
        self.location = f"{self.addr.url} (collection {self.collection})"

    @functools.cached_property
    def _dates(self) -> tuple[np.ndarray, np.ndarray]:
        """Every record's first and last day, read once when a listing, the timeline or gaps ask (16 bytes a
        record: 160 MB at ten million)."""
        n = self.manifest.count
        starts = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        ends = starts.copy()
        for h in self.scan(["start_day", "end_day"], "reading the record dates"):
            if h["start_day"] is not None:
                starts[h["row"]] = EPOCH + np.timedelta64(int(h["start_day"]), "D")
                ends[h["row"]] = EPOCH + np.timedelta64(int(h["end_day"]), "D")
        return starts, ends

    def scan(self, fields: list[str], doing: str) -> Iterator[dict]:
        """Every row's row number and these fields, read a page of rows at a time."""
        with _service(self.addr, doing):
            for a in range(0, self.manifest.count, PAGE):
                yield from client(self.addr).query(self.collection, filter=f"row >= {a} and row < {a + PAGE}",
                                                   output_fields=["row", *fields], limit=PAGE)

    @property
    def starts(self) -> np.ndarray:  # type: ignore[override]
        return self._dates[0]

    @property
    def ends(self) -> np.ndarray:  # type: ignore[override]
        return self._dates[1]

    def within(self, date_from: date | None, date_to: date | None) -> str | None:
        if date_from is None and date_to is None:
            return None
        parts = ["start_day is not null"]  # an undated record meets no range
        if date_from is not None:
            parts.append(f"end_day >= {_days(date_from)}")
        if date_to is not None:
            parts.append(f"start_day <= {_days(date_to)}")
        return " and ".join(parts)

    def _search(self, data, field: str, metric: str, k: int, where: str | None) -> list[tuple[int, float]]:
        """(row, score) best first, ties by row (the server returns tied hits in no set order). The folder
        store orders tied BM25 scores as numpy's partition leaves them, so a tie may rank otherwise there."""
        k = min(k, self.manifest.count, PAGE)
        if k <= 0:
            return []
        with _service(self.addr, "searching"):
            res = client(self.addr).search(self.collection, data=[data], anns_field=field, limit=k,
                                           filter=where or "", output_fields=["row"],
                                           search_params={"metric_type": metric})
        # milvus-lite gives BM25 scores negated (smaller is better inside it); Milvus gives them positive
        hits = [(int(h["row"]), abs(float(h["distance"])) if metric == "BM25" else float(h["distance"]))
                for h in res[0]]
        return sorted(hits, key=lambda h: (-h[1], h[0]))

    def dense(self, qvec: np.ndarray, k: int, where: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        hits = self._search(np.asarray(qvec, dtype=np.float32).ravel().tolist(), "vector", "IP", k, where)
        return np.array([h[0] for h in hits], np.int64), np.array([h[1] for h in hits], np.float32)

    def keyword(self, tokens: list[str], k: int, where: str | None = None) -> KeywordHits:
        known = self.keywords.searchable(tokens)
        if not known:
            return KeywordHits([], lambda rows: {int(i): 0.0 for i in rows})
        text = " ".join(known)
        hits = self._search(text, "sparse", "BM25", k, where)
        scores = dict(hits)

        def score(rows: list[int]) -> dict[int, float]:
            rest = sorted({int(i) for i in rows} - scores.keys())
            if rest:  # rows beyond the top list: their own BM25 score (0 when none of the words is in them)
                got = dict(self._search(text, "sparse", "BM25", len(rest), f"row in {rest}"))
                scores.update({i: got.get(i, 0.0) for i in rest})
            return {int(i): scores[int(i)] for i in rows}

        return KeywordHits([h[0] for h in hits], score)

    def keyword_scores(self, tokens: list[str]) -> np.ndarray:
        """One BM25 search; when its list is full, more may match than a search returns, so a search for each
        PAGE rows (a filter on row), which returns all of their matches."""
        n = self.manifest.count
        out = np.zeros(n, dtype=np.float32)
        known = self.keywords.searchable(tokens)
        if not known:
            return out
        text = " ".join(known)
        hits = self._search(text, "sparse", "BM25", PAGE, None)
        if n > PAGE and len(hits) >= PAGE:
            hits = [h for a in range(0, n, PAGE)
                    for h in self._search(text, "sparse", "BM25", PAGE, f"row >= {a} and row < {a + PAGE}")]
        for row, score in hits:
            out[row] = score
        return out

    def vectors(self, rows: list[int]) -> np.ndarray:
        if not rows:
            return np.zeros((0, self.manifest.dimension), dtype=np.float32)
        with _service(self.addr, "reading vectors"):
            got = client(self.addr).get(self.collection, ids=sorted(set(int(i) for i in rows)),
                                        output_fields=["vector"])
        by_row = {int(h["row"]): h["vector"] for h in got}
        return np.array([by_row[int(i)] for i in rows], dtype=np.float32)


def _schema(pymilvus, dimension: int):
    DataType = pymilvus.DataType
    s = pymilvus.MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("row", DataType.INT64, is_primary=True)
    s.add_field("id", DataType.VARCHAR, max_length=16)
    s.add_field("title_key", DataType.VARCHAR, max_length=MAX_TEXT)
    s.add_field("record", DataType.VARCHAR, max_length=MAX_TEXT)
    s.add_field("words", DataType.VARCHAR, max_length=MAX_TEXT, enable_analyzer=True,
                analyzer_params={"tokenizer": "standard"})  # tokens are [a-z0-9]+: any analyzer keeps them
    s.add_field("collection", DataType.VARCHAR, max_length=MAX_TEXT, nullable=True)  # the metadata's
    s.add_field("start_day", DataType.INT64, nullable=True)
    s.add_field("end_day", DataType.INT64, nullable=True)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=int(dimension))
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_function(pymilvus.Function(name="bm25", function_type=pymilvus.FunctionType.BM25,
                                     input_field_names=["words"], output_field_names=["sparse"]))
    return s


def _side_schema(pymilvus):
    DataType = pymilvus.DataType
    s = pymilvus.MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=64)
    s.add_field("data", DataType.VARCHAR, max_length=MAX_TEXT)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector in every collection
    return s


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class MilvusWriter(Writer):
    """Builds into a new collection and moves the alias to it only when it is complete."""

    def __init__(self, url: str) -> None:
        from ..settings import current

        self.addr = parse(url)
        self.location = self.addr.url
        # the spool and the embedding cache stay on this machine, by server and name
        self.home = current().cache / "milvus" / f"{self.addr.host}_{self.addr.port}_{self.addr.name}"
        self.building: str | None = None

    def begin(self) -> Path:
        with _service(self.addr, "connecting"):
            client(self.addr).list_collections()  # an unreachable server is reported before any work is done
        for stale in self.home.glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        folder = self.home / f".tmp-{uuid.uuid4().hex[:12]}"
        folder.mkdir(parents=True)
        return folder

    def abort(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        if self.building:  # a failed build's collection: never served, removed at once when the server allows
            with contextlib.suppress(Exception):
                self._drop(client(self.addr), self.building)
            self.building = None

    def _drop(self, c, name: str, props: dict[str, str] | None = None) -> None:
        if c.list_aliases(collection_name=name).get("aliases"):
            return  # never a collection an alias names (dropping it would drop the alias too)
        props = _properties(c, name) if props is None else props
        c.drop_collection(name)
        meta = props.get("meta")
        if meta and meta in c.list_collections():
            c.drop_collection(meta)

    def _sweep(self, c, keep: set[str]) -> None:
        """Remove this name's builds other than keep: complete ones no alias names, and unfinished ones whose
        builder (a process on this machine) has died. Another machine's unfinished build is left alone."""
        host = socket.gethostname()
        prefix = f"{self.addr.name}__b"
        for name in c.list_collections():
            if not name.startswith(prefix) or name in keep:
                continue
            props = _properties(c, name)
            who, _, pid = props.get("builder", "").rpartition(":")
            dead = who == host and pid.isdigit() and not _pid_alive(int(pid))
            if props.get("state") == "complete" or dead:
                log.info("removing the old or unfinished collection %s", name)
                self._drop(c, name, props)
        names = set(c.list_collections())
        side = f"{self.addr.name}__m"
        for name in names:  # side collections whose build is gone
            if name.startswith(side) and prefix + name[len(side):] not in names:
                c.drop_collection(name)

    def _commit(self, spool, vectors, manifest):
        from ..names import read_aliases, read_regions
        from ..store import alias_files

        pymilvus = _pymilvus()
        n, d = vectors.shape
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + uuid.uuid4().hex[:6]
        name, meta = f"{self.addr.name}__b{stamp}", f"{self.addr.name}__m{stamp}"
        with _service(self.addr, f"writing the collection {name}"):
            c = client(self.addr)
            previous = _target(c, self.addr)
            self._sweep(c, keep={previous} if previous else set())
            self.building = name
            c.create_collection(meta, schema=_side_schema(pymilvus), index_params=self._side_index(c))
            c.create_collection(name, schema=_schema(pymilvus, d), index_params=self._index(c, n),
                                properties={PROPERTY + "state": "building", PROPERTY + "meta": meta,
                                            PROPERTY + "builder": f"{socket.gethostname()}:{os.getpid()}"})
            side = {"words": spool.tokens.names(), "df": spool.tokens.vocabulary().df.tolist(),
                    "aliases": read_aliases(alias_files(manifest.sources)[1:]),
                    "regions": read_regions(alias_files(manifest.sources)[1:]), "initials": manifest.initials}
            blob = base64.b64encode(zlib.compress(json.dumps(side).encode("utf-8"), 6)).decode("ascii")
            c.insert(meta, [{"key": f"vocab/{k:06d}", "data": blob[a:a + CHUNK], "v": [0.0, 1.0]}
                            for k, a in enumerate(range(0, max(len(blob), 1), CHUNK))])
            c.flush(meta)
            for start in range(0, n, BATCH):
                c.insert(name, self._rows(spool, vectors, start, min(n, start + BATCH)))
            c.flush(name)  # one flush: BM25 statistics are per segment in milvus-lite
            c.load_collection(name)
            c.load_collection(meta)
            held = int(c.get_collection_stats(name).get("row_count", -1))
            if held != n:
                raise IndexProblem(f"the Milvus server at {self.addr.server} holds {held} of the {n} rows "
                                   f"just written to {name}; nothing was swapped in. Build again")
            manifest.dimension = int(d)
            manifest.built_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
            manifest.index_type = "Milvus FLAT" if n <= EXACT_LIMIT else "Milvus AUTOINDEX"
            manifest.index_params = {}
            shown = replace(manifest, initials={})  # a property is short: the initials are in the side blob
            c.alter_collection_properties(name, {PROPERTY + "manifest": json.dumps(asdict(shown)),
                                                 PROPERTY + "state": "complete"})
            if previous is None:
                c.create_alias(name, self.addr.name)
            else:
                c.alter_alias(name, self.addr.name)  # the swap: questions move to the new build at once
            self.building = None
            self._sweep(c, keep={name, previous} if previous else {name})
        log.info("index written: %s (%d records) as %s", name, n, self.addr.url)
        return manifest

    def _index(self, c, n: int):
        ip = c.prepare_index_params()
        ip.add_index(field_name="vector", index_type="FLAT" if n <= EXACT_LIMIT else "AUTOINDEX",
                     metric_type="IP")
        ip.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"bm25_k1": K1, "bm25_b": B})
        for f in ("start_day", "end_day", "id", "title_key"):
            ip.add_index(field_name=f, index_type="INVERTED")
        return ip

    def _side_index(self, c):
        ip = c.prepare_index_params()
        ip.add_index(field_name="v", index_type="FLAT", metric_type="IP")
        return ip

    def _rows(self, spool, vectors, start: int, stop: int) -> list[dict]:
        from ..table import collection_of

        lines = spool.table.lines(start, stop)
        vecs = np.asarray(vectors[start:stop], dtype=np.float32)
        out = []
        for j, line in enumerate(lines):
            i = start + j
            words = " ".join(spool.tokens.words(i)) or "_"  # a record without words counts one, as in bm25s
            record = json.loads(line)
            for what, text in (("record", line), ("keyword text", words)):
                if len(text.encode("utf-8")) > MAX_TEXT:
                    raise IndexProblem(
                        f"record {record['id']} ({record['source']}, line {record['line']}) is too long for "
                        f"Milvus: its {what} takes {len(text.encode('utf-8')):,} bytes and a field holds "
                        f"{MAX_TEXT:,}. Shorten its summary or metadata, or serve the collection from a "
                        "folder index. Nothing was changed")
            s, e = spool.starts[i], spool.ends[i]
            out.append({"row": i, "id": record["id"], "title_key": record["title"].strip().casefold(),
                        "record": line, "words": words, "collection": collection_of(line),
                        "start_day": None if np.isnat(s) else int((s - EPOCH).astype(np.int64)),
                        "end_day": None if np.isnat(e) else int((e - EPOCH).astype(np.int64)),
                        "vector": vecs[j]})
        return out
